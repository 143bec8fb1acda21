import { describe, expect, it } from 'vitest';
import type { VmSnapshot } from '../../src/domain/model.ts';
import type { SnapshotPageQuery } from '../../src/store/store.ts';
import { AWKWARD_IDS, binary, FAR, pgSnapshot, scrambled, snapshot, type Ctx } from './fixtures.ts';

export function labelsContract(ctx: Ctx): void {
  describe('snapshot labels', () => {
    it('adds once, removes once, answers for every asked id, in category then name order', async () => {
      const { labels } = ctx.store.repos;
      expect(await labels.add('s-1', { category: 'tier', name: 'gold' })).toBe(true);
      expect(await labels.add('s-1', { category: 'tier', name: 'gold' })).toBe(false);
      for (const name of scrambled(AWKWARD_IDS)) await labels.add('s-1', { category: 'x', name });
      await labels.add('s-1', { category: 'X', name: "it's ünï %_" });
      await labels.add('s-2', { category: 'tier', name: 'silver' });
      const got = await labels.of(['s-1', 's-2', 'nope', 's-1']);
      expect([...got.keys()].sort()).toEqual(['nope', 's-1', 's-2']);
      expect(got.get('s-1')).toEqual([
        { category: 'X', name: "it's ünï %_" },
        { category: 'tier', name: 'gold' },
        ...[...AWKWARD_IDS].sort(binary).map((name) => ({ category: 'x', name })),
      ]);
      expect(got.get('nope')).toEqual([]);
      expect(await labels.remove('s-1', { category: 'tier', name: 'gold' })).toBe(true);
      expect(await labels.remove('s-1', { category: 'tier', name: 'gold' })).toBe(false);
      expect(await labels.remove('s-1', { category: 'TIER', name: 'silver' })).toBe(false);
      expect((await labels.of(['s-2'])).get('s-2')).toEqual([{ category: 'tier', name: 'silver' }]);
      expect((await labels.of([])).size).toBe(0);
    });

    it('setCategory replaces one category only; empty clears it; deleteForSnapshot clears all', async () => {
      const { labels } = ctx.store.repos;
      await labels.add('s-1', { category: 'a', name: 'old' });
      await labels.add('s-1', { category: 'b', name: 'keep' });
      await labels.setCategory('s-1', 'a', ['n2', 'n1', 'n2']);
      expect((await labels.of(['s-1'])).get('s-1')).toEqual([
        { category: 'a', name: 'n1' }, { category: 'a', name: 'n2' }, { category: 'b', name: 'keep' },
      ]);
      await labels.setCategory('s-1', 'a', []);
      expect((await labels.of(['s-1'])).get('s-1')).toEqual([{ category: 'b', name: 'keep' }]);
      await labels.add('s-2', { category: 'b', name: 'keep' });
      await labels.deleteForSnapshot('s-1');
      expect((await labels.of(['s-1'])).get('s-1')).toEqual([]);
      expect((await labels.of(['s-2'])).get('s-2')).toEqual([{ category: 'b', name: 'keep' }]);
    });

    it('rolls back with its transaction', async () => {
      await expect(ctx.store.transaction(async (tx) => {
        await tx.labels.add('s-1', { category: 'a', name: 'b' });
        throw new Error('abort');
      })).rejects.toThrow('abort');
      expect((await ctx.store.repos.labels.of(['s-1'])).get('s-1')).toEqual([]);
    });
  });

  describe('vm snapshot index pages', () => {
    const rows: VmSnapshot[] = [
      snapshot('a', { vmId: 'vm-1', clusterId: 'c-1', createdAt: 10 }),
      snapshot('b', { vmId: 'vm-1', clusterId: 'c-1', createdAt: 20 }),
      snapshot('c', { vmId: 'vm-2', clusterId: 'c-2', createdAt: 20 }),
      snapshot('d', { vmId: 'vm-1', clusterId: 'c-2', createdAt: 30 }),
      snapshot('e', { vmId: 'vm-3', clusterId: 'c-1', createdAt: FAR }),
      snapshot('f', { vmId: 'vm-2', clusterId: 'c-2', createdAt: FAR }),
    ];
    const page = async (q: Partial<SnapshotPageQuery>) => {
      for (const s of scrambled(rows)) if (!(await ctx.store.repos.snapshots.get(s.id))) await ctx.store.repos.snapshots.insert(s, []);
      const r = await ctx.store.repos.snapshots.page({ limit: 100, offset: 0, ...q });
      return { ids: r.items.map((s) => s.id), total: r.total };
    };

    it('orders by creation time then id and pages with a total', async () => {
      expect(await page({})).toEqual({ ids: ['a', 'b', 'c', 'd', 'e', 'f'], total: 6 });
      expect(await page({ limit: 2, offset: 1 })).toEqual({ ids: ['b', 'c'], total: 6 });
      expect(await page({ limit: 2, offset: 6 })).toEqual({ ids: [], total: 6 });
      expect((await ctx.store.repos.snapshots.page({ limit: 1, offset: 0 })).items[0]).toEqual(rows[0]);
    });

    it('filters (AND, strict time bounds; empty sets match nothing)', async () => {
      expect(await page({ vmIds: ['vm-1', 'vm-3'] })).toEqual({ ids: ['a', 'b', 'd', 'e'], total: 4 });
      expect(await page({ clusterIds: ['c-2'] })).toEqual({ ids: ['c', 'd', 'f'], total: 3 });
      expect(await page({ ids: ['f', 'a', 'zz'] })).toEqual({ ids: ['a', 'f'], total: 2 });
      expect(await page({ createdAfter: 10, createdBefore: FAR })).toEqual({ ids: ['b', 'c', 'd'], total: 3 });
      expect(await page({ vmIds: ['vm-1'], clusterIds: ['c-1'] })).toEqual({ ids: ['a', 'b'], total: 2 });
      expect(await page({ vmIds: [] })).toEqual({ ids: [], total: 0 });
      expect(await page({ clusterIds: [] })).toEqual({ ids: [], total: 0 });
      expect(await page({ ids: [] })).toEqual({ ids: [], total: 0 });
    });

    it('perVm keeps each VM\'s newest matches, after the other filters', async () => {
      expect(await page({ perVm: 1 })).toEqual({ ids: ['d', 'e', 'f'], total: 3 });
      expect(await page({ perVm: 2 })).toEqual({ ids: ['b', 'c', 'd', 'e', 'f'], total: 5 });
      expect(await page({ perVm: 1, createdBefore: 30 })).toEqual({ ids: ['b', 'c'], total: 2 });
      expect(await page({ perVm: 1, clusterIds: ['c-1'] })).toEqual({ ids: ['b', 'e'], total: 2 });
      expect(await page({ perVm: 2, limit: 2, offset: 2 })).toEqual({ ids: ['d', 'e'], total: 5 });
    });

    it('update() changes expiry and group snapshot only', async () => {
      const { snapshots } = ctx.store.repos;
      await snapshots.insert(snapshot('s', { expiresAt: 5, pgId: 'pg-1', pgSnapshotId: 'pgs-1' }), []);
      await snapshots.update('s', { expiresAt: FAR });
      expect(await snapshots.get('s')).toEqual(snapshot('s', { expiresAt: FAR, pgId: 'pg-1', pgSnapshotId: 'pgs-1' }));
      await snapshots.update('s', { pgSnapshotId: null, expiresAt: null });
      expect(await snapshots.get('s')).toEqual(snapshot('s', { expiresAt: null, pgId: 'pg-1', pgSnapshotId: null }));
      await snapshots.update('s', {});
    });
  });
}

