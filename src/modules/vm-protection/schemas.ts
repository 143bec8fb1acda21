import { Type } from '@sinclair/typebox';
import type { VmReplicationOverride } from '../../domain/replication.ts';
import { compact, Id, ListOf, Struct } from '../../vapi/wire.ts';

const NS = 'com.vmware.snapservice.virtual_machines.protection_configuration';

const Target = Struct(`${NS}.replication_target`, {
  use_replica_seed: Type.Optional(Type.Boolean()),
  replication_path: Type.Optional(Type.String()),
  target_storage_spec: Type.Optional(Struct(`${NS}.target_storage_spec`, { datastore: Type.Optional(Id()) })),
});

export const ConfigInfo = Struct(`${NS}.info`, {
  replication_config_info: ListOf(Struct(`${NS}.replication_configuration_info`, { replication_target: Target })),
});

export const UpdateSpec = Struct(`${NS}.update_spec`, {
  replication_config_update_spec: Type.Optional(ListOf(Struct(`${NS}.replication_configuration_update_spec`, { replication_target: Type.Optional(Target) }))),
});

export type WireTarget = { use_replica_seed?: boolean; replication_path?: string; target_storage_spec?: { datastore?: string } };

export function targetToWire(o: VmReplicationOverride) {
  return compact({
    use_replica_seed: o.useReplicaSeed,
    replication_path: o.replicationPath,
    target_storage_spec: o.targetDatastore === undefined ? undefined : { datastore: o.targetDatastore },
  });
}

export function overrideFromWire(vm: string, t: WireTarget): VmReplicationOverride {
  return compact({ vm, useReplicaSeed: t.use_replica_seed, replicationPath: t.replication_path, targetDatastore: t.target_storage_spec?.datastore });
}
