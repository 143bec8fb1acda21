import type { Task, Vm } from '../../domain/model.ts';
import type { AdmissionState, Repos } from '../../store/store.ts';
import type { TaskType } from '../../tasks/task.ts';
import { errors } from '../../errors.ts';
import { LINKED_CLONE_TASK, RESTORE_TASK } from './recover-task.ts';
import { REVERT_TASK } from './revert-task.ts';

/**
 * Admission checks shared by revert, restore and linked clone. Callers run them inside
 * `admitTask` (under the admission lock, in the transaction that stores the PENDING task).
 */

/** Tasks that count against the per-VM "one recovery operation at a time" rule. */
export const VM_TASK_KINDS = [REVERT_TASK.kind, RESTORE_TASK.kind, LINKED_CLONE_TASK.kind];

/** One recovery operation at a time per VM. */
export async function checkVmIdle(tx: Repos, vm: Vm): Promise<void> {
  refuseBusy(vm, await tx.tasks.activeForVm(vm.id, VM_TASK_KINDS));
}

/** The service-wide cap on tasks of one type pending or running. */
export async function checkCap(tx: Repos, type: Pick<TaskType, 'kind'>, max: number, noun: string): Promise<void> {
  refuseOverCap(type, await tx.tasks.countActive([type.kind]), max, noun);
}

/** checkVmIdle then checkCap, decided alike, from one statement. */
export async function checkVmIdleAndCap(tx: Repos, vm: Vm, type: Pick<TaskType, 'kind'>, max: number, noun: string): Promise<void> {
  decideVmIdleAndCap(vm, await tx.tasks.admissionState(vm.id, VM_TASK_KINDS, [type.kind]), type, max, noun);
}

/** checkVmIdleAndCap's decision, on a state the caller read (with more in the same statement). */
export function decideVmIdleAndCap(vm: Vm, state: Pick<AdmissionState, 'busy' | 'active'>, type: Pick<TaskType, 'kind'>, max: number, noun: string): void {
  refuseBusy(vm, state.busy);
  refuseOverCap(type, state.active, max, noun);
}

function refuseBusy(vm: Vm, busy: Pick<Task, 'id' | 'operation'> | undefined): void {
  if (busy) {
    throw errors.notAllowed('vm.busy', `Another operation (${busy.operation}, task ${busy.id}) is in progress on virtual machine ${vm.id}.`, vm.id, busy.id);
  }
}

function refuseOverCap(type: Pick<TaskType, 'kind'>, active: number, max: number, noun: string): void {
  if (active >= max) {
    throw errors.notAllowed(`${type.kind}.too_many`, `${active} ${noun} operations are in progress, the maximum allowed (${max}); retry when one has finished.`, max);
  }
}
