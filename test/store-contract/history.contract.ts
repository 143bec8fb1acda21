import { describe, expect, it } from 'vitest';
import type { SnapshotAttempt } from '../../src/domain/history.ts';
import type { HistoryFilter } from '../../src/store/store.ts';
import { AWKWARD_IDS, BIG, binary, FAR, pgSnapshot, scrambled, snapshot, type Ctx } from './fixtures.ts';

function attempt(id: string, over: Partial<SnapshotAttempt> = {}): SnapshotAttempt {
  return {
    id, kind: 'PG', clusterId: 'c-1', pgId: 'pg-1', pgName: 'web', pgSnapshotId: `s-${id}`, vmId: null, vmName: null,
    snapshotId: `s-${id}`, name: `snap ${id}`, type: 'SCHEDULED', status: 'SUCCESS', startedAt: 1000, expiresAt: null, reasons: [], ...over,
  };
}

const PG: HistoryFilter = { clusterId: 'c-1', kind: 'PG', from: 0, to: FAR };

export function historyContract(ctx: Ctx): void {
  describe('snapshot history', () => {
    it('round-trips every field and pages by start time then id, with the total', async () => {
      const { history } = ctx.store.repos;
      const full = attempt('full', {
        kind: 'VM', vmId: 'vm-1', vmName: "ünï 'q' %_", status: 'ERROR', snapshotId: null, startedAt: BIG, expiresAt: FAR, type: 'ONE_TIME',
        reasons: [[{ id: 'a.b', defaultMessage: 'x "y"', args: ['1', ''] }], []],
      });
      await history.insert([full]);
      const vm = await history.page({ ...PG, kind: 'VM' }, 10, 0);
      expect(vm).toEqual({ items: [{ ...full, live: false, currentExpiresAt: FAR }], total: 1 });

      const rows = AWKWARD_IDS.map((id, i) => attempt(id, { startedAt: i % 2 ? 5 : FAR }));
      await history.insert(scrambled(rows));
      const order = rows.sort((a, b) => a.startedAt - b.startedAt || binary(a.id, b.id)).map((a) => a.id);
      expect((await history.page(PG, 100, 0)).items.map((a) => a.id)).toEqual(order);
      const page = await history.page(PG, 3, 2);
      expect(page.items.map((a) => a.id)).toEqual(order.slice(2, 5));
      expect(page.total).toBe(order.length);
      expect(await history.page(PG, 3, 100)).toEqual({ items: [], total: order.length });
    });

    it('inserts large batches', async () => {
      const { history } = ctx.store.repos;
      await history.insert(Array.from({ length: 1203 }, (_, i) => attempt(`a-${String(i).padStart(5, '0')}`, { startedAt: i })));
      const p = await history.page(PG, 5, 1200);
      expect(p.total).toBe(1203);
      expect(p.items.map((a) => a.startedAt)).toEqual([1200, 1201, 1202]);
    });

    it('filters by cluster, kind, inclusive time range, groups, VMs and group membership', async () => {
      const { history } = ctx.store.repos;
      await history.insert([
        attempt('a', { startedAt: 10 }), attempt('b', { startedAt: 20, pgId: 'pg-2' }), attempt('c', { startedAt: 30, clusterId: 'c-2' }),
        attempt('v1', { kind: 'VM', vmId: 'vm-1', startedAt: 20 }), attempt('v2', { kind: 'VM', vmId: 'vm-2', pgId: null, startedAt: 20 }),
      ]);
      const ids = async (f: Partial<HistoryFilter>) => (await history.page({ ...PG, ...f }, 100, 0)).items.map((a) => a.id);
      expect(await ids({})).toEqual(['a', 'b']);
      expect(await ids({ from: 10, to: 20 })).toEqual(['a', 'b']);
      expect(await ids({ from: 11, to: 19 })).toEqual([]);
      expect(await ids({ pgIds: ['pg-2', 'nope'] })).toEqual(['b']);
      expect(await ids({ pgIds: [] })).toEqual([]);
      expect(await ids({ clusterId: 'c-2' })).toEqual(['c']);
      expect(await ids({ kind: 'VM' })).toEqual(['v1', 'v2']);
      expect(await ids({ kind: 'VM', inGroup: true })).toEqual(['v1']);
      expect(await ids({ kind: 'VM', vmIds: ['vm-2'] })).toEqual(['v2']);
      expect(await ids({ kind: 'VM', vmIds: [] })).toEqual([]);
    });

    it('tells whether the snapshot still exists, and its expiry now', async () => {
      const { history, groupSnapshots, snapshots } = ctx.store.repos;
      await groupSnapshots.insert(pgSnapshot('s-live', { expiresAt: FAR }));
      await snapshots.insert(snapshot('s-vm', { expiresAt: null }), []);
      await history.insert([
        attempt('live', { expiresAt: 5 }), attempt('gone', { expiresAt: 7 }),
        attempt('vm', { kind: 'VM', snapshotId: 's-vm', expiresAt: 9 }),
      ]);
      const [gone, live] = (await history.page(PG, 10, 0)).items;
      expect([gone.id, gone.live, gone.currentExpiresAt]).toEqual(['gone', false, 7]);
      expect([live.id, live.live, live.currentExpiresAt]).toEqual(['live', true, FAR]);
      const [vm] = (await history.page({ ...PG, kind: 'VM' }, 10, 0)).items;
      expect([vm.live, vm.currentExpiresAt]).toEqual([true, null]);
    });

    it('counts by status per group, per VM and per slice', async () => {
      const { history } = ctx.store.repos;
      await history.insert([
        attempt('1', { startedAt: 100, status: 'SUCCESS' }), attempt('2', { startedAt: 150, status: 'WARNING' }),
        attempt('3', { startedAt: 250, status: 'SUCCESS', pgId: 'pg-2' }), attempt('4', { startedAt: 399, status: 'ERROR' }),
        attempt('5', { kind: 'VM', vmId: 'vm-1', startedAt: 100, status: 'ERROR' }),
      ]);
      expect(await history.countByStatus(PG, 'pg')).toEqual([
        { key: 'pg-1', status: 'ERROR', count: 1 }, { key: 'pg-1', status: 'SUCCESS', count: 1 }, { key: 'pg-1', status: 'WARNING', count: 1 },
        { key: 'pg-2', status: 'SUCCESS', count: 1 },
      ]);
      expect(await history.countByStatus({ ...PG, from: 100, to: 400 }, { sliceMs: 100 })).toEqual([
        { key: 0, status: 'SUCCESS', count: 1 }, { key: 0, status: 'WARNING', count: 1 }, { key: 1, status: 'SUCCESS', count: 1 }, { key: 2, status: 'ERROR', count: 1 },
      ]);
      expect(await history.countByStatus({ ...PG, kind: 'VM' }, 'vm')).toEqual([{ key: 'vm-1', status: 'ERROR', count: 1 }]);
    });

    it('names each group or VM as history last recorded it, and purges by start time', async () => {
      const { history } = ctx.store.repos;
      await history.insert([
        attempt('1', { startedAt: 10, pgName: 'old' }), attempt('2', { startedAt: 20, pgName: 'new' }), attempt('3', { startedAt: 5, pgId: 'pg-0', pgName: 'zero' }),
        attempt('4', { kind: 'VM', vmId: 'vm-1', vmName: 'v', startedAt: 15 }), attempt('5', { startedAt: 30, clusterId: 'c-2', pgName: 'elsewhere' }),
      ]);
      expect(await history.names('c-1', 'PG', 0)).toEqual([{ id: 'pg-0', name: 'zero' }, { id: 'pg-1', name: 'new' }]);
      expect(await history.names('c-1', 'PG', 6)).toEqual([{ id: 'pg-1', name: 'new' }]);
      expect(await history.names('c-1', 'VM', 0)).toEqual([{ id: 'vm-1', name: 'v' }]);
      expect(await history.oldest()).toBe(5);
      expect(await history.purge(15)).toBe(2);
      expect(await history.oldest()).toBe(15);
      expect((await history.page(PG, 10, 0)).items.map((a) => a.id)).toEqual(['2']);
      expect(await history.purge(15)).toBe(0);
    });

    it('finds the oldest attempt and purges by start time in every cluster and kind', async () => {
      const { history } = ctx.store.repos;
      // Both walk the clusters one after another: ids that sort oddly, and the oldest attempt
      // in the last cluster and the last kind.
      const clusters = [...AWKWARD_IDS, 'c-9'];
      await history.insert(clusters.flatMap((c, i) => [
        attempt(`pg-${i}`, { clusterId: c, startedAt: 100 + i }),
        attempt(`vm-${i}`, { clusterId: c, kind: 'VM', vmId: 'vm-1', startedAt: c === 'c-9' ? 7 : 200 + i }),
      ]));
      expect(await history.oldest()).toBe(7);
      expect(await history.purge(100 + clusters.length)).toBe(clusters.length + 1);
      expect(await history.oldest()).toBe(200);
      expect(await history.purge(FAR)).toBe(clusters.length - 1);
      expect(await history.oldest()).toBeUndefined();
      expect(await history.purge(FAR)).toBe(0);
    });
  });
}
