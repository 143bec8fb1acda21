import type { TaskKind, Vm } from '../../domain/model.ts';
import { VM_OPERATION_KINDS } from '../../tasks/lifecycle.ts';
import type { Repos } from '../../store/store.ts';
import { errors } from '../../errors.ts';

/**
 * Admission checks shared by revert, restore and linked clone. Callers run them under
 * `tx.locks.acquire('admission')` in the transaction that stores the PENDING task.
 */

/** One recovery operation at a time per VM. */
export async function checkVmIdle(tx: Repos, vm: Vm): Promise<void> {
  const busy = await tx.tasks.activeForVm(vm.id, VM_OPERATION_KINDS);
  if (busy) {
    throw errors.notAllowed('vm.busy', `Another operation (${busy.operation}, task ${busy.id}) is in progress on virtual machine ${vm.id}.`, vm.id, busy.id);
  }
}

/** The service-wide cap on operations of one kind pending or running. */
export async function checkCap(tx: Repos, kind: TaskKind, max: number, noun: string): Promise<void> {
  const active = await tx.tasks.countActive([kind]);
  if (active >= max) {
    throw errors.notAllowed(`${kind}.too_many`, `${active} ${noun} operations are in progress, the maximum allowed (${max}); retry when one has finished.`, max);
  }
}
