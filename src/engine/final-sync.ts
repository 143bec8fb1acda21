import type { Repos } from '../store/store.ts';

/**
 * Whether a group has a snapshot the recovery site has not acknowledged for every member,
 * counted as the replicator counts (from the last acknowledged snapshot; the latest one when
 * none was): what a demoted group still ships, and what a promote at the peer waits for.
 */
export async function finalSyncPending(repos: Repos, pgId: string): Promise<boolean> {
  const snaps = await repos.groupSnapshots.list(pgId);
  const last = await repos.replication.lastSync(pgId);
  const from = last?.takenAt ?? snaps.at(-1)?.startTime ?? Infinity;
  for (const s of snaps.filter((x) => x.startTime >= from)) {
    const acked = new Set(await repos.replication.ackedVms(s.id));
    if ((await repos.snapshots.list({ pgSnapshotId: s.id })).some((m) => !acked.has(m.vmId))) return true;
  }
  return false;
}
