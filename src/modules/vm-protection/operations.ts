import { liveVmOr404 } from '../../access/lookup.ts';
import { errors } from '../../errors.ts';
import { admitTask } from '../../tasks/submit.ts';
import { defineOperation, type Operation } from '../../vapi/operation.ts';
import { Id, Input } from '../../vapi/wire.ts';
import { ConfigInfo, overrideFromWire, targetToWire, UpdateSpec } from './schemas.ts';
import { changeableGroup, replicatingGroupOf, VM_PROTECTION_UPDATE } from './tasks.ts';

/** A VM's own replication settings, over its group's (9.1). */
const SERVICE = 'com.vmware.snapservice.virtual_machines.protection_configuration';
const PATH = '/api/snapservice/virtual-machines/{vm}/protection-configuration';

export const vmProtectionOperations: Operation[] = [
  defineOperation({
    service: SERVICE, name: 'get', since: '9.1.0.0', readOnly: true,
    rest: { method: 'GET', path: PATH },
    input: Input({ vm: Id() }), ids: ['vm'], output: ConfigInfo,
    authorize: async (call, ids) => {
      const vm = await liveVmOr404(call.deps.store.repos, ids.vm);
      await call.authz.require({ type: 'VirtualMachine', id: vm.id }, ['System.Read']);
      return vm;
    },
    handler: async (call, _input, vm) => {
      const pg = await replicatingGroupOf(call.deps.store.repos, vm);
      const o = pg?.replication?.overrides?.find((x) => x.vm === vm.id);
      return { replication_config_info: o ? [{ replication_target: targetToWire(o) }] : [] };
    },
  }),
  defineOperation({
    service: SERVICE, name: 'update$task', since: '9.1.0.0',
    rest: { method: 'PATCH', path: PATH, task: true, body: 'spec' },
    task: VM_PROTECTION_UPDATE,
    input: Input({ vm: Id(), spec: UpdateSpec }), ids: ['vm'],
    authorize: async (call, ids) => {
      const vm = await liveVmOr404(call.deps.store.repos, ids.vm);
      await call.authz.require({ type: 'VirtualMachine', id: vm.id }, ['System.Read']);
      return vm;
    },
    handler: async (call, { spec }, vm) => {
      const list = spec.replication_config_update_spec;
      if (!list || list.length !== 1) throw errors.invalidArgument('spec.replication_config_update_spec', 'must have exactly one entry');
      const target = list[0].replication_target;
      const override = target ? overrideFromWire(vm.id, target) : null;
      if (override && Object.keys(override).length === 1) {
        throw errors.invalidArgument('spec.replication_config_update_spec[0].replication_target', 'must set use_replica_seed, replication_path or target_storage_spec');
      }
      return admitTask(call, VM_PROTECTION_UPDATE, async (tx) => {
        await changeableGroup(tx, vm);
        if (await tx.tasks.activeForTarget(vm.id, [VM_PROTECTION_UPDATE.kind])) {
          throw errors.notAllowed('vm.protection_configuration.busy', `The protection configuration of virtual machine ${vm.id} is being updated.`, vm.id);
        }
        return { target: { type: 'VirtualMachine', id: vm.id }, clusterId: vm.clusterId ?? undefined, vmId: vm.id, input: { vm: vm.id, override } };
      });
    },
  }),
];
