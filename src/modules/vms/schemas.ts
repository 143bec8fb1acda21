import { Type } from '@sinclair/typebox';
import { compact, formatTime, Id, ListOf, SetOf, Since, Struct } from '../../vapi/wire.ts';

const NS = 'com.vmware.snapservice.clusters.virtual_machines';

export const VmInfo = Struct(`${NS}.info`, {
  name: Type.String(),
  bios_uuid: Since('9.1.0.0', Type.Optional(Type.String())),
  local_protection_enabled: Type.Boolean(),
  protection_groups: SetOf(Id()),
  last_snapshot_time: Type.Optional(Type.String({ format: 'date-time' })),
  oldest_snapshot_time: Type.Optional(Type.String({ format: 'date-time' })),
  snapshot_count: Type.Integer(),
  in_cluster: Type.Boolean(),
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
  });
}
