import type { PgSnapshot, ProtectionGroup, SnapshotPolicy, SnapshotType, Vm } from '../domain/model.ts';
import { newId } from '../domain/ids.ts';
import { groupMembers, type VmTags } from '../domain/membership.ts';
import { expiryOf } from '../domain/schedule.ts';
import type { Repos } from '../store/store.ts';
import type { SnapshotAttempt } from '../domain/history.ts';
import { errors, VapiError } from '../errors.ts';
import { attempt, reasonOf, recordAttempt } from './history.ts';
import { deleteSnapshot } from './disks.ts';
import { takeVmSnapshot, vmSuccess } from './snapshots.ts';

/** Protection-group state changes shared by tasks, the scheduler and seeds. */

/**
 * The tags on these VMs, read only when one of the groups has tag rules, so that groups
 * without them cost no query.
 */
export async function vmTags(tx: Repos, groups: readonly Pick<ProtectionGroup, 'targetEntities'>[], vms: readonly Pick<Vm, 'id'>[]): Promise<VmTags> {
  const out = new Map<string, Set<string>>();
  if (vms.length === 0 || !groups.some((g) => (g.targetEntities.tagRules ?? []).length > 0)) return out;
  for (const a of await tx.tags.ofObjects('VirtualMachine', vms.map((v) => v.id))) {
    let set = out.get(a.objectId);
    if (!set) out.set(a.objectId, (set = new Set()));
    set.add(a.tagId);
  }
  return out;
}

export async function currentMembers(tx: Repos, pg: ProtectionGroup): Promise<{ ids: string[]; vms: Vm[] }> {
  const present = await tx.vms.list({ clusterIds: [pg.clusterId] });
  const ids = groupMembers(pg, present, await vmTags(tx, [pg], present));
  const byId = new Map(present.map((v) => [v.id, v]));
  return { ids, vms: ids.map((id) => byId.get(id)).filter((v): v is Vm => v !== undefined) };
}

export interface GroupSnapshotRequest {
  name: string;
  type: SnapshotType;
  now: number;
  expiresAt: number | null;
  policy?: string;
  /**
   * Injected failures (the simulation plane's fault rules): `error` fails the whole
   * snapshot before anything is taken; `member` fails the VMs it names, which then count as
   * failed like any member that could not be snapshotted.
   */
  faults?: { error?: VapiError; member?: (vmId: string) => VapiError | undefined };
}

export interface GroupSnapshotResult {
  snapshot: PgSnapshot;
  total: number;
  successful: number;
  failed: number;
}

/**
 * One point-in-time snapshot of every member VM. A member that cannot be snapshotted (gone
 * from the cluster since membership was evaluated, at its snapshot limit) counts as failed;
 * the others still get theirs. The attempt and each member's outcome enter history in the
 * same transaction.
 */
