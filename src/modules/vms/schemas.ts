import { Type } from '@sinclair/typebox';
import type { VmReplicationStatus } from '../../domain/replication.ts';
import { compact, formatTime, Id, ListOf, SetOf, Since, StringEnum, Struct } from '../../vapi/wire.ts';

const NS = 'com.vmware.snapservice.clusters.virtual_machines';

const REPLICATION_STATUSES = [
  'ERROR', 'MOVING', 'CONFIGURING', 'PAUSED', 'FULL_SYNC', 'INITIAL_FULL_SYNC', 'SYNC', 'NOT_ACTIVE', 'OK', 'UNKNOWN',
  'RECOVERING', 'RECOVERED', 'DISK_RESIZING', 'CONFIGURATION_ERROR',
] as const;

const ReplicationInfo = Struct(`${NS}.replication_info`, {
  status: StringEnum(`${NS}.replication_status`, REPLICATION_STATUSES, { since: { CONFIGURATION_ERROR: '9.1.0.0' } }),
  cluster_pair: Id(),
  rpo_violation: Type.Optional(Struct('com.vmware.snapservice.time_period', {
    unit: StringEnum('com.vmware.snapservice.time_unit', ['MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'YEAR'] as const, { since: { YEAR: '9.1.0.0' } }),
    duration: Type.Integer(),
  })),
});

export const VmInfo = Struct(`${NS}.info`, {
  name: Type.String(),
  bios_uuid: Since('9.1.0.0', Type.Optional(Type.String())),
  local_protection_enabled: Type.Boolean(),
  protection_groups: SetOf(Id()),
  last_snapshot_time: Type.Optional(Type.String({ format: 'date-time' })),
  oldest_snapshot_time: Type.Optional(Type.String({ format: 'date-time' })),
  snapshot_count: Type.Integer(),
  in_cluster: Type.Boolean(),
  remote_protection_info: Since('9.0.0.0', Type.Optional(Struct(`${NS}.remote_protection_info`, {
    incoming_replication: Type.Optional(ReplicationInfo),
    outgoing_replications: Type.Optional(ListOf(ReplicationInfo)),
  }))),
});

export const VmFilter = Struct(`${NS}.filter_spec`, {
  vms: Type.Optional(SetOf(Id())),
  name_patterns: Type.Optional(ListOf(Type.String())),
  local_protection_enabled: Type.Optional(Type.Boolean()),
});

export const VmList = Struct(`${NS}.list_result`, {
  items: ListOf(Struct(`${NS}.list_item`, { vm: Id(), info: VmInfo })),
});

export const RevertSpec = Struct(`${NS}.revert_spec`, { snapshot: Id() });

const Placement = (name: string) => Struct(`${NS}.${name}`, {
  folder: Type.Optional(Id()),
  resource_pool: Type.Optional(Id()),
  host: Type.Optional(Id()),
});

export const RestoreSpec = Struct(`${NS}.restore_spec`, {
  snapshot: Id(),
  name: Type.Optional(Type.String()),
  placement: Type.Optional(Placement('restore_placement_spec')),
});

export const LinkedCloneSpec = Struct(`${NS}.linked_clone_spec`, {
  snapshot: Id(),
  name: Type.String(),
  placement: Type.Optional(Placement('linked_clone_placement_spec')),
});

/** The service's view of one VM on one cluster. */
export interface VmView {
  id: string;
  name: string;
  biosUuid: string;
  localProtectionEnabled: boolean;
  protectionGroups: string[];
  lastSnapshotTime?: number;
  oldestSnapshotTime?: number;
  snapshotCount: number;
  inCluster: boolean;
  outgoing?: Array<{ clusterPair: string; status: VmReplicationStatus; violationMinutes?: number }>;
}

export function vmViewToWire(v: VmView) {
  return compact({
    name: v.name,
    bios_uuid: v.biosUuid,
    local_protection_enabled: v.localProtectionEnabled,
    protection_groups: v.protectionGroups,
    last_snapshot_time: v.lastSnapshotTime === undefined ? undefined : formatTime(v.lastSnapshotTime),
    oldest_snapshot_time: v.oldestSnapshotTime === undefined ? undefined : formatTime(v.oldestSnapshotTime),
    snapshot_count: v.snapshotCount,
    in_cluster: v.inCluster,
    remote_protection_info: v.outgoing && v.outgoing.length > 0
      ? {
        outgoing_replications: v.outgoing.map((o) => compact({
          status: o.status, cluster_pair: o.clusterPair,
          rpo_violation: o.violationMinutes === undefined ? undefined : { unit: 'MINUTE', duration: o.violationMinutes },
        })),
      }
      : undefined,
  });
}
