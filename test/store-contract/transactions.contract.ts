import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import type { Store } from '../../src/store/store.ts';
import { increment } from './counter.ts';
import { diskSnapshot, FAR, group, snapshot, task, vm, type Ctx } from './fixtures.ts';
import type { Harness } from './suite.ts';

/** Everything a rollback must undo: one write to each kind of table. */
async function writeEverything(store: Store): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.meta.set('k', 'in-tx');
    await tx.vms.insert(vm('vm-tx'));
    await tx.vms.update('vm-0', { name: 'changed' });
    const layer = await tx.layers.create(null);
    await tx.layers.writeBlock(layer, 0, Buffer.from([0, 1, 2]));
    await tx.snapshots.insert(snapshot('s-tx'), [diskSnapshot('s-tx', 2000, { layerId: layer })]);
    await tx.tasks.insert(task('t-tx'));
    await tx.tasks.update('t-0', { status: 'FAILED', endTime: FAR }, null);
    await tx.groups.insert(group('pg-tx'));
    await tx.groups.setLastRun('pg-tx', 'hourly', 5);
    await tx.sessions.delete('s-0');
    await tx.permissions.upsert({ principal: 'p', entityId: 'e', roleId: 'r', propagate: true });
    await tx.ids.next();
    expect(await tx.vms.get('vm-tx')).toEqual(vm('vm-tx'));
    expect(await tx.meta.get('k')).toBe('in-tx');
    throw new Error('abort on purpose');
  });
}

