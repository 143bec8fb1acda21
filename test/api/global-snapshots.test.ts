import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, ids, makeApp, USERS, type TestApp, type Who } from '../helpers/app.ts';
import { countQueries } from '../helpers/query-count.ts';
import { expectError } from './snapshot-helpers.ts';

/** The 9.1 cross-cluster snapshot index: filters, paging, visibility, input errors, cost. */
let t: TestApp;
let I: Awaited<ReturnType<typeof ids>>;
beforeAll(async () => {
  t = await makeApp({ taskDelayMs: 1000, taskQueueMs: 0 });
  I = await ids(t);
});
afterAll(() => t.close());

const LIST = '/api/snapservice/virtual-machines/snapshots';

const list = async (query = '', as: Who = 'admin') => {
  const res = await t.req({ method: 'GET', url: `${LIST}${query ? `?${query}` : ''}`, as });
  expect(res.statusCode, res.payload).toBe(200);
  return res.json() as { snapshots: any[]; total_count: number };
};
const names = (r: { snapshots: any[] }) => r.snapshots.map((s) => s.snapshot);

describe('GET /api/snapservice/virtual-machines/snapshots', () => {
  it('lists every VM snapshot of every cluster by creation time then id, with a total', async () => {
    const stored = await t.runtime.deps.store.repos.snapshots.list({});
    const all = await list();
    expect(all.total_count).toBe(stored.length);
    expect(names(all)).toEqual(stored.map((s) => s.id));
    const first = all.snapshots[0];
    const vm = I.vms.find((v) => v.id === first.vm)!;
    expect(first).toEqual({
      name: 'daily-1', snapshot: stored[0].id, vm: vm.id, vm_bios_uuid: vm.biosUuid,
      creation_time: expect.stringMatching(/^2026-11-25T09:00:00\.000Z$/), snapshot_type: 'ONE_TIME', labels: [],
    });
    expect(new Set(all.snapshots.map((s) => s.vm)).size).toBe(I.vms.length);
  });

  it('pages with page_size and offset; past the end is an empty page with the total', async () => {
    const all = names(await list());
    const p1 = await list('page_size=5');
    const p2 = await list('page_size=5&offset=5');
    expect([...names(p1), ...names(p2)]).toEqual(all.slice(0, 10));
    expect(p2.total_count).toBe(all.length);
    expect(await list(`offset=${all.length}`)).toEqual({ snapshots: [], total_count: all.length });
    // The vAPI REST client sends structure members prefixed too.
    expect(names(await list('iterate.page_size=2&iterate.offset=1'))).toEqual(all.slice(1, 3));
  });

  it('filters by cluster, BIOS UUID, snapshot id and creation time (AND); empty filters match all', async () => {
    const stored = await t.runtime.deps.store.repos.snapshots.list({});
    const inB = stored.filter((s) => s.clusterId === I.clusterB).map((s) => s.id);
    expect(names(await list(`clusters=${I.clusterB}`))).toEqual(inB);
    expect(names(await list(`clusters=${I.clusterB}&clusters=domain-c999`))).toEqual(inB);
    expect((await list('clusters=domain-c999')).total_count).toBe(0);
    const vm = I.vms.find((v) => v.name === 'web-01')!;
    const ofVm = stored.filter((s) => s.vmId === vm.id).map((s) => s.id);
    expect(names(await list(`vm_bios_uuids=${vm.biosUuid}`))).toEqual(ofVm);
    expect(names(await list(`vm_bios_uuids=${vm.biosUuid}&clusters=${I.clusterB}`))).toEqual([]);
    expect(names(await list(`snapshots=${ofVm[1]}&snapshots=${ofVm[0]}&snapshots=nope`))).toEqual(ofVm);
    const cut = stored[0].createdAt;
    const after = await list(`created_after=${new Date(cut).toISOString()}`);
    expect(after.snapshots.every((s) => s.name === 'daily-2')).toBe(true);
    expect(names(await list(`created_before=${new Date(cut + 1).toISOString().replace('Z', '%2B00:00')}`))).toEqual(stored.filter((s) => s.createdAt === cut).map((s) => s.id));
    expect((await list('filter.created_after=2026-11-24T09:00:00Z&created_before=2026-11-24T10:00:00Z')).total_count).toBe(0);
  });

  it('snapshots_per_vm keeps each VM\'s newest snapshots', async () => {
    const r = await list('snapshots_per_vm=1');
    expect(r.total_count).toBe(I.vms.length);
    expect(r.snapshots.every((s) => s.name === 'daily-2')).toBe(true);
    expect((await list('snapshots_per_vm=1&page_size=3')).total_count).toBe(I.vms.length);
  });

  it('a caller sees only the snapshots of VMs they may read', async () => {
    const op = await list('', 'operator');
    const inA = new Set(I.vms.filter((v) => v.clusterId === I.clusterA).map((v) => v.id));
    expect(op.total_count).toBeGreaterThan(0);
    expect(op.snapshots.every((s) => inA.has(s.vm))).toBe(true);
    expect(op.total_count).toBe(inA.size * 2);
    expect((await list(`clusters=${I.clusterB}`, 'operator')).total_count).toBe(0);
    expect((await list('', 'readonly')).total_count).toBe((await list()).total_count);
  });

  it('401 without credentials', async () => {
    expectError(await t.req({ method: 'GET', url: LIST, as: null }), 401, 'UNAUTHENTICATED');
    expectError(await t.req({ method: 'GET', url: `${LIST}?page_size=0`, headers: { authorization: basic(USERS.admin.user, 'wrong') }, as: null }), 401, 'UNAUTHENTICATED');
  });

  it('400 INVALID_ARGUMENT naming the field for out-of-range or malformed input', async () => {
    const bad = async (q: string, field: string) =>
      expectError(await t.req({ method: 'GET', url: `${LIST}?${q}` }), 400, 'INVALID_ARGUMENT', field);
    await bad('page_size=0', 'page_size');
    await bad('page_size=1001', 'page_size');
    await bad('page_size=abc', 'page_size');
    await bad('offset=-1', 'offset');
    await bad('offset=1e300', 'offset');
    await bad('snapshots_per_vm=0', 'snapshots_per_vm');
    await bad('created_after=yesterday', 'created_after');
    await bad('created_before=2026-13-01T00:00:00Z', 'created_before');
    await bad('labels=x', 'labels');
    expectError(await t.req({ method: 'GET', url: LIST, payload: { page_size: 'x' } }), 400, 'INVALID_ARGUMENT', 'page_size');
    expectError(await t.req({ method: 'GET', url: LIST, payload: { nope: 1 } }), 400, 'INVALID_ARGUMENT', 'nope');
    expectError(await t.req({ method: 'GET', url: LIST, payload: '{"iterate":', headers: { 'content-type': 'application/json' } }), 400, 'INVALID_ARGUMENT', 'body');
  });

  it('reads a GET body as the query input, as the vAPI runtime may send it', async () => {
    const all = names(await list());
    const res = await t.req({ method: 'GET', url: LIST, payload: { iterate: { page_size: 2 }, filter: { snapshots_per_vm: 2 } } });
    expect(res.statusCode, res.payload).toBe(200);
    expect(res.json().snapshots.map((s: any) => s.snapshot)).toEqual(all.slice(0, 2));
  });
});

