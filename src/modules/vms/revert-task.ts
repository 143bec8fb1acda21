import type { Config } from '../../config/config.ts';
import type { Disk, DiskSnapshot, Message, PowerState, Vm } from '../../domain/model.ts';
import { VapiError } from '../../errors.ts';
import type { Repos } from '../../store/store.ts';
import { changedBlocks, snapshotAndRevertDisks } from '../../engine/disks.ts';
import { takeVmSnapshot } from '../../engine/snapshots.ts';
import type { TaskRun } from '../../tasks/runner.ts';
import { defineTask } from '../../tasks/task.ts';
import { errors } from '../../errors.ts';
import { paced } from './pacing.ts';

export interface RevertInput {
  snapshot: string;
  snapshotName: string;
  /** The VM's power state when the revert was admitted (absent in tasks stored before it was kept). */
  powerState?: PowerState;
}

export const REVERT_TASK = defineTask<RevertInput>({
  kind: 'vm.revert',
  description: { id: 'vm.revert', text: 'Revert virtual machine' },
  run: revertExecutor,
  within: instant,
});

/** No modelled duration: nothing to wait for, the whole revert is one transaction. */
function instant(config: Config): boolean {
  return config.taskDelayMs === 0 && config.taskMsPerBlock === 0;
}

const STEP_POWERED_OFF = 1;

/**
 * RUNNING: power the VM off (memory state is lost), wait out the modelled duration while
 * reporting progress, then in ONE transaction take the system snapshot of the current disks,
 * point every disk at the snapshot's content, regenerate sequence UUIDs and finish the task.
 * A crash before that transaction leaves the disks wholly old; the recovered task resumes.
 *
 * With no modelled duration there is nothing to wait for, and every step runs in that one
 * transaction: no reader could have seen the VM powered off before the end anyway, and one
 * commit instead of three is most of what a revert costs.
 */
async function revertExecutor(run: TaskRun, input: RevertInput): Promise<void> {
  const { store, config } = run.deps;
  const vmId = run.task.vmId as string;
  const clusterId = run.task.clusterId as string;

  // In the admission's transaction when given it; else batched: reverts ending together share
  // one commit, which costs more than all the rest.
  if (instant(config) && run.task.step < STEP_POWERED_OFF) {
    const inOne = async (tx: Repos): Promise<void> => {
      // Within its admission, the VM the admission checked in this transaction is the VM now.
      const vm = run.admittedVm ?? await liveVm(tx.vms.get(vmId), vmId, clusterId);
      const target = await tx.snapshots.disks(input.snapshot);
      const current = await tx.disks.listForVm(vmId);
      const changed = await changedBlocks(tx, vmId, target, current);
      await run.begin(changed, progressMessage(changed, input), tx);
      await finish(run, tx, vm, input, target, current);
    };
    await (run.within ? inOne(run.within) : store.batched(inOne));
    return;
  }

  const target = await store.repos.snapshots.disks(input.snapshot);
  const changed = await changedBlocks(store.repos, vmId, target);
  await run.begin(changed, progressMessage(changed, input));

  if (run.task.step < STEP_POWERED_OFF) {
    await store.transaction(async (tx) => {
      const vm = await liveVm(tx.vms.get(vmId), vmId, clusterId);
      if (vm.powerState !== 'POWERED_OFF') await tx.vms.update(vmId, { powerState: 'POWERED_OFF' });
      await run.checkpoint(STEP_POWERED_OFF, tx);
    });
  }

  try {
    await paced(run, config.taskDelayMs + config.taskMsPerBlock * changed);
    await store.batched(async (tx) => finish(run, tx, await liveVm(tx.vms.get(vmId), vmId, clusterId), input));
  } catch (err) {
    if (err instanceof VapiError) await powerBack(run, input, vmId);
    throw err;
  }
}

/**
 * A revert that fails after powering the VM off leaves it wholly as it was: the disks were
 * never touched (they change only in the final transaction), and the power state goes back.
 * (Without a modelled duration everything is one transaction, and a failure rolls it all back.)
 */
async function powerBack(run: TaskRun, input: RevertInput, vmId: string): Promise<void> {
  const wanted = input.powerState;
  if (wanted === undefined || wanted === 'POWERED_OFF') return;
  await run.deps.store.transaction(async (tx) => {
    const vm = await tx.vms.get(vmId);
    if (vm && vm.deletedAt === null && vm.powerState === 'POWERED_OFF') await tx.vms.update(vmId, { powerState: wanted });
  });
}

function progressMessage(changed: number, input: RevertInput): Message {
  return {
    id: 'com.vmware.snapservice.vm.revert.progress',
    defaultMessage: `Reverting ${changed} changed blocks to snapshot ${input.snapshotName}`,
    args: [String(changed), input.snapshotName],
  };
}

/**
 * The revert itself, in the caller's transaction: system snapshot, disks reverted, task ended.
 * `read`: the snapshot's disks and the VM's, when the caller has read them in `tx`.
 */
async function finish(run: TaskRun, tx: Repos, vm: Vm, input: RevertInput, read?: DiskSnapshot[], current?: Disk[]): Promise<void> {
  const { config, clock } = run.deps;
  const disks = read ?? (await tx.snapshots.disks(input.snapshot));
  // A snapshot's disks are deleted with it (same transaction): read here, they prove it is there.
  if (disks.length === 0 && !(await tx.snapshots.get(input.snapshot))) {
    throw errors.notAllowed('vm.revert.snapshot_gone', `Snapshot ${input.snapshot} was deleted before the revert could run.`, input.snapshot);
  }
  const now = clock.now();
  // The system snapshot of an admitted revert is never refused for the per-VM limit:
  // losing the pre-revert state would be worse than one snapshot over the limit.
  await takeVmSnapshot(tx, vm, {
    name: `system snapshot before revert to ${input.snapshotName}`,
    type: 'SYSTEM_CREATED',
    createdAt: now,
    expiresAt: now + config.systemSnapshotRetentionMs,
  }, Infinity, (t, v, id, clusterId) => snapshotAndRevertDisks(t, v, id, clusterId, disks, current));
  if (vm.powerState !== 'POWERED_OFF') await tx.vms.update(vm.id, { powerState: 'POWERED_OFF' });
  await run.succeed(tx);
}

async function liveVm(p: Promise<Vm | undefined>, vmId: string, clusterId: string): Promise<Vm> {
  const vm = await p;
  if (!vm || vm.deletedAt !== null) throw errors.notAllowed('vm.deleted', `Virtual machine ${vmId} was deleted during the revert.`, vmId);
  if (vm.clusterId !== clusterId) throw errors.notAllowed('vm.moved', `Virtual machine ${vmId} moved to another cluster during the revert.`, vmId);
  return vm;
}
