import type { Config } from '../../config/config.ts';
import { MAX_NAME, type Cluster, type Vm, type VmSnapshot } from '../../domain/model.ts';
import type { Repos } from '../../store/store.ts';
import { submitTask } from '../../tasks/submit.ts';
import { errors, vapiError } from '../../errors.ts';
import type { Call } from '../../vapi/operation.ts';
import { checkCap, checkVmIdle } from './admission.ts';
import { planPlacement, type PlacementSpec } from './placement.ts';

/**
 * Restore and linked clone: both make a NEW VM from a VM snapshot, placed in the snapshot's
 * cluster, left powered off, and report its id as the task result. The task's target is the
 * source VM (the `{vm}` of the request); the task counts against that VM's "one recovery
 * operation at a time" rule, so vCenter delete, relocate and power wait until it ends.
 */
export interface RecoverOperation {
  kind: 'vm.restore' | 'vm.linked_clone';
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
  kind: 'vm.restore',
  operation: 'restore',
  action: 'restore',
  noun: 'restore',
  privileges: { cluster: ['Host.Config.Storage'], vm: [] },
  folderPrivilege: 'VirtualMachine.Inventory.Create',
  cap: (c) => c.maxConcurrentRestores,
  sourceMustBeGone: true,
};

export const LINKED_CLONE: RecoverOperation = {
  kind: 'vm.linked_clone',
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

/** What the task keeps: the placement as admitted (a DRS-chosen host is chosen again at run time). */
export interface RecoverInput {
  snapshot: string;
  snapshotName: string;
  name: string;
  folderId: string;
  resourcePoolId: string;
  hostId: string | null;
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
  const id = await store.transaction(async (tx) => {
    await tx.locks.acquire('admission');
    const now = (await tx.vms.get(vm.id)) ?? vm;
    if (op.sourceMustBeGone && now.clusterId === cluster.id) {
      throw errors.notAllowed(
        'vm.restore.in_cluster',
        `Virtual machine ${vm.id} is still in cluster ${cluster.id}; restore brings back virtual machines gone from the cluster (use revert or linked-clone).`,
        vm.id,
        cluster.id,
      );
    }
    await checkVmIdle(tx, now);
    await checkCap(tx, op.kind, op.cap(config), op.noun);
    await checkNameFree(tx, name, place.folderId, true);
    return submitTask(tx, call, { kind: op.kind, target: { type: 'VirtualMachine', id: vm.id }, clusterId: cluster.id, vmId: vm.id, input });
  });
  call.deps.tasks.notify();
  return id;
}

/** The spec's snapshot must be one of this VM's, taken in this cluster. */
async function snapshotOf(repos: Repos, cluster: Cluster, vm: Vm, id: string): Promise<VmSnapshot> {
  const s = await repos.snapshots.get(id);
  if (!s || s.vmId !== vm.id || s.clusterId !== cluster.id) {
    throw errors.invalidArgument('spec.snapshot', `${id} is not a snapshot of virtual machine ${vm.id} in cluster ${cluster.id}`);
  }
  return s;
}

const ACTIVE = ['PENDING', 'RUNNING', 'BLOCKED'] as const;

/**
 * VM names are unique within a folder. At admission a name that a pending restore or clone
 * will take counts as taken too; the task re-checks live VMs when it makes the VM.
 */
export async function checkNameFree(tx: Repos, name: string, folderId: string, includeAdmitted: boolean): Promise<void> {
  const clash = (await tx.vms.list({ names: [name] })).find((v) => v.folderId === folderId);
  if (clash) {
    throw vapiError('ALREADY_EXISTS', 'vm.name.exists', `A virtual machine named '${name}' already exists in folder ${folderId} (${clash.id}).`, name, folderId);
  }
  if (!includeAdmitted) return;
  const tasks = await tx.tasks.list({ statuses: [...ACTIVE], operations: ['restore', 'linked_clone'] }, 1000);
  const taken = tasks.find((t) => {
    const i = t.input as Partial<RecoverInput>;
    return (t.kind === 'vm.restore' || t.kind === 'vm.linked_clone') && i.name === name && i.folderId === folderId;
  });
  if (taken) {
    throw vapiError('ALREADY_EXISTS', 'vm.name.reserved', `Task ${taken.id} is already creating a virtual machine named '${name}' in folder ${folderId}.`, name, folderId, taken.id);
  }
}
