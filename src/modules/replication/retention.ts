import type { Repos } from '../../store/store.ts';

/**
 * Keeps the newest `keepLast` replica snapshots of a replica VM. The oldest one's layers are
 * the bottom of each disk's chain, so dropping it folds its blocks into the next layer up:
 * the snapshots left read exactly as before.
 */
export async function pruneReplicas(tx: Repos, replicaVmId: string, keepLast: number): Promise<void> {
  const snaps = await tx.replication.listSnapshots(replicaVmId);
  for (const old of snaps.slice(0, Math.max(0, snaps.length - keepLast))) {
    for (const d of old.disks) {
      const { children } = await tx.layers.references(d.layerId);
      if (children.length === 1) await tx.layers.mergeIntoChild(d.layerId, children[0]);
    }
    await tx.replication.deleteSnapshot(old.id);
  }
}
