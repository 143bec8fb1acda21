import { describe, expect, it } from 'vitest';
import type { GroupFilter, PgSnapshotFilter } from '../../src/store/store.ts';
import { AWKWARD_IDS, binary, FAR, group, pgSnapshot, scrambled, type Ctx } from './fixtures.ts';

export function groupsContract(ctx: Ctx): void {
  describe('protection groups', () => {
    it('round-trips every field, JSON and booleans included', async () => {
      const { groups } = ctx.store.repos;
      const locked = group('pg-locked', { locked: true, status: 'MARKED_FOR_DELETE', targetEntities: {}, policies: [], createdAt: FAR, scheduleAnchor: FAR + 1, name: "ünï 'q' %_" });
      await groups.insert(locked);
      await groups.insert(group('pg-plain'));
      expect(await groups.get('pg-locked')).toEqual(locked);
      expect(await groups.get('pg-plain')).toEqual(group('pg-plain'));
      expect(await groups.get('nope')).toBeUndefined();
    });

    it('lists by creation time then id, per cluster or all, with filters', async () => {
      const { groups } = ctx.store.repos;
      const rows = AWKWARD_IDS.map((id, i) => group(id, { createdAt: i % 2 ? FAR : 5, clusterId: i % 3 ? 'c-1' : 'c-2' }));
      for (const g of scrambled(rows)) await groups.insert(g);
      const order = (clusterId?: string) => rows.filter((g) => !clusterId || g.clusterId === clusterId)
        .sort((a, b) => a.createdAt - b.createdAt || binary(a.id, b.id)).map((g) => g.id);
      expect((await groups.list(undefined)).map((g) => g.id)).toEqual(order());
      expect((await groups.list('c-1')).map((g) => g.id)).toEqual(order('c-1'));
      expect((await groups.list('c-2', {})).map((g) => g.id)).toEqual(order('c-2'));
      expect(await groups.list('c-9')).toEqual([]);
      expect((await groups.list(undefined))[0]).toEqual(rows.find((g) => g.id === order()[0]));

      await groups.update('x-b', { status: 'PAUSED', name: 'special' });
      const ids = async (clusterId: string | undefined, f: GroupFilter) => (await groups.list(clusterId, f)).map((g) => g.id);
      expect(await ids(undefined, { ids: ['x-b', 'x_a', 'zz'] })).toEqual(order().filter((id) => id === 'x-b' || id === 'x_a'));
      expect(await ids(undefined, { names: ['special', 'pg-x-a'] })).toEqual(order().filter((id) => id === 'x-b' || id === 'x-a'));
      expect(await ids(undefined, { statuses: ['PAUSED'] })).toEqual(['x-b']);
      expect(await ids('c-1', { statuses: ['ACTIVE', 'PAUSED'] })).toEqual(order('c-1'));
      expect(await ids('c-1', { ids: ['x-b'] })).toEqual([]); // x-b (index 0) lives in c-2
      for (const key of ['ids', 'names', 'statuses'] as const) expect(await ids(undefined, { [key]: [] })).toEqual([]);
    });

    it('updates the given fields only', async () => {
      const { groups } = ctx.store.repos;
      await groups.insert(group('pg-1'));
      await groups.insert(group('pg-2'));
      const patch = { locked: true, targetEntities: { vms: [] }, policies: [], scheduleAnchor: FAR, status: 'PAUSED' as const };
      await groups.update('pg-1', patch);
      expect(await groups.get('pg-1')).toEqual({ ...group('pg-1'), ...patch });
      await groups.update('pg-1', {});
      await groups.update('pg-1', { locked: false, name: 'renamed' });
      expect(await groups.get('pg-1')).toEqual({ ...group('pg-1'), ...patch, locked: false, name: 'renamed' });
      expect(await groups.get('pg-2')).toEqual(group('pg-2'));
      await groups.update('nope', { name: 'x' });
    });

    it('keeps a replication policy, finds groups by its cluster pair, and removes it with null', async () => {
      const { groups } = ctx.store.repos;
      const replication = {
        clusterPairId: "cp 'ü'", rpo: { unit: 'MINUTE' as const, duration: 15 }, keepLast: 3, useReplicaSeed: false, targetDatastore: 'datastore-2',
        longTerm: { weekly: { dayOfWeek: 'MONDAY' as const, hour: 3, retention: { unit: 'MONTH' as const, duration: 2 } } },
        overrides: [{ vm: 'vm-1', useReplicaSeed: true }],
      };
      await groups.insert(group('pg-r', { replication }));
      await groups.insert(group('pg-l'));
      await groups.insert(group('pg-other', { replication: { ...replication, clusterPairId: 'cp-2' } }));
      expect(await groups.get('pg-r')).toEqual(group('pg-r', { replication }));
      expect((await groups.get('pg-l'))?.replication).toBeUndefined();
      const byPair = async (pairs: string[]) => (await groups.list(undefined, { clusterPairIds: pairs })).map((g) => g.id).sort();
      expect(await byPair([replication.clusterPairId])).toEqual(['pg-r']);
      expect(await byPair([replication.clusterPairId, 'cp-2'])).toEqual(['pg-other', 'pg-r']);
      expect(await byPair([])).toEqual([]);
      await groups.update('pg-r', { name: 'kept' });
      expect((await groups.get('pg-r'))?.replication).toEqual(replication);
      await groups.update('pg-r', { replication: null });
      expect((await groups.get('pg-r'))?.replication).toBeUndefined();
      expect(await byPair([replication.clusterPairId])).toEqual([]);
      await groups.update('pg-l', { replication: { ...replication, clusterPairId: 'cp-2' } });
      expect(await byPair(['cp-2'])).toEqual(['pg-l', 'pg-other']);
    });

    it('keeps last runs per policy and deletes them with the group', async () => {
      const { groups } = ctx.store.repos;
      await groups.insert(group('pg-1'));
      await groups.insert(group('pg-2'));
      expect(await groups.lastRuns('pg-1')).toEqual(new Map());
      await groups.setLastRun('pg-1', 'hourly', 100);
      await groups.setLastRun('pg-1', 'daily', FAR);
      await groups.setLastRun('pg-2', 'hourly', 7);
      await groups.setLastRun('pg-1', 'hourly', FAR + 3_600_000);
      expect(await groups.lastRuns('pg-1')).toEqual(new Map([['hourly', FAR + 3_600_000], ['daily', FAR]]));
      await groups.delete('pg-1');
      expect(await groups.get('pg-1')).toBeUndefined();
      expect(await groups.lastRuns('pg-1')).toEqual(new Map());
      expect(await groups.lastRuns('pg-2')).toEqual(new Map([['hourly', 7]]));
      expect(await groups.get('pg-2')).toEqual(group('pg-2'));
      await groups.delete('pg-1');
    });
  });

  describe('protection group snapshots', () => {
    it('round-trips every field, nulls included', async () => {
      const { groupSnapshots } = ctx.store.repos;
      const full = pgSnapshot('s-full', { startTime: FAR, endTime: FAR + 9, expiresAt: FAR + 86_400_000, policy: 'hourly', type: 'ONE_TIME' });
      await groupSnapshots.insert(full);
      await groupSnapshots.insert(pgSnapshot('s-bare'));
      expect(await groupSnapshots.get('s-full')).toEqual(full);
      expect(await groupSnapshots.get('s-bare')).toEqual(pgSnapshot('s-bare'));
      expect(await groupSnapshots.get('nope')).toBeUndefined();
    });

    it('lists one group by start time then id, with filters (strict bounds)', async () => {
      const { groupSnapshots } = ctx.store.repos;
      const rows = AWKWARD_IDS.map((id, i) => pgSnapshot(id, { startTime: i % 2 ? FAR : 5 }));
      for (const s of scrambled(rows)) await groupSnapshots.insert(s);
      await groupSnapshots.insert(pgSnapshot('other', { pgId: 'pg-2' }));
      const expected = [...rows].sort((a, b) => a.startTime - b.startTime || binary(a.id, b.id));
      expect(await groupSnapshots.list('pg-1')).toEqual(expected);
      expect(await groupSnapshots.list('pg-2')).toEqual([pgSnapshot('other', { pgId: 'pg-2' })]);
      expect(await groupSnapshots.list('pg-9')).toEqual([]);

      await groupSnapshots.insert(pgSnapshot('a', { pgId: 'pg-3', startTime: 10, expiresAt: 100, name: 'n-1' }));
      await groupSnapshots.insert(pgSnapshot('b', { pgId: 'pg-3', startTime: 20, expiresAt: null, name: 'n_1' }));
      await groupSnapshots.insert(pgSnapshot('c', { pgId: 'pg-3', startTime: 30, expiresAt: 300, name: 'N-1' }));
      const ids = async (f: PgSnapshotFilter) => (await groupSnapshots.list('pg-3', f)).map((s) => s.id);
      expect(await ids({})).toEqual(['a', 'b', 'c']);
      expect(await ids({ ids: ['c', 'a', 'other'] })).toEqual(['a', 'c']);
      expect(await ids({ names: ['n-1', 'N-1'] })).toEqual(['a', 'c']);
      expect(await ids({ createdAfter: 10 })).toEqual(['b', 'c']);
      expect(await ids({ createdBefore: 30 })).toEqual(['a', 'b']);
      expect(await ids({ expiresAfter: 100 })).toEqual(['c']);
      expect(await ids({ expiresBefore: 300 })).toEqual(['a']);
      expect(await ids({ createdAfter: 5, createdBefore: 25, expiresBefore: FAR })).toEqual(['a']);
      expect(await ids({ ids: [] })).toEqual([]);
      expect(await ids({ names: [] })).toEqual([]);
    });

    it('expired() is inclusive, oldest expiry first, limited; delete() removes one', async () => {
      const { groupSnapshots } = ctx.store.repos;
      await groupSnapshots.insert(pgSnapshot('late', { expiresAt: FAR }));
      await groupSnapshots.insert(pgSnapshot('never', { expiresAt: null }));
      await groupSnapshots.insert(pgSnapshot('x_a', { expiresAt: 50, pgId: 'pg-2' }));
      await groupSnapshots.insert(pgSnapshot('x-a', { expiresAt: 50 }));
      await groupSnapshots.insert(pgSnapshot('first', { expiresAt: 20 }));
      const ids = async (now: number, limit: number) => (await groupSnapshots.expired(now, limit)).map((s) => s.id);
      expect(await ids(19, 10)).toEqual([]);
      expect(await ids(50, 10)).toEqual(['first', 'x-a', 'x_a']);
      expect(await ids(FAR, 2)).toEqual(['first', 'x-a']);
      expect(await ids(FAR, 10)).toEqual(['first', 'x-a', 'x_a', 'late']);
      expect((await groupSnapshots.expired(20, 1))[0]).toEqual(pgSnapshot('first', { expiresAt: 20 }));
      await groupSnapshots.delete('x-a');
      await groupSnapshots.delete('x-a');
      expect(await groupSnapshots.get('x-a')).toBeUndefined();
      expect(await ids(FAR, 10)).toEqual(['first', 'x_a', 'late']);
    });

    it('expired() and nextExpiry() leave out the excluded groups', async () => {
      const { groupSnapshots } = ctx.store.repos;
      expect(await groupSnapshots.nextExpiry()).toBeUndefined();
      await groupSnapshots.insert(pgSnapshot('never', { expiresAt: null, pgId: 'pg-0' }));
      expect(await groupSnapshots.nextExpiry()).toBeUndefined();
      await groupSnapshots.insert(pgSnapshot('a', { expiresAt: 10, pgId: 'pg-1' }));
      await groupSnapshots.insert(pgSnapshot('b', { expiresAt: 20, pgId: 'pg-2' }));
      await groupSnapshots.insert(pgSnapshot('c', { expiresAt: FAR, pgId: 'pg-3' }));
      const ids = async (exclude?: string[]) => (await groupSnapshots.expired(FAR, 10, exclude)).map((s) => s.id);
      expect(await ids()).toEqual(['a', 'b', 'c']);
      expect(await ids([])).toEqual(['a', 'b', 'c']);
      expect(await ids(['pg-1'])).toEqual(['b', 'c']);
      expect(await ids(['pg-1', 'pg-3', 'pg-9'])).toEqual(['b']);
      expect(await groupSnapshots.nextExpiry()).toBe(10);
      expect(await groupSnapshots.nextExpiry([])).toBe(10);
      expect(await groupSnapshots.nextExpiry(['pg-1'])).toBe(20);
      expect(await groupSnapshots.nextExpiry(['pg-1', 'pg-2'])).toBe(FAR);
      expect(await groupSnapshots.nextExpiry(['pg-1', 'pg-2', 'pg-3'])).toBeUndefined();
    });
  });
}
