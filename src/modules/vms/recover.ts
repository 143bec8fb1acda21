import type { Config } from '../../config/config.ts';
import { ACTIVE_TASK_STATUSES, MAX_NAME, type Cluster, type Vm, type VmSnapshot } from '../../domain/model.ts';
import type { Repos } from '../../store/store.ts';
import { admitTask } from '../../tasks/submit.ts';
import type { TaskType } from '../../tasks/task.ts';
import { errors, vapiError } from '../../errors.ts';
import type { Call } from '../../vapi/operation.ts';
import { checkVmIdleAndCap } from './admission.ts';
import { checkNameFree, planPlacement, type PlacementSpec } from './placement.ts';
import { LINKED_CLONE_TASK, RESTORE_TASK, type RecoverInput } from './recover-task.ts';

/**
 * Restore and linked clone: both make a NEW VM from a VM snapshot, placed in the snapshot's
 * cluster, left powered off, and report its id as the task result. The task's target is the
 * source VM (the `{vm}` of the request); the task counts against that VM's "one recovery
 * operation at a time" rule, so vCenter delete, relocate and power wait until it ends.
 */
export interface RecoverOperation {
  task: TaskType<RecoverInput>;
  /** The vAPI operation (without `$task`) and the REST `?action=`. */
  operation: 'restore' | 'linked_clone';
  action: 'restore' | 'linked-clone';
  /** What the messages call one operation. */
  noun: string;
  privileges: { cluster: readonly string[]; vm: readonly string[] };
  /** Needed on the placement folder. */
  folderPrivilege: string;
  cap: (config: Config) => number;
  /** Restore is for VMs gone from the cluster (deleted or moved away); a clone's source may be anywhere. */
  sourceMustBeGone: boolean;
}

export const RESTORE: RecoverOperation = {
  task: RESTORE_TASK,
  operation: 'restore',
  action: 'restore',
  noun: 'restore',
  privileges: { cluster: ['Host.Config.Storage'], vm: [] },
  folderPrivilege: 'VirtualMachine.Inventory.Create',
  cap: (c) => c.maxConcurrentRestores,
  sourceMustBeGone: true,
};

export const LINKED_CLONE: RecoverOperation = {
  task: LINKED_CLONE_TASK,
  operation: 'linked_clone',
  action: 'linked-clone',
  noun: 'linked clone',
  privileges: { cluster: ['Host.Config.Storage'], vm: ['VirtualMachine.Provisioning.Clone'] },
  folderPrivilege: 'VirtualMachine.Inventory.CreateFromExisting',
  cap: (c) => c.maxConcurrentClones,
  sourceMustBeGone: false,
};

export interface RecoverSpec {
  snapshot: string;
  name?: string;
  placement?: PlacementSpec;
}

/**
 * Admits a restore or linked clone. Body checks first (the snapshot, the name, the placement
 * objects), then the privileges on the effective folder and pool, then the placement's fit;
 * then, under the admission lock and in the transaction that stores the PENDING task: the
 * source's state, the per-VM rule, the cap, and the name in the target folder.
 */
export async function submitRecover(call: Call, op: RecoverOperation, cluster: Cluster, vm: Vm, spec: RecoverSpec): Promise<string> {
  const { store, config } = call.deps;
  const snapshot = await snapshotOf(store.repos, cluster, vm, spec.snapshot);
  const name = spec.name ?? snapshot.vmName;
  if (name.length === 0 || name.length > MAX_NAME) throw errors.invalidArgument('spec.name', `must be 1 to ${MAX_NAME} characters long`);
  const place = await planPlacement(store.repos, cluster, snapshot, spec.placement, { authz: call.authz, folderPrivilege: op.folderPrivilege });
  const input: RecoverInput = {
    snapshot: snapshot.id,
    snapshotName: snapshot.name,
    name,
    folderId: place.folderId,
    resourcePoolId: place.resourcePoolId,
    hostId: place.drsHost ? null : place.hostId,
  };
  return admitTask(call, op.task, async (tx) => {
    const now = (await tx.vms.get(vm.id)) ?? vm;
    if (op.sourceMustBeGone && now.clusterId === cluster.id) {
      throw errors.notAllowed(
        'vm.restore.in_cluster',
        `Virtual machine ${vm.id} is still in cluster ${cluster.id}; restore brings back virtual machines gone from the cluster (use revert or linked-clone).`,
        vm.id,
        cluster.id,
      );
    }
    await checkVmIdleAndCap(tx, now, op.task, op.cap(config), op.noun);
    await checkNameFree(tx, name, place.folderId);
    await checkNameUnreserved(tx, name, place.folderId);
    return { target: { type: 'VirtualMachine', id: vm.id }, clusterId: cluster.id, vmId: vm.id, input };
  });
}

/** The spec's snapshot must be one of this VM's, taken in this cluster. */
async function snapshotOf(repos: Repos, cluster: Cluster, vm: Vm, id: string): Promise<VmSnapshot> {
  const s = await repos.snapshots.get(id);
  if (!s || s.vmId !== vm.id || s.clusterId !== cluster.id) {
    throw errors.invalidArgument('spec.snapshot', `${id} is not a snapshot of virtual machine ${vm.id} in cluster ${cluster.id}`);
  }
  return s;
}

/** A name that a pending restore or clone will give its VM counts as taken too. */
async function checkNameUnreserved(tx: Repos, name: string, folderId: string): Promise<void> {
  const kinds = [RESTORE_TASK.kind, LINKED_CLONE_TASK.kind];
  const tasks = await tx.tasks.list({ statuses: [...ACTIVE_TASK_STATUSES], kinds }, 1000);
  const taken = tasks.find((t) => {
    const i = t.input as Partial<RecoverInput>;
    return i.name === name && i.folderId === folderId;
  });
  if (taken) {
    throw vapiError('ALREADY_EXISTS', 'vm.name.reserved', `Task ${taken.id} is already creating a virtual machine named '${name}' in folder ${folderId}.`, name, folderId, taken.id);
  }
}
