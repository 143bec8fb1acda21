import { Type } from '@sinclair/typebox';
import type { DiskSnapshot, VmSnapshot } from '../../domain/model.ts';
import { snapshotFilterFields } from '../../vapi/filters.ts';
import type { SnapshotLabel } from '../../domain/labels.ts';
import { compact, DateTime, formatTime, Id, ListOf, Since, StringEnum, Struct } from '../../vapi/wire.ts';

const NS = 'com.vmware.snapservice.clusters.virtual_machines.snapshots';
/** STAGED (9.1) marks snapshots of a ransomware recovery's staging, which this server never takes. */
export const SNAPSHOT_TYPES = ['SCHEDULED', 'ONE_TIME', 'SYSTEM_CREATED', 'STAGED'] as const;
export const SnapshotType = () => StringEnum(`${NS}.type`, SNAPSHOT_TYPES, { since: { STAGED: '9.1.0.0' } });

/** A snapshot label (9.1), shared by every structure that lists a snapshot's labels. */
export const LabelSchema = Struct('com.vmware.snapservice.snapshots.label', { category: Type.String(), name: Type.String() });
/** The VM snapshot type enumeration, for other structures that show it. */
export const VmSnapshotTypeSchema = SnapshotType;

export const DiskSnapshotInfo = Struct('com.vmware.snapservice.clusters.virtual_machines.disks.snapshots.info', {
  disk_key: Type.Integer(),
  sequence_uuid: Type.String(),
  epoch: Type.Integer(),
  uri: Type.String(),
});

export const VmSnapshotInfo = Struct(`${NS}.info`, {
  name: Type.String(),
  snapshot_type: SnapshotType(),
  created_at: DateTime(),
  expires_at: Type.Optional(DateTime()),
  vm: Id(),
  pg: Type.Optional(Id()),
  disk_snapshots: ListOf(DiskSnapshotInfo),
  labels: Since('9.1.0.0', Type.Optional(ListOf(LabelSchema))),
});

export const VmSnapshotFilter = Struct(`${NS}.filter_spec`, {
  ...snapshotFilterFields(),
  snapshot_type: Type.Optional(SnapshotType()),
});

export const VmSnapshotList = Struct(`${NS}.list_result`, {
  items: ListOf(Struct(`${NS}.list_item`, { snapshot: Id(), info: VmSnapshotInfo })),
});

/** `labels` is always sent (empty when there are none); releases before 9.1 trim it. */
export function vmSnapshotToWire(s: VmSnapshot, disks: DiskSnapshot[], labels: SnapshotLabel[]) {
  return compact({
    name: s.name,
    snapshot_type: s.type,
    created_at: formatTime(s.createdAt),
    expires_at: s.expiresAt === null ? undefined : formatTime(s.expiresAt),
    vm: s.vmId,
    pg: s.pgId ?? undefined,
    disk_snapshots: disks.map((d) => ({ disk_key: d.diskKey, sequence_uuid: d.sequenceUuid, epoch: d.epoch, uri: d.uri })),
    labels: labels.map((l) => ({ category: l.category, name: l.name })),
  });
}
