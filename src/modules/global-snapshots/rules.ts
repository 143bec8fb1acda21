import { LABEL_LIMITS, labelTextProblem, sameLabel, type SnapshotLabel } from '../../domain/labels.ts';
import { ACTIVE_TASK_STATUSES, type TaskKind, type TimeUnit, type VmSnapshot } from '../../domain/model.ts';
import { addUnits } from '../../domain/time.ts';
import type { Repos } from '../../store/store.ts';
import { errors, vapiError } from '../../errors.ts';
import { VM_TASK_KINDS } from '../vms/admission.ts';

/**
 * What may change on one VM snapshot, checked at admission and again by the task (state may
 * have changed in between).
 */

/** The task target type: the vendor's resource type of a VM snapshot id. */
export const SNAPSHOT_TARGET = 'com.vmware.snapservice.vm.snapshot';

/** The snapshot as it is now; one deleted since admission is NOT_FOUND. */
export async function currentSnapshot(tx: Repos, id: string): Promise<VmSnapshot> {
  const s = await tx.snapshots.get(id);
  if (!s) throw errors.notFound('snapshot', id);
  return s;
}

/**
 * Deleting or re-timing a snapshot is the group's business while the group that took it
 * exists: a locked group's snapshots are kept until they expire (the vendor's "cannot be
 * deleted independently", UNSUPPORTED), and a group marked for deletion refuses every change.
 */
export async function checkRetentionChange(tx: Repos, s: VmSnapshot, change: 'deleted' | 'updated'): Promise<void> {
  if (s.pgId === null) return;
  const pg = await tx.groups.get(s.pgId);
  if (!pg) return;
  if (pg.locked) {
    throw vapiError('UNSUPPORTED', 'vm_snapshot.group_locked', `Snapshot ${s.id} was taken by locked protection group ${pg.id}: it cannot be ${change} independently.`, s.id, pg.id);
  }
  if (pg.status === 'MARKED_FOR_DELETE') {
    throw errors.notAllowed('pg.marked_for_delete', `Protection group ${pg.id}, which took snapshot ${s.id}, is marked for deletion.`, pg.id, s.id);
  }
}

/** A revert, restore or linked clone pending or running from the snapshot needs it. */
export async function checkNotInUse(tx: Repos, s: VmSnapshot): Promise<void> {
  // Those operations are capped (4 each by default), so the active ones are few.
  const active = await tx.tasks.list({ kinds: VM_TASK_KINDS, statuses: [...ACTIVE_TASK_STATUSES] }, 1000);
  const user = active.find((t) => (t.input as { snapshot?: string } | null)?.snapshot === s.id);
  if (user) {
    throw errors.notAllowed('vm_snapshot.in_use', `Snapshot ${s.id} is in use by ${user.operation} task ${user.id}; retry when it has finished.`, s.id, user.id);
  }
}

/** Nothing more is admitted for a snapshot whose deletion is pending or running. */
export async function checkNotBeingDeleted(tx: Repos, s: VmSnapshot, deleteKind: TaskKind): Promise<void> {
  const del = await tx.tasks.activeForTarget(s.id, [deleteKind]);
  if (del) throw errors.notAllowed('vm_snapshot.being_deleted', `Snapshot ${s.id} is being deleted (task ${del.id}).`, s.id, del.id);
}

/** Latest expiry any date field can carry (RFC 3339 years have four digits). */
const LAST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The expiry `delete_after` sets, counted from `now`. */
export function expiryAfter(now: number, period: { unit: TimeUnit; duration: number }): number {
  if (period.duration < 1) throw errors.invalidArgument('spec.delete_after.duration', 'must be at least 1');
  const at = addUnits(now, period.unit, period.duration);
  if (!Number.isFinite(at) || at > LAST_INSTANT) throw errors.invalidArgument('spec.delete_after.duration', 'puts the expiry past the year 9999');
  return at;
}

export function checkText(field: string, value: string): void {
  const why = labelTextProblem(value);
  if (why) throw errors.invalidArgument(field, why);
}

export function checkLabelText(field: string, label: SnapshotLabel): void {
  checkText(`${field}.category`, label.category);
  checkText(`${field}.name`, label.name);
}

/** The per-snapshot limit, for the labels the snapshot would have. */
export function checkLabelCount(field: string, s: VmSnapshot, count: number): void {
  if (count > LABEL_LIMITS.perSnapshot) {
    throw errors.invalidArgument(field, `snapshot ${s.id} would have ${count} labels, more than the limit of ${LABEL_LIMITS.perSnapshot} per snapshot`);
  }
}

/** The snapshot's labels once `category` holds exactly `names`. */
export function withCategory(labels: SnapshotLabel[], category: string, names: string[]): SnapshotLabel[] {
  return [...labels.filter((l) => l.category !== category), ...[...new Set(names)].map((name) => ({ category, name }))];
}

export function hasLabel(labels: SnapshotLabel[], label: SnapshotLabel): boolean {
  return labels.some((l) => sameLabel(l, label));
}
