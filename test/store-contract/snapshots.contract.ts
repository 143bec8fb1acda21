import { describe, expect, it } from 'vitest';
import type { VmSnapshot } from '../../src/domain/model.ts';
import type { SnapshotFilter } from '../../src/store/store.ts';
import { AWKWARD_IDS, BIG, binary, diskSnapshot, FAR, scrambled, snapshot, type Ctx } from './fixtures.ts';

export function snapshotsContract(ctx: Ctx): void {
  describe('vm snapshots', () => {
    const full = snapshot('s-full', {
      type: 'SCHEDULED', createdAt: FAR, expiresAt: FAR + 86_400_000, pgId: 'pg-1', pgSnapshotId: 'pgs-1',
      vmName: "web 'ünï' %_", folderId: 'f-1', resourcePoolId: 'rp-1', cpuCount: 96, coresPerSocket: 48, memoryMib: BIG,
    });

    it('round-trips a snapshot and its disks, nulls included', async () => {
      const { snapshots } = ctx.store.repos;
      const disks = [diskSnapshot('s-full', 2001, { layerId: BIG, epoch: FAR }), diskSnapshot('s-full', 2000)];
      await snapshots.insert(full, disks);
      await snapshots.insert(snapshot('s-bare'), []);
      expect(await snapshots.get('s-full')).toEqual(full);
      expect(await snapshots.get('s-bare')).toEqual(snapshot('s-bare'));
      expect(await snapshots.get('nope')).toBeUndefined();
      expect(await snapshots.disks('s-full')).toEqual([disks[1], disks[0]]);
      expect(await snapshots.disks('s-bare')).toEqual([]);
      expect(await snapshots.disks('nope')).toEqual([]);
    });

    it('disksOf() answers for every asked id, in disk key order', async () => {
      const { snapshots } = ctx.store.repos;
      await snapshots.insert(snapshot('s-1'), [diskSnapshot('s-1', 2001), diskSnapshot('s-1', 2000)]);
      await snapshots.insert(snapshot('s-2'), [diskSnapshot('s-2', 2000)]);
      await snapshots.insert(snapshot('s-3'), []);
      const map = await snapshots.disksOf(['s-2', 's-1', 's-3', 'nope']);
      expect([...map.keys()].sort()).toEqual(['nope', 's-1', 's-2', 's-3']);
      expect(map.get('s-1')).toEqual([diskSnapshot('s-1', 2000), diskSnapshot('s-1', 2001)]);
      expect(map.get('s-2')).toEqual([diskSnapshot('s-2', 2000)]);
      expect(map.get('s-3')).toEqual([]);
      expect(map.get('nope')).toEqual([]);
      expect((await snapshots.disksOf([])).size).toBe(0);
    });

    it('lists by creation time then id', async () => {
      const { snapshots } = ctx.store.repos;
      const rows = AWKWARD_IDS.map((id, i) => snapshot(id, { createdAt: i % 2 ? FAR : 5 }));
      for (const s of scrambled(rows)) await snapshots.insert(s, []);
      const expected = [...rows].sort((a, b) => a.createdAt - b.createdAt || binary(a.id, b.id));
      expect(await snapshots.list({})).toEqual(expected);
    });

    it('filters on every field (AND, strict time bounds); empty sets match nothing', async () => {
      const { snapshots } = ctx.store.repos;
      const rows: VmSnapshot[] = [
        snapshot('a', { vmId: 'vm-1', clusterId: 'c-1', createdAt: 10, expiresAt: 100, name: 'n-1', type: 'ONE_TIME' }),
        snapshot('b', { vmId: 'vm-1', clusterId: 'c-1', createdAt: 20, expiresAt: null, name: 'n_1', type: 'SCHEDULED', pgId: 'pg-1', pgSnapshotId: 'pgs-1' }),
        snapshot('c', { vmId: 'vm-2', clusterId: 'c-1', createdAt: 30, expiresAt: 300, name: 'N-1', type: 'SCHEDULED', pgId: 'pg-1', pgSnapshotId: 'pgs-2' }),
        snapshot('d', { vmId: 'vm-3', clusterId: 'c-2', createdAt: FAR, expiresAt: FAR + 1, name: 'n-%', type: 'SYSTEM_CREATED', pgId: 'pg-2' }),
      ];
      for (const s of scrambled(rows)) await snapshots.insert(s, []);
      const ids = async (f: SnapshotFilter) => (await snapshots.list(f)).map((s) => s.id);
      expect(await ids({ vmId: 'vm-1' })).toEqual(['a', 'b']);
      expect(await ids({ clusterId: 'c-1' })).toEqual(['a', 'b', 'c']);
      expect(await ids({ pgId: 'pg-1' })).toEqual(['b', 'c']);
      expect(await ids({ pgSnapshotId: 'pgs-2' })).toEqual(['c']);
      expect(await ids({ ids: ['d', 'b', 'zz'] })).toEqual(['b', 'd']);
      expect(await ids({ names: ['n-1', 'n-%'] })).toEqual(['a', 'd']);
      expect(await ids({ type: 'SCHEDULED' })).toEqual(['b', 'c']);
      expect(await ids({ createdAfter: 10 })).toEqual(['b', 'c', 'd']);
      expect(await ids({ createdBefore: 30 })).toEqual(['a', 'b']);
      expect(await ids({ createdAfter: 10, createdBefore: FAR })).toEqual(['b', 'c']);
      expect(await ids({ expiresAfter: 100 })).toEqual(['c', 'd']);
      expect(await ids({ expiresBefore: 300 })).toEqual(['a']);
      expect(await ids({ expiresAfter: 0, expiresBefore: FAR + 2 })).toEqual(['a', 'c', 'd']);
      expect(await ids({ clusterId: 'c-1', type: 'SCHEDULED', vmId: 'vm-2' })).toEqual(['c']);
      expect(await ids({ ids: [] })).toEqual([]);
      expect(await ids({ names: [] })).toEqual([]);
      expect(await ids({ vmId: 'vm-9' })).toEqual([]);
    });

    it('statsByVm() and countForVm() aggregate per VM', async () => {
      const { snapshots } = ctx.store.repos;
      await snapshots.insert(snapshot('a', { vmId: 'vm-1', createdAt: FAR }), []);
      await snapshots.insert(snapshot('b', { vmId: 'vm-1', createdAt: 10 }), []);
      await snapshots.insert(snapshot('c', { vmId: 'vm-1', createdAt: 500 }), []);
      await snapshots.insert(snapshot('d', { vmId: 'vm-2', createdAt: 7 }), []);
      await snapshots.insert(snapshot('e', { vmId: 'vm-2', clusterId: 'c-2', createdAt: 1 }), []);
      const stats = await snapshots.statsByVm('c-1');
      expect(stats).toEqual(new Map([['vm-1', { count: 3, oldest: 10, latest: FAR }], ['vm-2', { count: 1, oldest: 7, latest: 7 }]]));
      expect(await snapshots.statsByVm('c-2')).toEqual(new Map([['vm-2', { count: 1, oldest: 1, latest: 1 }]]));
      expect((await snapshots.statsByVm('c-9')).size).toBe(0);
      expect(await snapshots.countForVm('vm-1')).toBe(3);
      expect(await snapshots.countForVm('vm-2')).toBe(2);
      expect(await snapshots.countForVm('vm-9')).toBe(0);
    });

    it('expired() returns passed expiries (inclusive), oldest first, up to the limit', async () => {
      const { snapshots } = ctx.store.repos;
      await snapshots.insert(snapshot('late', { expiresAt: FAR }), []);
      await snapshots.insert(snapshot('never', { expiresAt: null, createdAt: 0 }), []);
      await snapshots.insert(snapshot('x-b', { expiresAt: 50 }), []);
      await snapshots.insert(snapshot('x_a', { expiresAt: 50 }), []);
      await snapshots.insert(snapshot('x-a', { expiresAt: 50 }), []);
      await snapshots.insert(snapshot('first', { expiresAt: 20, createdAt: FAR }), []);
      const ids = async (now: number, limit: number) => (await snapshots.expired(now, limit)).map((s) => s.id);
      expect(await ids(19, 10)).toEqual([]);
      expect(await ids(20, 10)).toEqual(['first']);
      expect(await ids(FAR - 1, 10)).toEqual(['first', 'x-a', 'x-b', 'x_a']);
      expect(await ids(FAR, 2)).toEqual(['first', 'x-a']);
      expect(await ids(FAR, 100)).toEqual(['first', 'x-a', 'x-b', 'x_a', 'late']);
      expect((await snapshots.expired(FAR, 1))[0]).toEqual(snapshot('first', { expiresAt: 20, createdAt: FAR }));
    });

    it('expiredStandalone() and nextStandaloneExpiry() ignore snapshots taken by a protection group', async () => {
      const { snapshots } = ctx.store.repos;
      expect(await snapshots.nextStandaloneExpiry()).toBeUndefined();
      await snapshots.insert(snapshot('pg-owned', { expiresAt: 5, pgId: 'pg-1', pgSnapshotId: 'pgs-1' }), []);
      await snapshots.insert(snapshot('never', { expiresAt: null }), []);
      expect(await snapshots.nextStandaloneExpiry()).toBeUndefined();
      expect(await snapshots.expiredStandalone(FAR, 10)).toEqual([]);
      await snapshots.insert(snapshot('late', { expiresAt: FAR }), []);
      await snapshots.insert(snapshot('x_a', { expiresAt: 50 }), []);
      await snapshots.insert(snapshot('x-a', { expiresAt: 50 }), []);
      await snapshots.insert(snapshot('pg-id-only', { expiresAt: 40, pgId: 'pg-1' }), []);
      expect(await snapshots.nextStandaloneExpiry()).toBe(40);
      const ids = async (now: number, limit: number) => (await snapshots.expiredStandalone(now, limit)).map((s) => s.id);
      expect(await ids(39, 10)).toEqual([]);
      expect(await ids(50, 10)).toEqual(['pg-id-only', 'x-a', 'x_a']);
      expect(await ids(FAR, 2)).toEqual(['pg-id-only', 'x-a']);
      expect(await ids(FAR, 10)).toEqual(['pg-id-only', 'x-a', 'x_a', 'late']);
      expect((await snapshots.expiredStandalone(FAR, 10))[3]).toEqual(snapshot('late', { expiresAt: FAR }));
      await snapshots.delete('pg-id-only');
      expect(await snapshots.nextStandaloneExpiry()).toBe(50);
    });

    it('delete() removes the snapshot and its disks only', async () => {
      const { snapshots, layers } = ctx.store.repos;
      await snapshots.insert(snapshot('s-1'), [diskSnapshot('s-1', 2000, { layerId: 5 })]);
      await snapshots.insert(snapshot('s-2'), [diskSnapshot('s-2', 2000, { layerId: 5 })]);
      expect((await layers.references(5)).snapshots).toBe(2);
      await snapshots.delete('s-1');
      expect(await snapshots.get('s-1')).toBeUndefined();
      expect(await snapshots.disks('s-1')).toEqual([]);
      expect(await snapshots.disks('s-2')).toEqual([diskSnapshot('s-2', 2000, { layerId: 5 })]);
      expect((await layers.references(5)).snapshots).toBe(1);
      await snapshots.delete('s-1');
    });
  });
}
