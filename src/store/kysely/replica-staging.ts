import type { ReplicaChunk, ReplicaRemoval } from '../../domain/replication.ts';
import type { ReplicationRepo } from '../store.ts';
import { num, type Db } from './core.ts';

type Staging = Pick<ReplicationRepo, 'putChunk' | 'chunks' | 'dropChunks' | 'dropGroupChunks' | 'requestRemoval' | 'removals' | 'removalDone'>;

/** Chunks held at the recovery site until their snapshot lands, and removals owed by the protected site. */
export function stagingRepo(db: Db): Staging {
  return {
    async putChunk(c) {
      const { index, ...rest } = c;
      // Another plan for the same snapshot (another base or chunk count) makes the held chunks useless.
      const base = c.baseSnapshotId;
      await db.deleteFrom('replicaChunks').where('sourceSnapshotId', '=', c.sourceSnapshotId)
        .where((eb) => eb.or([
          eb('count', '!=', c.count),
          base === null ? eb('baseSnapshotId', 'is not', null) : eb.or([eb('baseSnapshotId', 'is', null), eb('baseSnapshotId', '!=', base)]),
        ])).execute();
      await db.insertInto('replicaChunks').values({ ...rest, idx: index })
        .onConflict((oc) => oc.columns(['sourceSnapshotId', 'idx']).doNothing()).execute();
    },
    async chunks(sourceSnapshotId, withPieces) {
      const rows = await db.selectFrom('replicaChunks')
        .select(['sourceSnapshotId', 'idx', 'count', 'baseSnapshotId', 'sourceSiteId', 'pgId', 'sourceVmId', 'receivedAt'])
        .$if(withPieces, (q) => q.select('pieces'))
        .where('sourceSnapshotId', '=', sourceSnapshotId).orderBy('idx').execute();
      return rows.map((r): ReplicaChunk => {
        const { idx, ...rest } = r as typeof r & { pieces?: string };
        return { ...rest, pieces: rest.pieces ?? '', index: num(idx), count: num(r.count), receivedAt: num(r.receivedAt) };
      });
    },
    async dropChunks(sourceSnapshotId) {
      await db.deleteFrom('replicaChunks').where('sourceSnapshotId', '=', sourceSnapshotId).execute();
    },
    async dropGroupChunks(sourceSiteId, pgId) {
      await db.deleteFrom('replicaChunks').where('sourceSiteId', '=', sourceSiteId).where('pgId', '=', pgId).execute();
    },
    async requestRemoval(r) {
      await db.insertInto('replicaRemovals').values(r).onConflict((oc) => oc.column('pgId').doNothing()).execute();
    },
    async removals() {
      const rows = await db.selectFrom('replicaRemovals').selectAll().orderBy('requestedAt').orderBy('pgId').execute();
      return rows.map((r): ReplicaRemoval => ({ ...r, requestedAt: num(r.requestedAt) }));
    },
    async removalDone(pgId) {
      await db.deleteFrom('replicaRemovals').where('pgId', '=', pgId).execute();
    },
  };
}
