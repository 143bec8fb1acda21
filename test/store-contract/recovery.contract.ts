import { describe, expect, it } from 'vitest';
import type { Ctx } from './fixtures.ts';

export function recoveryContract(ctx: Ctx): void {
  describe('recovery state', () => {
    it('keeps a generation per group, 0 until set', async () => {
      const r = ctx.store.repos.recovery;
      expect(await r.generation('pg-1')).toBe(0);
      await r.setGeneration('pg-1', 1);
      await r.setGeneration('pg-1', 2);
      await r.setGeneration('pg-2', 7);
      expect(await r.generation('pg-1')).toBe(2);
      expect(await r.generation('pg-2')).toBe(7);
    });

    it('keeps a replica VM configuration, replaced by a newer one', async () => {
      const r = ctx.store.repos.recovery;
      const c = { replicaVmId: 'rvm-1', cpuCount: 4, coresPerSocket: 2, memoryMib: 8192, guestOs: "UBUNTU_64 'ü'" };
      expect(await r.vmConfig('rvm-1')).toBeUndefined();
      await r.putVmConfig(c);
      expect(await r.vmConfig('rvm-1')).toEqual(c);
      await r.putVmConfig({ ...c, memoryMib: 4096 });
      expect(await r.vmConfig('rvm-1')).toEqual({ ...c, memoryMib: 4096 });
    });

    it('drops a replica VM with its disks, snapshots and configuration, and nothing of another', async () => {
      const { recovery, replication } = ctx.store.repos;
      for (const [id, src] of [['rvm-1', 'vm-1'], ['rvm-2', 'vm-2']]) {
        await replication.insertVm({ id, pgId: 'pg-1', sourceSiteId: 's', sourceVmId: src, name: id, createdAt: 1 });
        await replication.upsertDisk({ replicaVmId: id, diskKey: 2000, label: 'd', capacityBytes: 4096, blockSize: 4096, headLayerId: 1 });
        await replication.insertSnapshot({ id: `snap-${id}`, replicaVmId: id, sourceSnapshotId: `src-${id}`, sourcePgSnapshotId: 'p', name: 'n', takenAt: 1, receivedAt: 2, disks: [] });
        await recovery.putVmConfig({ replicaVmId: id, cpuCount: 1, coresPerSocket: 1, memoryMib: 1, guestOs: 'g' });
      }
      await recovery.dropReplicaVm('rvm-1');
      expect((await replication.listVms('pg-1')).map((v) => v.id)).toEqual(['rvm-2']);
      expect(await replication.disks('rvm-1')).toEqual([]);
      expect(await replication.listSnapshots('rvm-1')).toEqual([]);
      expect(await recovery.vmConfig('rvm-1')).toBeUndefined();
      expect(await replication.snapshotBySource('src-rvm-2')).toBeDefined();
      expect(await recovery.vmConfig('rvm-2')).toBeDefined();
    });
  });
}
