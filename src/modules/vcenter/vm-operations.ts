import { Type } from '@sinclair/typebox';
import type { PowerAction } from '../../domain/power.ts';
import { defineOperation, type Operation } from '../../vapi/operation.ts';
import { Id, Input } from '../../vapi/wire.ts';
import { changePower, POWER_ACTIONS, POWER_PRIVILEGE } from './power.ts';
import { migratePrivilege, relocateVm } from './relocate.ts';
import { PowerInfo, powerInfoToWire, RelocateSpec, VmFilter, VmList, vmSummaryToWire } from './schemas.ts';
import { VmInfo, vmInfoToWire } from './vm-info.ts';
import { deleteVm, listVms, vmFor } from './vms.ts';

const VM = 'com.vmware.vcenter.VM';
const POWER = 'com.vmware.vcenter.vm.power';
const PATH = '/api/vcenter/vm/{vm}';

function powerOperation(action: PowerAction): Operation {
  return defineOperation({
    service: POWER, name: action, since: '6.5',
    rest: { method: 'POST', path: `${PATH}/power`, action, status: 204 },
    input: Input({ vm: Id() }),
    ids: ['vm'],
    authorize: (call, ids) => vmFor(call, ids.vm, [POWER_PRIVILEGE[action]]),
    handler: (call, _input, vm) => changePower(call, vm.id, action),
  });
}

export const vcenterVmOperations: Operation[] = [
  defineOperation({
    service: VM, name: 'list', since: '6.5', readOnly: true,
    rest: { method: 'GET', path: '/api/vcenter/vm', query: ['filter'] },
    input: Input({ filter: Type.Optional(VmFilter) }),
    output: VmList,
    handler: async (call, input) => (await listVms(call, input.filter)).map(vmSummaryToWire),
  }),
  defineOperation({
    service: VM, name: 'get', since: '6.5', readOnly: true,
    rest: { method: 'GET', path: PATH },
    input: Input({ vm: Id() }),
    ids: ['vm'],
    output: VmInfo,
    authorize: (call, ids) => vmFor(call, ids.vm, ['System.Read']),
    handler: async (call, _input, vm) => vmInfoToWire(vm, await call.deps.store.repos.disks.listForVm(vm.id)),
  }),
  defineOperation({
    service: VM, name: 'delete', since: '6.5',
    rest: { method: 'DELETE', path: PATH },
    input: Input({ vm: Id() }),
    ids: ['vm'],
    authorize: (call, ids) => vmFor(call, ids.vm, ['VirtualMachine.Inventory.Delete']),
    handler: (call, _input, vm) => deleteVm(call, vm.id),
  }),
  defineOperation({
    service: VM, name: 'relocate', since: '7.0.0.0',
    rest: { method: 'POST', path: PATH, action: 'relocate', body: 'spec', status: 204 },
    input: Input({ vm: Id(), spec: RelocateSpec }),
    ids: ['vm'],
    authorize: async (call, ids) => {
      const vm = await vmFor(call, ids.vm, []);
      await call.authz.require({ type: 'VirtualMachine', id: vm.id }, [migratePrivilege(vm)]);
      return vm;
    },
    handler: (call, input, vm) => relocateVm(call, vm, input.spec),
  }),
  defineOperation({
    service: POWER, name: 'get', since: '6.5', readOnly: true,
    rest: { method: 'GET', path: `${PATH}/power` },
    input: Input({ vm: Id() }),
    ids: ['vm'],
    output: PowerInfo,
    authorize: (call, ids) => vmFor(call, ids.vm, ['System.Read']),
    handler: async (_call, _input, vm) => powerInfoToWire(vm),
  }),
  ...POWER_ACTIONS.map(powerOperation),
];
