import { describe, expect, it } from 'vitest';
import type { ReplicaChunk, ReplicaSnapshot, SentReplica } from '../../src/domain/replication.ts';
import { FAR, type Ctx } from './fixtures.ts';

export function replicationContract(ctx: Ctx): void {
  describe('replication state', () => {
    it('records acknowledgements once and finds the latest per member and per group', async () => {
      const r = ctx.store.repos.replication;
      const sent = (pgSnapshotId: string, vmId: string, takenAt: number, ackedAt = takenAt + 1): SentReplica =>
        ({ pgId: 'pg-1', pgSnapshotId, vmId, snapshotId: `${pgSnapshotId}/${vmId}`, takenAt, ackedAt });
      expect(await r.lastAcked('pg-1', 'vm-1')).toBeUndefined();
      await r.ack(sent('s1', 'vm-1', 10));
      await r.ack(sent('s1', 'vm-2', 10, 30));
      await r.ack(sent('s2', 'vm-1', FAR));
      await r.ack({ ...sent('s1', 'vm-1', 10), ackedAt: 99 }); // again: no effect
      await r.ack({ ...sent('x1', 'vm-1', FAR + 5), pgId: 'pg-2' });
      expect(await r.ackedVms('s1')).toEqual(['vm-1', 'vm-2']);
      expect(await r.ackedVms('none')).toEqual([]);
      expect(await r.lastAcked('pg-1', 'vm-1')).toEqual(sent('s2', 'vm-1', FAR));
      expect(await r.lastAcked('pg-1', 'vm-2')).toEqual(sent('s1', 'vm-2', 10, 30));
      expect((await r.lastSync('pg-1'))?.pgSnapshotId).toBe('s2');
      await r.forgetGroup('pg-1');
      expect(await r.lastSync('pg-1')).toBeUndefined();
      expect((await r.lastSync('pg-2'))?.pgSnapshotId).toBe('x1');
    });

    it('keeps replica VMs, their disks and snapshots', async () => {
      const r = ctx.store.repos.replication;
      const vm = { id: 'rvm-1', pgId: 'pg-1', sourceSiteId: "site 'ü'", sourceVmId: 'vm-7', name: 'db-01', createdAt: FAR };
      await r.insertVm(vm);
      await r.insertVm({ ...vm, id: 'rvm-2', sourceVmId: 'vm-8', createdAt: 5 });
      await expect(r.insertVm({ ...vm, id: 'rvm-3' })).rejects.toThrow();
      expect(await r.getVm(vm.sourceSiteId, 'vm-7')).toEqual(vm);
      expect(await r.getVm('other', 'vm-7')).toBeUndefined();
      expect((await r.listVms('pg-1')).map((v) => v.id)).toEqual(['rvm-2', 'rvm-1']);
      const disk = { replicaVmId: 'rvm-1', diskKey: 2000, label: 'Hard disk 1', capacityBytes: 16 * 1024 ** 3, blockSize: 4096, headLayerId: 7 };
      await r.upsertDisk(disk);
      await r.upsertDisk({ ...disk, diskKey: 1999, headLayerId: 3 });
      await r.upsertDisk({ ...disk, headLayerId: 9 });
      expect(await r.disks('rvm-1')).toEqual([{ ...disk, diskKey: 1999, headLayerId: 3 }, { ...disk, headLayerId: 9 }]);
      const snap = (id: string, takenAt: number): ReplicaSnapshot => ({
        id, replicaVmId: 'rvm-1', sourceSnapshotId: `src-${id}`, sourcePgSnapshotId: 'pgs', name: `n-${id}`, takenAt, receivedAt: takenAt + 3,
        disks: [{ diskKey: 2000, layerId: 7 }],
      });
      await r.insertSnapshot(snap('b', FAR));
      await r.insertSnapshot(snap('a', 10));
      await expect(r.insertSnapshot({ ...snap('c', 1), sourceSnapshotId: 'src-a' })).rejects.toThrow();
      expect(await r.snapshotBySource('src-b')).toEqual(snap('b', FAR));
      expect((await r.listSnapshots('rvm-1')).map((s) => s.id)).toEqual(['a', 'b']);
      await r.deleteSnapshot('a');
      expect((await r.listSnapshots('rvm-1')).map((s) => s.id)).toEqual(['b']);
      await r.deleteVm('rvm-1');
      expect(await r.getVm(vm.sourceSiteId, 'vm-7')).toBeUndefined();
      expect(await r.disks('rvm-1')).toEqual([]);
      expect(await r.snapshotBySource('src-b')).toBeUndefined();
      expect((await r.listVms('pg-1')).map((v) => v.id)).toEqual(['rvm-2']);
    });

    it('holds chunks once per index, drops another plan\'s chunks, and drops them by snapshot or group', async () => {
      const r = ctx.store.repos.replication;
      const chunk = (index: number, extra: Partial<ReplicaChunk> = {}): ReplicaChunk => ({
        sourceSnapshotId: 'snap-1', index, count: 3, baseSnapshotId: 'base-1', sourceSiteId: 'site-a', pgId: 'pg-1',
        sourceVmId: 'vm-1', pieces: `{"i":${index}}`, receivedAt: FAR, ...extra,
      });
      await r.putChunk(chunk(2));
      await r.putChunk(chunk(0));
      await r.putChunk({ ...chunk(0), pieces: 'again', receivedAt: 1 }); // a resend: the first stays
      expect(await r.chunks('snap-1', true)).toEqual([chunk(0), chunk(2)]);
      expect((await r.chunks('snap-1', false)).map((c) => [c.index, c.pieces])).toEqual([[0, ''], [2, '']]);
      // Another base (the recovery site's latest changed): the held chunks are of no use.
      await r.putChunk(chunk(1, { baseSnapshotId: 'base-2' }));
      expect((await r.chunks('snap-1', true)).map((c) => c.index)).toEqual([1]);
      await r.putChunk(chunk(0, { baseSnapshotId: 'base-2', count: 4 }));
      expect(await r.chunks('snap-1', true)).toEqual([chunk(0, { baseSnapshotId: 'base-2', count: 4 })]);
      await r.putChunk(chunk(1, { baseSnapshotId: null, count: 4 }));
      expect(await r.chunks('snap-1', true)).toEqual([chunk(1, { baseSnapshotId: null, count: 4 })]);
      await r.putChunk(chunk(0, { sourceSnapshotId: 'snap-2' }));
      await r.putChunk(chunk(0, { sourceSnapshotId: 'snap-3', pgId: 'pg-2' }));
      await r.dropChunks('snap-1');
      expect(await r.chunks('snap-1', true)).toEqual([]);
      await r.dropGroupChunks('site-a', 'pg-1');
      expect(await r.chunks('snap-2', true)).toEqual([]);
      expect((await r.chunks('snap-3', true)).map((c) => c.pgId)).toEqual(['pg-2']);
    });

    it('keeps owed replica removals until done', async () => {
      const r = ctx.store.repos.replication;
      await r.requestRemoval({ pgId: 'pg-2', siteId: 's', requestedAt: FAR });
      await r.requestRemoval({ pgId: 'pg-1', siteId: 's', requestedAt: 5 });
      await r.requestRemoval({ pgId: 'pg-1', siteId: 's', requestedAt: 7 });
      expect(await r.removals()).toEqual([{ pgId: 'pg-1', siteId: 's', requestedAt: 5 }, { pgId: 'pg-2', siteId: 's', requestedAt: FAR }]);
      await r.removalDone('pg-1');
      expect((await r.removals()).map((x) => x.pgId)).toEqual(['pg-2']);
    });
  });
}