export function ownExpiryContract(ctx: Ctx): void {
  describe('snapshots that expire on their own', () => {
    it('members expire alone only when their expiry comes before their group snapshot\'s; excluded groups wait', async () => {
      const { snapshots, groupSnapshots } = ctx.store.repos;
      await groupSnapshots.insert(pgSnapshot('pgs-1', { pgId: 'pg-1', expiresAt: 100 }));
      await groupSnapshots.insert(pgSnapshot('pgs-2', { pgId: 'pg-2', expiresAt: null }));
      await snapshots.insert(snapshot('with-group', { expiresAt: 100, pgId: 'pg-1', pgSnapshotId: 'pgs-1' }), []);
      // Taken with an expiry that differs from the group snapshot's, but not given one: it goes with the group.
      await snapshots.insert(snapshot('as-taken', { expiresAt: 50, pgId: 'pg-1', pgSnapshotId: 'pgs-1' }), []);
      for (const [id, pg, at] of [['later', 1, 200], ['sooner', 1, 60], ['of-forever', 2, 70]] as const) {
        await snapshots.insert(snapshot(id, { expiresAt: 100, pgId: `pg-${pg}`, pgSnapshotId: `pgs-${pg}` }), []);
        await snapshots.update(id, { expiresAt: at });
      }
      await snapshots.insert(snapshot('left-group', { expiresAt: 80, pgId: 'pg-2', pgSnapshotId: null }), []);
      expect(await snapshots.get('sooner')).toEqual(snapshot('sooner', { expiresAt: 60, pgId: 'pg-1', pgSnapshotId: 'pgs-1' }));
      const ids = async (now: number, ex?: string[]) => (await snapshots.expiredStandalone(now, 10, ex)).map((s) => s.id);
      expect(await ids(FAR)).toEqual(['sooner', 'of-forever', 'left-group']);
      expect(await snapshots.nextStandaloneExpiry()).toBe(60);
      expect(await ids(FAR, ['pg-2'])).toEqual(['sooner']);
      expect(await ids(FAR, ['pg-1', 'pg-2'])).toEqual([]);
      expect(await snapshots.nextStandaloneExpiry(['pg-1'])).toBe(70);
      expect(await snapshots.nextStandaloneExpiry(['pg-1', 'pg-2'])).toBeUndefined();
    });
  });
}
