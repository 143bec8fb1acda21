import type { SnapshotLabel } from '../../domain/labels.ts';
import type { TimeUnit } from '../../domain/model.ts';
import { deleteSnapshot } from '../../engine/disks.ts';
import { errors } from '../../errors.ts';
import type { Repos } from '../../store/store.ts';
import type { TaskRun } from '../../tasks/runner.ts';
import { runThenApply } from '../../tasks/simple.ts';
import { defineTask } from '../../tasks/task.ts';
import {
  checkLabelCount, checkNotInUse, checkRetentionChange, currentSnapshot, expiryAfter, hasLabel, withCategory,
} from './rules.ts';

/** The tasks of single VM snapshots (9.1); each re-checks what admission checked. */

const target = (run: TaskRun) => run.task.targetId as string;

async function labelsOf(tx: Repos, id: string): Promise<SnapshotLabel[]> {
  return (await tx.labels.of([id])).get(id) ?? [];
}

/** Frees the copy-on-write layers only this snapshot kept, as a group snapshot delete does. */
export const DELETE_SNAPSHOT = defineTask<Record<string, never>>({
  kind: 'vm_snapshot.delete',
  description: { id: 'vm_snapshot.delete', text: 'Delete virtual machine snapshot' },
  run: (run) =>
    runThenApply(run, async (tx) => {
      // Under the lock revert, restore and clone are admitted under: none can start from it meanwhile.
      await tx.locks.acquire('admission');
      const s = await currentSnapshot(tx, target(run));
      await checkRetentionChange(tx, s, 'deleted');
      await checkNotInUse(tx, s);
      await deleteSnapshot(tx, s.id);
      return undefined;
    }),
});

/** The new expiry counts from when the task makes the change. */
export const UPDATE_SNAPSHOT = defineTask<{ deleteAfter: { unit: TimeUnit; duration: number } }>({
  kind: 'vm_snapshot.update',
  description: { id: 'vm_snapshot.update', text: 'Update virtual machine snapshot' },
  run: (run, input) =>
    runThenApply(run, async (tx) => {
      const s = await currentSnapshot(tx, target(run));
      await checkRetentionChange(tx, s, 'updated');
      await tx.snapshots.update(s.id, { expiresAt: expiryAfter(run.deps.clock.now(), input.deleteAfter) });
      return undefined;
    }),
});

/** Adding a label the snapshot already has changes nothing. */
export const ADD_LABEL = defineTask<{ label: SnapshotLabel }>({
  kind: 'vm_snapshot.add_label',
  description: { id: 'vm_snapshot.add_label', text: 'Add virtual machine snapshot label' },
  run: (run, { label }) =>
    runThenApply(run, async (tx) => {
      const s = await currentSnapshot(tx, target(run));
      const labels = await labelsOf(tx, s.id);
      if (hasLabel(labels, label)) return undefined;
      checkLabelCount('spec.label', s, labels.length + 1);
      await tx.labels.add(s.id, label);
      return undefined;
    }),
});

export const DELETE_LABEL = defineTask<{ label: SnapshotLabel }>({
  kind: 'vm_snapshot.delete_label',
  description: { id: 'vm_snapshot.delete_label', text: 'Delete virtual machine snapshot label' },
  run: (run, { label }) =>
    runThenApply(run, async (tx) => {
      const s = await currentSnapshot(tx, target(run));
      if (!(await tx.labels.remove(s.id, label))) throw noSuchLabel(s.id, label);
      return undefined;
    }),
});

export const SET_LABELS = defineTask<{ category: string; names: string[] }>({
  kind: 'vm_snapshot.set_labels',
  description: { id: 'vm_snapshot.set_labels', text: 'Set virtual machine snapshot labels' },
  run: (run, { category, names }) =>
    runThenApply(run, async (tx) => {
      const s = await currentSnapshot(tx, target(run));
      checkLabelCount('spec.names', s, withCategory(await labelsOf(tx, s.id), category, names).length);
      await tx.labels.setCategory(s.id, category, names);
      return undefined;
    }),
});

export function noSuchLabel(id: string, label: SnapshotLabel) {
  return errors.invalidArgument('spec.label', `snapshot ${id} has no label '${label.name}' in category '${label.category}'`);
}
