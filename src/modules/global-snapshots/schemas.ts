import { Type } from '@sinclair/typebox';
import type { SnapshotLabel } from '../../domain/labels.ts';
import type { Vm, VmSnapshot } from '../../domain/model.ts';
import { compact, DateTime, formatTime, Id, ListOf, SetOf, Struct } from '../../vapi/wire.ts';
import { Unit } from '../groups/schemas.ts';
import { LabelSchema, SnapshotType } from '../vm-snapshots/schemas.ts';

/** Wire structures of `com.vmware.snapservice.virtual_machines.snapshots` (all 9.1). */
const NS = 'com.vmware.snapservice.virtual_machines.snapshots';

export const IndexFilter = Struct(`${NS}.filter_spec`, {
  created_after: Type.Optional(DateTime()),
  created_before: Type.Optional(DateTime()),
  snapshots_per_vm: Type.Optional(Type.Integer()),
  vm_bios_uuids: Type.Optional(SetOf(Type.String())),
  clusters: Type.Optional(SetOf(Id())),
  snapshots: Type.Optional(SetOf(Id())),
});

export const IndexIteration = Struct(`${NS}.iteration_spec`, {
  page_size: Type.Optional(Type.Integer()),
  offset: Type.Optional(Type.Integer()),
});

export const IndexItem = Struct(`${NS}.list_item`, {
  name: Type.String(),
  snapshot: Id(),
  vm: Id(),
  vm_bios_uuid: Type.Optional(Type.String()),
  creation_time: DateTime(),
  expiration_time: Type.Optional(DateTime()),
  snapshot_type: SnapshotType(),
  labels: Type.Optional(ListOf(LabelSchema)),
});

export const IndexList = Struct(`${NS}.list_result`, {
  snapshots: ListOf(IndexItem),
  total_count: Type.Integer(),
});

export const TimePeriod = Struct('com.vmware.snapservice.time_period', {
  unit: Unit(),
  duration: Type.Integer(),
});

export const UpdateSpec = Struct(`${NS}.update_spec`, { delete_after: Type.Optional(TimePeriod) });
export const AddLabelSpec = Struct(`${NS}.add_label_spec`, { label: LabelSchema });
export const DeleteLabelSpec = Struct(`${NS}.delete_label_spec`, { label: LabelSchema });
export const SetLabelsSpec = Struct(`${NS}.set_labels_spec`, { category: Type.String(), names: ListOf(Type.String()) });

export function indexItemToWire(s: VmSnapshot, vm: Vm | undefined, labels: SnapshotLabel[]) {
  return compact({
    name: s.name,
    snapshot: s.id,
    vm: s.vmId,
    vm_bios_uuid: vm?.biosUuid,
    creation_time: formatTime(s.createdAt),
    expiration_time: s.expiresAt === null ? undefined : formatTime(s.expiresAt),
    snapshot_type: s.type,
    labels: labels.map((l) => ({ category: l.category, name: l.name })),
  });
}
