import type { PgSnapshot, ProtectionGroup, SnapshotPolicy, SnapshotType, Vm } from '../domain/model.ts';
import { newId } from '../domain/ids.ts';
import { groupMembers } from '../domain/membership.ts';
import { expiryOf } from '../domain/schedule.ts';
import type { Repos } from '../store/store.ts';
import { VapiError } from '../errors.ts';
import { deleteSnapshot } from './disks.ts';
import { takeVmSnapshot } from './snapshots.ts';

/** Protection-group state changes shared by tasks, the scheduler and seeds. */

export async function currentMembers(tx: Repos, pg: ProtectionGroup): Promise<{ ids: string[]; vms: Vm[] }> {
  const present = await tx.vms.list({ clusterIds: [pg.clusterId] });
  const ids = groupMembers(pg, present);
  const byId = new Map(present.map((v) => [v.id, v]));
  return { ids, vms: ids.map((id) => byId.get(id)).filter((v): v is Vm => v !== undefined) };
}

export interface GroupSnapshotRequest {
  name: string;
  type: SnapshotType;
  now: number;
  expiresAt: number | null;
  policy?: string;
}

export interface GroupSnapshotResult {
  snapshot: PgSnapshot;
  total: number;
  successful: number;
  failed: number;
}

/**
 * One point-in-time snapshot of every member VM. A member that cannot be snapshotted (gone
 * from the cluster, at its snapshot limit) counts as failed; the others still get theirs.
 */
export async function takeGroupSnapshot(tx: Repos, pg: ProtectionGroup, req: GroupSnapshotRequest, maxPerVm: number): Promise<GroupSnapshotResult> {
  const { ids, vms } = await currentMembers(tx, pg);
  const snapshot: PgSnapshot = {
    id: newId(), pgId: pg.id, clusterId: pg.clusterId, name: req.name, type: req.type,
    startTime: req.now, endTime: req.now, expiresAt: req.expiresAt, policy: req.policy ?? null,
  };
  await tx.groupSnapshots.insert(snapshot);
  let successful = 0;
  for (const vm of vms) {
    try {
      await takeVmSnapshot(tx, vm, {
        name: req.name, type: req.type, createdAt: req.now, expiresAt: req.expiresAt, pgId: pg.id, pgSnapshotId: snapshot.id,
      }, maxPerVm);
      successful++;
    } catch (err) {
      if (!(err instanceof VapiError)) throw err;
    }
  }
  return { snapshot, total: ids.length, successful, failed: ids.length - successful };
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