export async function takeGroupSnapshot(tx: Repos, pg: ProtectionGroup, req: GroupSnapshotRequest, maxPerVm: number): Promise<GroupSnapshotResult> {
  if (req.faults?.error) throw req.faults.error;
  const { ids, vms } = await currentMembers(tx, pg);
  const snapshot: PgSnapshot = {
    id: newId(), pgId: pg.id, clusterId: pg.clusterId, name: req.name, type: req.type,
    startTime: req.now, endTime: req.now, expiresAt: req.expiresAt, policy: req.policy ?? null,
  };
  await tx.groupSnapshots.insert(snapshot);
  const vmAttempts: SnapshotAttempt[] = [];
  const failed = (vmId: string, vmName: string, err: unknown) => vmAttempts.push(attempt({
    kind: 'VM', clusterId: pg.clusterId, pgId: pg.id, pgName: pg.name, pgSnapshotId: snapshot.id, vmId, vmName,
    name: req.name, type: req.type, status: 'ERROR', startedAt: req.now, reasons: [reasonOf(err)],
  }));
  for (const vm of vms) {
    try {
      const injected = req.faults?.member?.(vm.id);
      if (injected) throw injected;
      const made = await takeVmSnapshot(tx, vm, {
        name: req.name, type: req.type, createdAt: req.now, expiresAt: req.expiresAt, pgId: pg.id, pgSnapshotId: snapshot.id,
      }, maxPerVm);
      vmAttempts.push(vmSuccess(made.snapshot, pg.name));
    } catch (err) {
      if (!(err instanceof VapiError)) throw err;
      failed(vm.id, vm.name, err);
    }
  }
  const present = new Set(vms.map((v) => v.id));
  const gone = ids.filter((id) => !present.has(id));
  if (gone.length > 0) {
    const known = new Map((await tx.vms.list({ ids: gone, includeDeleted: true })).map((v) => [v.id, v.name]));
    for (const id of gone) {
      failed(id, known.get(id) ?? id, errors.notAllowed(
        'pg.snapshot.vm_gone', `Virtual machine ${id} is no longer in cluster ${pg.clusterId}: it was not snapshotted.`, id, pg.clusterId,
      ));
    }
  }
  const successful = vmAttempts.filter((a) => a.status === 'SUCCESS').length;
  const failures = vmAttempts.filter((a) => a.status === 'ERROR');
  await recordAttempt(tx, [attempt({
    kind: 'PG', clusterId: pg.clusterId, pgId: pg.id, pgName: pg.name, pgSnapshotId: snapshot.id, snapshotId: snapshot.id,
    name: req.name, type: req.type, startedAt: req.now, expiresAt: req.expiresAt,
    status: failures.length === 0 ? 'SUCCESS' : successful === 0 ? 'ERROR' : 'WARNING',
    reasons: failures.flatMap((a) => a.reasons),
  }), ...vmAttempts]);
  return { snapshot, total: ids.length, successful, failed: ids.length - successful };
}

/**
 * A group snapshot that failed as a whole (its transaction rolled back): history gets one
 * ERROR attempt, with no snapshot, written on its own.
 */
export async function recordGroupFailure(tx: Repos, pg: ProtectionGroup, req: GroupSnapshotRequest, err: unknown): Promise<void> {
  await recordAttempt(tx, attempt({
    kind: 'PG', clusterId: pg.clusterId, pgId: pg.id, pgName: pg.name, name: req.name, type: req.type,
    status: 'ERROR', startedAt: req.now, reasons: [reasonOf(err)],
  }));
}

/** Deletes a PG snapshot and the VM snapshots it made. */
export async function deleteGroupSnapshot(tx: Repos, s: PgSnapshot): Promise<void> {
  for (const v of await tx.snapshots.list({ pgSnapshotId: s.id })) await deleteSnapshot(tx, v.id);
  await tx.groupSnapshots.delete(s.id);
}

/**
 * A PG snapshot's expiry: its VM snapshots go with it, except those whose own expiry was
 * moved past it (update of a single VM snapshot), which stay, no longer in a group snapshot.
 */
export async function expireGroupSnapshot(tx: Repos, s: PgSnapshot, now: number): Promise<void> {
  for (const v of await tx.snapshots.list({ pgSnapshotId: s.id })) {
    if (v.expiresAt !== null && v.expiresAt <= now) await deleteSnapshot(tx, v.id);
    else await tx.snapshots.update(v.id, { pgSnapshotId: null });
  }
  await tx.groupSnapshots.delete(s.id);
}

/** Removes a group with all its snapshots now (force delete). */
export async function purgeGroup(tx: Repos, pg: ProtectionGroup): Promise<void> {
  for (const s of await tx.groupSnapshots.list(pg.id)) await deleteGroupSnapshot(tx, s);
  await tx.groups.delete(pg.id);
}

/** Scheduled snapshot names: `<group>-<policy>-<UTC time>`, e.g. web-hourly-20261127T090000Z. */
export function scheduledName(pg: ProtectionGroup, policy: SnapshotPolicy, at: number): string {
  const stamp = new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `${pg.name}-${policy.name}-${stamp}`;
}

export function scheduledExpiry(policy: SnapshotPolicy, at: number): number | null {
  return expiryOf(at, policy.retention);
}
