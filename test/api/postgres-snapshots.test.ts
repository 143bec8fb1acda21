import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable, scratchDatabase } from '../store-contract/pg-harness.ts';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';

/** The 9.1 snapshot index, its tasks and labels on the PostgreSQL adapter, end to end. */
const available = await postgresAvailable();
if (!available) console.warn('PostgreSQL snapshot index test skipped: no server reachable (see test/store-contract/pg-harness.ts)');

describe.skipIf(!available)('global VM snapshots on PostgreSQL', () => {
  let t: TestApp;
  let db: Awaited<ReturnType<typeof scratchDatabase>> | undefined;
  let I: Awaited<ReturnType<typeof ids>>;
  beforeAll(async () => {
    db = await scratchDatabase('snaps');
    t = await makeApp({ store: db.url.toString(), seed: 'demo', taskDelayMs: 1000, taskQueueMs: 0 });
    I = await ids(t);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const LIST = '/api/snapservice/virtual-machines/snapshots';
  const get = async (q: string, as: 'admin' | 'operator' = 'admin') => {
    const res = await t.req({ method: 'GET', url: `${LIST}?${q}`, as });
    expect(res.statusCode, res.payload).toBe(200);
    return res.json();
  };

  it('lists, pages and filters as on SQLite', async () => {
    const stored = await t.runtime.deps.store.repos.snapshots.list({});
    const all = await get('page_size=1000');
    expect(all.total_count).toBe(stored.length);
    expect(all.snapshots.map((s: any) => s.snapshot)).toEqual(stored.map((s) => s.id));
    const perVm = await get(`snapshots_per_vm=1&clusters=${I.clusterB}&page_size=3&offset=1`);
    expect(perVm.total_count).toBe(I.vms.filter((v) => v.clusterId === I.clusterB).length);
    expect(perVm.snapshots).toHaveLength(3);
    const op = await get('page_size=1000', 'operator');
    expect(op.snapshots.every((s: any) => I.vms.find((v) => v.id === s.vm)?.clusterId === I.clusterA)).toBe(true);
    expect(all.snapshots.some((s: any) => s.labels.length > 0)).toBe(true);
  });

  it('labels and deletes through the task runner', async () => {
    const s = (await t.runtime.deps.store.repos.snapshots.list({ vmId: I.vm('app-01') }))[0];
    const one = `${LIST}/${s.id}`;
    const run = async (method: 'PUT' | 'DELETE', url: string, payload?: object) => {
      const res = await t.req({ method, url, ...(payload ? { payload } : {}) });
      expect(res.statusCode, res.payload).toBe(202);
      await t.advance(1001);
      return (await t.req({ method: 'GET', url: `/api/snapservice/tasks/${res.json()}` })).json();
    };
    expect((await run('PUT', `${one}?action=set-labels&vmw-task=true`, { category: 'tier', names: ['b', 'a'] })).status).toBe('SUCCEEDED');
    expect((await get(`snapshots=${s.id}`)).snapshots[0].labels).toEqual([{ category: 'tier', name: 'a' }, { category: 'tier', name: 'b' }]);
    expect((await run('DELETE', `${one}?vmw-task=true`)).status).toBe('SUCCEEDED');
    expect((await get(`snapshots=${s.id}`)).total_count).toBe(0);
    expect((await t.runtime.deps.store.repos.labels.of([s.id])).get(s.id)).toEqual([]);
  });
});
