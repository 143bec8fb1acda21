import { Type } from '@sinclair/typebox';
import { DateTime, Id, ListOf, LocalizableMessageSchema, SetOf, Since, StringEnum, Struct } from '../../vapi/wire.ts';
import { PG_SNAPSHOT_TYPES, PgStatusSchema } from '../groups/schemas.ts';
import { VmSnapshotTypeSchema } from '../vm-snapshots/schemas.ts';

const NS = 'com.vmware.snapservice.reports.clusters';
const PGS = `${NS}.protection_groups`;
const VMS = `${NS}.virtual_machines`;
const PG_SNAPS = `${PGS}.snapshots`;
const VM_SNAPS = `${VMS}.snapshots`;
const V9_1 = '9.1.0.0';

/** Largest page of a snapshot report, and the page when none is asked for. */
export const MAX_PAGE = 1000;
export const DEFAULT_PAGE = 100;

const Reason = Struct('com.vmware.snapservice.reason', { messages: ListOf(LocalizableMessageSchema) });

// --- the entities a report can be about ---

export const ReplicationFilter = (ns: string) => Struct(`${ns}.filter_spec`, { replication: Type.Boolean() });

export const PgReportList = Struct(`${PGS}.list_result`, {
  items: ListOf(Struct(`${PGS}.list_item`, {
    pg: Id(),
    info: Struct(`${PGS}.protection_group_info`, {
      name: Type.String(),
      deleted: Type.Boolean(),
      status: Since(V9_1, Type.Optional(PgStatusSchema())),
    }),
  })),
});

export const VmReportList = Struct(`${VMS}.list_result`, {
  items: ListOf(Struct(`${VMS}.list_item`, {
    vm: Id(),
    info: Struct(`${VMS}.info`, {
      name: Type.String(),
      deleted: Type.Boolean(),
      exists: Since(V9_1, Type.Optional(Type.Boolean())),
    }),
  })),
});

// --- snapshot reports ---

const timeRange = () => ({ start_time: Type.Optional(DateTime()), end_time: Type.Optional(DateTime()) });

export const PgSnapshotReportFilter = Struct(`${PG_SNAPS}.filter_spec`, { ...timeRange(), pgs: Type.Optional(SetOf(Id())) });
export const VmSnapshotReportFilter = Struct(`${VM_SNAPS}.filter_spec`, { ...timeRange(), vms: Type.Optional(SetOf(Id())) });

export const Iteration = (ns: string) => Struct(`${ns}.iteration_spec`, {
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE })),
  // Past 2^53 a JSON number is no longer an exact integer (and SQLite's OFFSET would overflow).
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
});

export const PgSnapshotReport = Struct(`${PG_SNAPS}.list_result`, {
  snapshots: ListOf(Struct(`${PG_SNAPS}.list_item`, {
    pg: Id(),
    name: Type.String(),
    snapshot: Type.Optional(Id()),
    status: StringEnum(`${PG_SNAPS}.status`, ['SUCCESS', 'ERROR', 'WARNING'] as const),
    errors: Type.Optional(ListOf(Reason)),
    warnings: Type.Optional(ListOf(Reason)),
    creation_time: DateTime(),
    expiration_time: Type.Optional(DateTime()),
    snapshot_type: Type.Optional(StringEnum('com.vmware.snapservice.clusters.protection_groups.snapshots.type', PG_SNAPSHOT_TYPES)),
    deleted: Type.Boolean(),
  })),
  total_count: Type.Integer(),
});

export const VmSnapshotReport = Struct(`${VM_SNAPS}.list_result`, {
  snapshots: ListOf(Struct(`${VM_SNAPS}.list_item`, {
    name: Type.String(),
    snapshot: Type.Optional(Id()),
    pg_snapshot: Id(),
    pg: Id(),
    vm: Id(),
    status: StringEnum(`${VM_SNAPS}.status`, ['SUCCESS', 'ERROR'] as const),
    error: Type.Optional(Reason),
    creation_time: DateTime(),
    expiration_time: Type.Optional(DateTime()),
    snapshot_type: Type.Optional(VmSnapshotTypeSchema()),
    deleted: Type.Boolean(),
  })),
  total_count: Type.Integer(),
});

// --- status counts ---

const PgCounts = Struct(`${PG_SNAPS}.aggregated_status_info`, {
  error_count: Type.Integer(), warning_count: Type.Integer(), success_count: Type.Integer(),
});
const VmCounts = Struct(`${VM_SNAPS}.aggregated_status_info`, { error_count: Type.Integer(), success_count: Type.Integer() });

export const PgCountsBySlice = Struct(`${PG_SNAPS}.status_by_time_slice_list_result`, {
  items: ListOf(Struct(`${PG_SNAPS}.status_by_time_slice_item`, { start_time: DateTime(), end_time: DateTime(), info: PgCounts })),
});
export const PgCountsByGroup = Struct(`${PG_SNAPS}.status_by_protection_group_list_result`, {
  items: ListOf(Struct(`${PG_SNAPS}.status_by_protection_group_item`, { pg: Id(), info: PgCounts })),
});
export const VmCountsBySlice = Struct(`${VM_SNAPS}.status_by_time_slice_list_result`, {
  items: ListOf(Struct(`${VM_SNAPS}.status_by_time_slice_item`, { start_time: DateTime(), end_time: DateTime(), info: VmCounts })),
});
export const VmCountsByVm = Struct(`${VM_SNAPS}.status_by_virtual_machine_list_result`, {
  items: ListOf(Struct(`${VM_SNAPS}.status_by_virtual_machine_item`, { vm: Id(), info: VmCounts })),
});

export const NAMESPACES = { PGS, VMS, PG_SNAPS, VM_SNAPS };
