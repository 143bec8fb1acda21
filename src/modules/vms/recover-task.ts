import { writtenBlocks } from '../../engine/disks.ts';
import { createVm } from '../../engine/inventory.ts';
import type { TaskRun } from '../../tasks/runner.ts';
import { defineTask } from '../../tasks/task.ts';
import { errors } from '../../errors.ts';
import { paced } from './pacing.ts';
import { checkNameFree, planPlacement } from './placement.ts';

/** What a restore or linked-clone task keeps: the placement as admitted (a DRS-chosen host is chosen again at run time). */
export interface RecoverInput {
  snapshot: string;
  snapshotName: string;
  name: string;
  folderId: string;
  resourcePoolId: string;
  hostId: string | null;
}

export const RESTORE_TASK = defineTask<RecoverInput>({
  kind: 'vm.restore',
  description: { id: 'vm.restore', text: 'Restore virtual machine' },
  run: (run, input) => recoverExecutor(run, input, true),
});

export const LINKED_CLONE_TASK = defineTask<RecoverInput>({
  kind: 'vm.linked_clone',
  description: { id: 'vm.linked_clone', text: 'Create linked clone of virtual machine' },
  run: (run, input) => recoverExecutor(run, input, false),
});

/**
 * RUNNING for the modelled duration (a restore: taskDelayMs + taskMsPerBlock per block of the
 * snapshot's content; a linked clone copies nothing, so taskDelayMs alone), then ONE
 * transaction: re-check the snapshot, placement and name, make the new VM powered off with
 * the snapshot's CPU, memory and guest OS, its disks copy-on-write children of the snapshot's
 * layers (O(disks), whatever their size), and end the task with the new VM's id. A crash
 * before that transaction leaves nothing behind; the recovered task runs again.
 */
async function recoverExecutor(run: TaskRun, input: RecoverInput, restore: boolean): Promise<void> {
  const { store, config, clock } = run.deps;
  const clusterId = run.task.clusterId as string;

  const disks = await store.repos.snapshots.disks(input.snapshot);
  const blocks = restore ? await writtenBlocks(store.repos, disks.map((d) => d.layerId)) : 0;
  // A recovered task keeps its progress: completed never goes back.
  if (run.task.progressTotal === 0) {
    await run.begin(restore ? blocks : disks.length, restore
      ? { id: 'com.vmware.snapservice.vm.restore.progress', defaultMessage: `Restoring ${blocks} blocks from snapshot ${input.snapshotName}`, args: [String(blocks), input.snapshotName] }
      : { id: 'com.vmware.snapservice.vm.linked_clone.progress', defaultMessage: `Cloning ${disks.length} disks from snapshot ${input.snapshotName}`, args: [String(disks.length), input.snapshotName] });
  }
  await paced(run, config.taskDelayMs + config.taskMsPerBlock * blocks);

  await store.transaction(async (tx) => {
    const snapshot = await tx.snapshots.get(input.snapshot);
    const cluster = await tx.inventory.getCluster(clusterId);
    if (!cluster) throw errors.notFound('cluster', clusterId);
    if (!snapshot) {
      throw errors.notAllowed(`${run.task.kind}.snapshot_gone`, `Snapshot ${input.snapshot} was deleted before the ${restore ? 'restore' : 'linked clone'} could run.`, input.snapshot);
    }
    const place = await planPlacement(tx, cluster, snapshot, { folder: input.folderId, resource_pool: input.resourcePoolId, host: input.hostId ?? undefined });
    await checkNameFree(tx, input.name, place.folderId);
    const vm = await createVm(tx, {
      name: input.name,
      clusterId: cluster.id,
      hostId: place.hostId,
      folderId: place.folderId,
      resourcePoolId: place.resourcePoolId,
      powerState: 'POWERED_OFF',
      cpuCount: snapshot.cpuCount,
      coresPerSocket: snapshot.coresPerSocket,
      memoryMib: snapshot.memoryMib,
      guestOs: snapshot.guestOs,
      disks: (await tx.snapshots.disks(snapshot.id)).map((d) => ({
        diskKey: d.diskKey, label: d.label, capacityBytes: d.capacityBytes, blockSize: d.blockSize, baseLayerId: d.layerId,
      })),
    }, clock.now());
    await run.succeed(tx, vm.id);
  });
}
