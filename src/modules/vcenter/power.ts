import type { PowerState } from '../../domain/model.ts';
import { powerTransition, type PowerAction } from '../../domain/power.ts';
import { errors, vapiError } from '../../errors.ts';
import type { Call } from '../../vapi/operation.ts';
import { admitVmChange } from './vms.ts';

/** The privilege each power action needs on the VM (the vendor lists them per operation). */
export const POWER_PRIVILEGE: Record<PowerAction, string> = {
  start: 'VirtualMachine.Interact.PowerOn',
  stop: 'VirtualMachine.Interact.PowerOff',
  suspend: 'VirtualMachine.Interact.Suspend',
  reset: 'VirtualMachine.Interact.Reset',
};

export const POWER_ACTIONS = Object.keys(POWER_PRIVILEGE) as PowerAction[];

const STATE_TEXT: Record<PowerState, string> = { POWERED_ON: 'powered on', POWERED_OFF: 'powered off', SUSPENDED: 'suspended' };

/** Applies one power action atomically with the check that no recovery task holds the VM. */
export async function changePower(call: Call, vmId: string, action: PowerAction): Promise<void> {
  await call.deps.store.transaction(async (tx) => {
    const vm = await admitVmChange(tx, vmId);
    const next = powerTransition(vm.powerState, action);
    if ('error' in next) {
      const state = STATE_TEXT[vm.powerState];
      if (next.error === 'ALREADY_IN_DESIRED_STATE') {
        throw vapiError('ALREADY_IN_DESIRED_STATE', 'vcenter.vm.power.already', `Virtual machine ${vm.id} is already ${state}.`, vm.id, vm.powerState);
      }
      throw errors.notAllowed(
        `vcenter.vm.power.${action}.not_allowed`,
        `Virtual machine ${vm.id} is ${state}; only a powered-on virtual machine can be ${action === 'reset' ? 'reset' : 'suspended'}.`,
        vm.id,
        vm.powerState,
      );
    }
    if (next.to !== vm.powerState) await tx.vms.update(vm.id, { powerState: next.to });
  });
}
