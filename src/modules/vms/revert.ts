import type { Cluster, Vm } from '../../domain/model.ts';
import { admitTask } from '../../tasks/submit.ts';
import { errors } from '../../errors.ts';
import type { Call } from '../../vapi/operation.ts';
import { decideVmIdleAndCap, VM_TASK_KINDS } from './admission.ts';
import { REVERT_TASK } from './revert-task.ts';

export const REVERT_PRIVILEGES = {
  cluster: ['Host.Config.Storage'],
  vm: ['VirtualMachine.State.RevertToSnapshot', 'VirtualMachine.Interact.PowerOff'],
} as const;

/**
 * Admits a revert: the spec's snapshot must be one of this VM's; then, under the admission
 * lock, the VM must still be in this cluster, idle, and the service below its revert cap.
 * The PENDING task is stored in the same transaction, so no two processes can both admit
 * past the cap. The snapshot is read in that transaction too: on SQLite a read of its own
 * is a read transaction of its own (WAL read lock taken and dropped).
 */
export async function submitRevert(call: Call, cluster: Cluster, vm: Vm, snapshotId: string): Promise<string> {
  const { config } = call.deps;
  return admitTask(call, REVERT_TASK, async (tx) => {
    const now = await tx.vms.get(vm.id);
    // The snapshot is read with the busy task and the cap's count: one statement for the three.
    const state = await tx.tasks.admissionState(vm.id, VM_TASK_KINDS, [REVERT_TASK.kind], snapshotId);
    const snapshot = state.snapshot;
    if (!snapshot || snapshot.vmId !== vm.id) {
      throw errors.invalidArgument('spec.snapshot', `${snapshotId} is not a snapshot of virtual machine ${vm.id}`);
    }
    checkVmPlace(now ?? vm, cluster);
    decideVmIdleAndCap(now ?? vm, state, REVERT_TASK, config.maxConcurrentReverts, 'revert');
    return {
      target: { type: 'VirtualMachine', id: vm.id },
      clusterId: cluster.id,
      vmId: vm.id,
      vm: now,
      input: { snapshot: snapshotId, snapshotName: snapshot.name, powerState: (now ?? vm).powerState },
    };
  });
}

/** The VM must not be deleted nor have moved out of the cluster. */
function checkVmPlace(vm: Vm, cluster: Cluster): void {
  if (vm.deletedAt !== null) {
    throw errors.notAllowed('vm.deleted', `Virtual machine ${vm.id} was deleted; its snapshots remain: use restore.`, vm.id);
  }
  if (vm.clusterId !== cluster.id) {
    throw errors.notAllowed('vm.moved', `Virtual machine ${vm.id} has moved to another cluster.`, vm.id, cluster.id);
  }
}