describe('cost of the listing', () => {
  const counter = countQueries();
  afterAll(() => counter.restore());

  async function costs(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const who of ['admin', 'operator'] as const) {
      for (const q of ['page_size=5', 'page_size=1000', 'page_size=1000&snapshots_per_vm=3&clusters=x']) {
        const auth = basic(USERS[who].user, USERS[who].password);
        const { result, queries } = await counter.during(() => t.app.inject({ method: 'GET', url: `${LIST}?${q}`, headers: { authorization: auth } }));
        expect(result.statusCode, result.payload).toBe(200);
        out[`${who} ${q}`] = queries;
      }
    }
    return out;
  }

  it('is a constant number of queries whatever the page size or the number of snapshots', async () => {
    await costs(); // warms the caches (verified passwords, roles)
    const small = await costs();
    const repos = t.runtime.deps.store.repos;
    const base = (await repos.snapshots.list({}))[0];
    await t.runtime.deps.store.transaction(async (tx) => {
      for (const vm of I.vms) {
        for (let i = 0; i < 40; i++) {
          const id = randomUUID();
          await tx.snapshots.insert({ ...base, id, vmId: vm.id, clusterId: vm.clusterId!, name: `extra-${i}`, createdAt: base.createdAt + i }, []);
          await tx.labels.add(id, { category: 'bulk', name: `n-${i % 3}` });
        }
      }
    });
    const large = await costs();
    expect(large).toEqual(small);
    for (const n of Object.values(small)) expect(n).toBeLessThanOrEqual(8);
    const big = await list('page_size=1000');
    expect(big.total_count).toBe(I.vms.length * 42);
    expect(big.snapshots).toHaveLength(I.vms.length * 42);
    expect(big.snapshots.find((s) => s.name === 'extra-4').labels).toEqual([{ category: 'bulk', name: 'n-1' }]);
  });
});