export function transactionsContract(ctx: Ctx, h: Harness): void {
  describe('transactions', () => {
    it('returns the function value and commits its writes', async () => {
      const result = await ctx.store.transaction(async (tx) => {
        await tx.meta.set('k', 'v');
        await tx.vms.insert(vm('vm-1'));
        expect(await tx.meta.get('k')).toBe('v');
        return { ok: 42 };
      });
      expect(result).toEqual({ ok: 42 });
      expect(await ctx.store.repos.meta.get('k')).toBe('v');
      expect(await ctx.store.repos.vms.get('vm-1')).toEqual(vm('vm-1'));
    });

    it('rolls back every write when the function throws, and rethrows its error', async () => {
      const { repos } = ctx.store;
      await repos.meta.set('k', 'before');
      await repos.vms.insert(vm('vm-0'));
      await repos.tasks.insert(task('t-0'));
      await repos.sessions.insert({ tokenHash: 's-0', user: 'u', createdAt: 1, lastAccessedAt: 1 });
      const layersBefore = await repos.layers.stats();
      await expect(writeEverything(ctx.store)).rejects.toThrow('abort on purpose');
      expect(await repos.meta.get('k')).toBe('before');
      expect(await repos.vms.list({ includeDeleted: true })).toEqual([vm('vm-0')]);
      expect(await repos.layers.stats()).toEqual(layersBefore);
      expect(await repos.snapshots.get('s-tx')).toBeUndefined();
      expect(await repos.snapshots.disks('s-tx')).toEqual([]);
      expect(await repos.tasks.list({}, 10)).toEqual([task('t-0')]);
      expect(await repos.groups.get('pg-tx')).toBeUndefined();
      expect(await repos.groups.lastRuns('pg-tx')).toEqual(new Map());
      expect(await repos.sessions.get('s-0')).toBeDefined();
      expect(await repos.permissions.listForPrincipal('p')).toEqual([]);
      // The store is still usable after the rollback.
      await ctx.store.transaction((tx) => tx.meta.set('k', 'after'));
      expect(await repos.meta.get('k')).toBe('after');
    });

    it('serialises transactions that take the same lock (two, then many)', async () => {
      await Promise.all([increment(ctx.store), increment(ctx.store)]);
      expect(await ctx.store.repos.meta.get('counter')).toBe('2');
      await Promise.all(Array.from({ length: 10 }, () => increment(ctx.store)));
      expect(await ctx.store.repos.meta.get('counter')).toBe('12');
    });

    it('migrate() again is a no-op that keeps the data', async () => {
      await ctx.store.repos.meta.set('k', 'kept');
      await ctx.store.repos.vms.insert(vm('vm-1'));
      const id = await ctx.store.repos.ids.next();
      await ctx.store.migrate();
      await ctx.store.migrate();
      expect(await ctx.store.repos.meta.get('k')).toBe('kept');
      expect(await ctx.store.repos.vms.list()).toEqual([vm('vm-1')]);
      expect(await ctx.store.repos.ids.next()).toBeGreaterThan(id);
      await increment(ctx.store);
    });

    describe.runIf(h.peersInProcess && h.location)('across two Store instances', () => {
      it('migrate() runs concurrently on one fresh database', async () => {
        const loc = await h.location!();
        const [a, b] = [loc.open(), loc.open()];
        await Promise.all([a.migrate(), b.migrate()]);
        await a.repos.meta.set('k', 'from a');
        expect(await b.repos.meta.get('k')).toBe('from a');
        const ids = [await a.repos.ids.next(), await b.repos.ids.next()];
        expect(ids[1]).toBeGreaterThan(ids[0]);
      });

      it('the admission lock serialises transactions of different stores', async () => {
        const loc = await h.location!();
        const [a, b] = [loc.open(), loc.open()];
        await a.migrate();
        await Promise.all([increment(a), increment(b)]);
        expect(await a.repos.meta.get('counter')).toBe('2');
        await Promise.all(Array.from({ length: 20 }, (_, i) => increment(i % 2 ? a : b)));
        expect(await b.repos.meta.get('counter')).toBe('22');
      });

      it('a committed write is visible to the other store at once', async () => {
        const loc = await h.location!();
        const [a, b] = [loc.open(), loc.open()];
        await a.migrate();
        await a.transaction((tx) => tx.vms.insert(vm('vm-a')));
        expect(await b.repos.vms.get('vm-a')).toEqual(vm('vm-a'));
      });
    });

    it('batched(): calls made together run one by one, each failure undoing only its own writes', async () => {
      const { store } = ctx;
      const seen: Array<string | undefined> = [];
      const admit = (i: number, fail = false) =>
        store.batched(async (tx) => {
          await tx.locks.acquire('admission');
          seen.push(await tx.meta.get('last'));
          await tx.meta.set('last', `call-${i}`);
          await tx.tasks.insert(task(`t-b${i}`));
          if (fail) throw new Error(`refused ${i}`);
          return i;
        });
      const results = await Promise.allSettled([admit(1), admit(2, true), admit(3), admit(4, true), admit(5)]);
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)))
        .toEqual([1, 'refused 2', 3, 'refused 4', 5]);
      // In arrival order, and a refused call's write is gone before the next one reads.
      expect(seen).toEqual([undefined, 'call-1', 'call-1', 'call-3', 'call-3']);
      expect(await store.repos.meta.get('last')).toBe('call-5');
      expect((await store.repos.tasks.list({}, 10)).map((t) => t.id).sort()).toEqual(['t-b1', 't-b3', 't-b5']);
      // Later calls open a new batch and see everything committed before.
      expect(await store.batched(async (tx) => tx.meta.get('last'))).toBe('call-5');
    });

    it('batched(): failures first, in a row and last undo only their own writes', async () => {
      const { store } = ctx;
      const seen: Array<string | undefined> = [];
      const call = (i: number, fail = false) =>
        store.batched(async (tx) => {
          seen.push(await tx.meta.get('n'));
          await tx.meta.set('n', `call-${i}`);
          await tx.tasks.insert(task(`t-f${i}`));
          if (fail) throw new Error(`refused ${i}`);
          return i;
        });
      const results = await Promise.allSettled([call(1, true), call(2, true), call(3), call(4, true), call(5, true), call(6), call(7, true)]);
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)))
        .toEqual(['refused 1', 'refused 2', 3, 'refused 4', 'refused 5', 6, 'refused 7']);
      expect(seen).toEqual([undefined, undefined, undefined, 'call-3', 'call-3', 'call-3', 'call-6']);
      expect(await store.repos.meta.get('n')).toBe('call-6');
      expect((await store.repos.tasks.list({}, 10)).map((t) => t.id).sort()).toEqual(['t-f3', 't-f6']);
    });

    it('batched(): each call is answered only once its writes are visible outside', async () => {
      const { store } = ctx;
      const done = await Promise.all([1, 2, 3].map((i) => store.batched(async (tx) => {
        await tx.meta.set(`k${i}`, 'v');
        return i;
      }).then(async (v) => [v, await store.repos.meta.get(`k${v}`)])));
      expect(done).toEqual([[1, 'v'], [2, 'v'], [3, 'v']]);
    });

    it('batched(): calls made together cost one commit', async () => {
      const statement = Object.getPrototypeOf(new Database(':memory:').prepare('select 1')) as { run: () => unknown };
      const sqliteRun = vi.spyOn(statement, 'run');
      const pgQuery = vi.spyOn(pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown }, 'query');
      try {
        await Promise.all([1, 2, 3, 4, 5].map((i) => ctx.store.batched((tx) => tx.meta.set(`c${i}`, 'v'))));
        const commits = sqliteRun.mock.instances.filter((st) => (st as { source?: string }).source === 'commit').length
          + pgQuery.mock.calls.filter((c) => c[0] === 'commit').length;
        expect(commits).toBe(1);
        // The first call of a transaction needs no savepoint: nothing before it can be lost.
        const savepoints = sqliteRun.mock.instances.filter((st) => (st as { source?: string }).source === 'savepoint batched').length
          + pgQuery.mock.calls.filter((c) => c[0] === 'savepoint batched').length;
        expect(savepoints).toBe(4);
      } finally {
        sqliteRun.mockRestore();
        pgQuery.mockRestore();
      }
    });
  });
}
