import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';
import { call, callError, O, S, userPass } from '../jsonrpc/client.ts';
import { addUser } from './vcenter-helpers.ts';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { countQueries } from '../helpers/query-count.ts';
import { ADMIN_URL, postgresAvailable } from '../store-contract/pg-harness.ts';

const H = 3600_000;
const DAY = 24 * H;
let t: TestApp;
let I: Awaited<ReturnType<typeof ids>>;
beforeEach(async () => {
  t = await makeApp({ taskDelayMs: 0, taskQueueMs: 0 });
  I = await ids(t);
});
afterEach(() => t.close());

const R = () => `/api/snapservice/reports/clusters/${I.clusterA}`;
const hourly = { name: 'hourly', schedule: { unit: 'HOUR', interval: 1 }, retention: { unit: 'DAY', duration: 1 } };

async function createGroup(spec: Record<string, unknown>): Promise<string> {
  const res = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/protection-groups?vmw-task=true`, payload: spec });
  expect(res.statusCode, res.payload).toBe(202);
  await t.advance(0);
  return (await t.req({ method: 'GET', url: `/api/snapservice/tasks/${res.json()}` })).json().result;
}

async function get(url: string, as: 'admin' | 'readonly' | null = 'admin') {
  const res = await t.req({ method: 'GET', url, as });
  expect(res.statusCode, res.payload).toBe(200);
  return res.json();
}

function expectError(res: { statusCode: number; json(): any }, status: number, kind: string, text?: string) {
  expect(res.statusCode, JSON.stringify(res.json())).toBe(status);
  expect(res.json().error_type).toBe(kind);
  if (text) expect(JSON.stringify(res.json().messages)).toContain(text);
}

async function deleteVm(id: string) {
  await t.req({ method: 'POST', url: `/api/vcenter/vm/${id}/power?action=stop` });
  expect((await t.req({ method: 'DELETE', url: `/api/vcenter/vm/${id}` })).statusCode).toBe(204);
}

describe('snapshot reports', () => {
  it('report every scheduled attempt of a group and its VMs, paged in creation order', async () => {
    const start = t.clock.now();
    const pg = await createGroup({ name: 'web', target_entities: { vm_name_patterns: ['web-*'] }, snapshot_policies: [hourly] });
    await t.advance(3 * H);

    const all = await get(`${R()}/protection-groups/snapshots`);
    expect(all.total_count).toBe(3);
    expect(all.snapshots.map((s: any) => s.creation_time)).toEqual([1, 2, 3].map((k) => new Date(start + k * H).toISOString()));
    const live = (await get(`/api/snapservice/clusters/${I.clusterA}/protection-groups/${pg}/snapshots`)).snapshots.map((s: any) => s.snapshot);
    expect(all.snapshots.map((s: any) => s.snapshot)).toEqual(live);
    expect(all.snapshots[0]).toEqual({
      pg, name: expect.stringMatching(/^web-hourly-/), snapshot: live[0], status: 'SUCCESS', creation_time: new Date(start + H).toISOString(),
      expiration_time: new Date(start + H + DAY).toISOString(), snapshot_type: 'SCHEDULED', deleted: false,
    });

    const page = await get(`${R()}/protection-groups/snapshots?page_size=2&offset=2`);
    expect(page).toEqual({ snapshots: [all.snapshots[2]], total_count: 3 });
    expect(await get(`${R()}/protection-groups/snapshots?iterate.page_size=1&offset=9`)).toEqual({ snapshots: [], total_count: 3 });
    expect((await get(`${R()}/protection-groups/snapshots?pgs=${pg}&pgs=other`)).total_count).toBe(3);
    expect((await get(`${R()}/protection-groups/snapshots?pgs=other`)).total_count).toBe(0);
    const window = `start_time=${new Date(start + 2 * H).toISOString()}&end_time=${new Date(start + 3 * H).toISOString()}`;
    expect((await get(`${R()}/protection-groups/snapshots?${window}`)).total_count).toBe(2);

    const vms = await get(`${R()}/virtual-machines/snapshots?page_size=1000`);
    expect(vms.total_count).toBe(9);
    expect(vms.snapshots[0]).toMatchObject({ pg, pg_snapshot: live[0], status: 'SUCCESS', snapshot_type: 'SCHEDULED', deleted: false });
    expect((await get(`${R()}/virtual-machines/snapshots?vms=${I.vm('web-01')}`)).total_count).toBe(3);

    expect(await get(`${R()}/protection-groups/snapshot-status-counts?aggregateBy=protection-group`))
      .toEqual({ items: [{ pg, info: { success_count: 3, warning_count: 0, error_count: 0 } }] });
    const byVm = await get(`${R()}/virtual-machines/snapshot-status-counts?aggregateBy=virtual-machine`);
    expect(byVm.items).toHaveLength(3);
    expect(byVm.items[0].info).toEqual({ success_count: 3, error_count: 0 });

    // A day's range is cut into hours; the default 90 days into days.
    const day = await get(`${R()}/protection-groups/snapshot-status-counts?aggregateBy=time-slice&start_time=${new Date(start).toISOString()}&end_time=${new Date(start + DAY).toISOString()}`);
    expect(day.items).toHaveLength(24);
    expect(day.items.slice(0, 4).map((s: any) => s.info.success_count)).toEqual([0, 1, 1, 1]);
    expect(day.items[1]).toEqual({ start_time: new Date(start + H).toISOString(), end_time: new Date(start + 2 * H).toISOString(), info: { success_count: 1, warning_count: 0, error_count: 0 } });
    const quarter = await get(`${R()}/virtual-machines/snapshot-status-counts?aggregateBy=time-slice`);
    expect(quarter.items).toHaveLength(90);
    expect(quarter.items.at(-1).end_time).toBe(new Date(t.clock.now()).toISOString());
    expect(quarter.items.at(-1).info).toEqual({ success_count: 9, error_count: 0 });
  });

  it('record a member VM deleted from the inventory, and one at its snapshot limit, as failures', async () => {
    const [web1, web2] = [I.vm('web-01'), I.vm('web-02')];
    // One more snapshot for web-01 than the demo gave it, then the limit.
    t.runtime.deps.config.limits.snapshotsPerVm = (await t.runtime.deps.store.repos.snapshots.countForVm(web1)) + 1;
    const pg = await createGroup({ name: 'pair', target_entities: { vms: [web1, web2] }, snapshot_policies: [hourly] });
    await deleteVm(web2);
    await t.advance(H);
    const [first] = (await get(`${R()}/protection-groups/snapshots`)).snapshots;
    expect(first).toMatchObject({ pg, status: 'WARNING', snapshot_type: 'SCHEDULED', deleted: false });
    expect(first.warnings).toHaveLength(1);
    expect(first.warnings[0].messages[0]).toMatchObject({ id: 'com.vmware.snapservice.pg.snapshot.vm_gone', args: [web2, I.clusterA] });
    const failed = (await get(`${R()}/virtual-machines/snapshots?vms=${web2}`)).snapshots;
    expect(failed).toEqual([{
      name: first.name, pg_snapshot: first.snapshot, pg, vm: web2, status: 'ERROR', error: first.warnings[0],
      creation_time: first.creation_time, snapshot_type: 'SCHEDULED', deleted: true,
    }]);

    // web-01 now holds its one allowed snapshot: the next run fails for every member.
    await t.advance(H);
    const second = (await get(`${R()}/protection-groups/snapshots`)).snapshots[1];
    expect(second.status).toBe('ERROR');
    expect(second.snapshot).toBeUndefined();
    expect(second.snapshot_type).toBeUndefined();
    expect(second.errors.map((e: any) => e.messages[0].id)).toEqual(['com.vmware.snapservice.vm.snapshot_limit', 'com.vmware.snapservice.pg.snapshot.vm_gone']);
    expect(await get(`${R()}/protection-groups/snapshot-status-counts?aggregateBy=protection-group`))
      .toEqual({ items: [{ pg, info: { success_count: 0, warning_count: 1, error_count: 1 } }] });
    expect((await get(`${R()}/virtual-machines/snapshot-status-counts?aggregateBy=virtual-machine`)).items)
      .toEqual([{ vm: web1, info: { success_count: 1, error_count: 1 } }, { vm: web2, info: { success_count: 0, error_count: 2 } }].sort((a, b) => (a.vm < b.vm ? -1 : 1)));

    const vmList = (await get(`${R()}/virtual-machines`)).items;
    expect(vmList.find((v: any) => v.vm === web2)).toEqual({ vm: web2, info: { name: 'web-02', deleted: true, exists: false } });
    expect(vmList.find((v: any) => v.vm === web1)).toEqual({ vm: web1, info: { name: 'web-01', deleted: false, exists: true } });
  });

  it('record a scheduled run whose transaction fails as one failed attempt, and go on at the next run', async () => {
    const pg = await createGroup({ name: 'web', target_entities: { vm_name_patterns: ['web-*'] }, snapshot_policies: [hourly] });
    const store = t.runtime.deps.store;
    const real = store.transaction.bind(store);
    let armed = true;
    const spy = vi.spyOn(store, 'transaction').mockImplementation((fn: any) => real(async (tx) => {
      const out = await fn(tx);
      if (armed && (await tx.groupSnapshots.list(pg)).length > 0) {
        armed = false;
        throw new Error('simulated write failure');
      }
      return out;
    }));
    await t.advance(H);
    spy.mockRestore();
    await t.advance(H);
    const { snapshots } = await get(`${R()}/protection-groups/snapshots`);
    expect(snapshots.map((s: any) => s.status)).toEqual(['ERROR', 'SUCCESS']);
    expect(snapshots[0]).toMatchObject({ pg, deleted: true, errors: [{ messages: [{ id: 'com.vmware.snapservice.snapshot.failed' }] }] });
    expect(snapshots[0].snapshot).toBeUndefined();
    expect((await get(`/api/snapservice/clusters/${I.clusterA}/protection-groups/${pg}/snapshots`)).snapshots).toHaveLength(1);
  });

  it('record a one-time snapshot whose transaction fails as a failed attempt of a failed task', async () => {
    const pg = await createGroup({ name: 'web', target_entities: { vm_name_patterns: ['web-*'] }, snapshot_policies: [] });
    const store = t.runtime.deps.store;
    const real = store.transaction.bind(store);
    const spy = vi.spyOn(store, 'transaction').mockImplementation((fn: any) => real(async (tx) => {
      const out = await fn(tx);
      if ((await tx.groupSnapshots.list(pg)).length > 0) throw new Error('simulated write failure');
      return out;
    }));
    try {
      const res = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/protection-groups/${pg}/snapshots?vmw-task=true`, payload: { name: 'manual' } });
      expect(res.statusCode, res.payload).toBe(202);
      await t.advance(0);
      expect((await get(`/api/snapservice/tasks/${res.json()}`)).status).toBe('FAILED');
    } finally {
      spy.mockRestore();
    }
    const { snapshots } = await get(`${R()}/protection-groups/snapshots`);
    expect(snapshots).toEqual([{
      pg, name: 'manual', status: 'ERROR', creation_time: expect.any(String), deleted: true,
      errors: [{ messages: [expect.objectContaining({ id: 'com.vmware.snapservice.snapshot.failed' })] }],
    }]);
    const [recorded] = (await store.repos.history.page({ clusterId: I.clusterA, kind: 'PG', from: 0, to: t.clock.now() }, 10, 0)).items;
    expect(recorded).toMatchObject({ type: 'ONE_TIME', snapshotId: null, pgName: 'web' });
  });

  it('keep groups deleted since, with their names and history, and purge history past the retention', async () => {
    await t.close();
    t = await makeApp({ taskDelayMs: 0, taskQueueMs: 0, reportRetentionMs: 3 * H });
    I = await ids(t);
    const pg = await createGroup({ name: 'gone', target_entities: { vm_name_patterns: ['web-*'] }, snapshot_policies: [hourly] });
    const kept = await createGroup({ name: 'kept', target_entities: { vm_name_patterns: ['db-*'] }, snapshot_policies: [] });
    await t.advance(2 * H);
    const del = await t.req({ method: 'DELETE', url: `/api/snapservice/clusters/${I.clusterA}/protection-groups/${pg}?vmw-task=true&force=true` });
    expect(del.statusCode, del.payload).toBe(202);
    await t.advance(0);
    expect((await get(`${R()}/protection-groups`)).items).toEqual([
      { pg: kept, info: { name: 'kept', deleted: false, status: 'ACTIVE' } },
      { pg, info: { name: 'gone', deleted: true } },
    ]);
    const { snapshots } = await get(`${R()}/protection-groups/snapshots`);
    expect(snapshots.map((s: any) => [s.status, s.deleted])).toEqual([['SUCCESS', true], ['SUCCESS', true]]);

    await t.advance(2 * H + 60_000); // the first attempt is now older than 3 hours
    expect((await get(`${R()}/protection-groups/snapshots?start_time=2000-01-01T00:00:00Z`)).total_count).toBe(1);
    await t.advance(H);
    expect((await get(`${R()}/protection-groups`)).items).toEqual([{ pg: kept, info: { name: 'kept', deleted: false, status: 'ACTIVE' } }]);
  });

  it('record one-time group snapshots, snapshots of a single VM and the system snapshot before a revert too', async () => {
    const pg = await createGroup({ name: 'db', target_entities: { vm_name_patterns: ['db-*'] }, snapshot_policies: [] });
    const res = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/protection-groups/${pg}/snapshots?vmw-task=true`, payload: { name: 'before-upgrade' } });
    expect(res.statusCode, res.payload).toBe(202);
    await t.advance(0);
    const [one] = (await get(`${R()}/protection-groups/snapshots`)).snapshots;
    expect(one).toMatchObject({ pg, name: 'before-upgrade', snapshot_type: 'ONE_TIME', status: 'SUCCESS' });
    expect(one.expiration_time).toBeUndefined();
    const history = await t.runtime.deps.store.repos.history.page({ clusterId: I.clusterA, kind: 'VM', from: 0, to: t.clock.now() }, 100, 0);
    const mine = history.items.filter((a) => a.pgId === pg);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((a) => a.pgSnapshotId === one.snapshot && a.pgName === 'db')).toBe(true);

    const db1 = I.vm('db-01');
    const manual = await t.req({ method: 'POST', url: `/api/sim/vms/${db1}/snapshots`, payload: { name: 'by hand' } });
    expect(manual.statusCode, manual.payload).toBe(201);
    const all = await t.runtime.deps.store.repos.history.page({ clusterId: I.clusterA, kind: 'VM', from: 0, to: t.clock.now() }, 100, 0);
    expect(all.items.find((a) => a.name === 'by hand')).toMatchObject({ vmId: db1, pgId: null, name: 'by hand', type: 'ONE_TIME', status: 'SUCCESS', live: true });
    // Reports of VM snapshots are about group members (the vendor requires pg and pg_snapshot).
    expect((await get(`${R()}/virtual-machines/snapshots?vms=${db1}`)).total_count).toBe(1);

    const revert = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${db1}?action=revert&vmw-task=true`, payload: { snapshot: manual.json() } });
    expect(revert.statusCode, revert.payload).toBe(202);
    await t.advance(60_000);
    const task = (await get(`/api/snapservice/tasks/${revert.json()}`));
    expect(task.status, JSON.stringify(task)).toBe('SUCCEEDED');
    const after = await t.runtime.deps.store.repos.history.page({ clusterId: I.clusterA, kind: 'VM', from: 0, to: t.clock.now(), vmIds: [db1] }, 100, 0);
    expect(after.items.find((a) => a.type === 'SYSTEM_CREATED')).toMatchObject({ type: 'SYSTEM_CREATED', name: 'system snapshot before revert to by hand', status: 'SUCCESS', pgId: null, live: true });
  });
});

describe('report errors', () => {
  const urls = () => [
    `${R()}/protection-groups`, `${R()}/virtual-machines`, `${R()}/protection-groups/snapshots`, `${R()}/virtual-machines/snapshots`,
    `${R()}/protection-groups/snapshot-status-counts?aggregateBy=time-slice`, `${R()}/protection-groups/snapshot-status-counts?aggregateBy=protection-group`,
    `${R()}/virtual-machines/snapshot-status-counts?aggregateBy=time-slice`, `${R()}/virtual-machines/snapshot-status-counts?aggregateBy=virtual-machine`,
  ];

  it('401 without credentials, 404 for an unknown cluster, 403 without System.Read on it', async () => {
    const dc = (await t.runtime.deps.store.repos.inventory.listDatacenters())[0].id;
    const noRead = await addUser(t, [{ on: dc, privileges: ['System.View'] }]);
    for (const url of urls()) {
      expectError(await t.req({ method: 'GET', url, as: null }), 401, 'UNAUTHENTICATED');
      expectError(await t.req({ method: 'GET', url: url.replace(I.clusterA, 'domain-c999') }), 404, 'NOT_FOUND', 'domain-c999');
      expectError(await t.req({ method: 'GET', url, as: null, headers: { authorization: noRead } }), 403, 'UNAUTHORIZED', 'System.Read');
      expect((await t.req({ method: 'GET', url, as: 'readonly' })).statusCode).toBe(200);
    }
  });

  it('400 for a bad time range, page, id set or unknown parameter; 404 for an unknown aggregation', async () => {
    const q = (url: string, extra: string) => `${url}${url.includes('?') ? '&' : '?'}${extra}`;
    for (const url of urls().slice(2)) {
      expectError(await t.req({ method: 'GET', url: q(url, 'start_time=2026-11-27T10:00:00Z&end_time=2026-11-27T09:00:00Z') }), 400, 'INVALID_ARGUMENT', 'filter.start_time');
      expectError(await t.req({ method: 'GET', url: q(url, 'start_time=yesterday') }), 400, 'INVALID_ARGUMENT', 'start_time');
      expectError(await t.req({ method: 'GET', url: q(url, 'end_time=2026-13-01T00:00:00Z') }), 400, 'INVALID_ARGUMENT', 'end_time');
      expectError(await t.req({ method: 'GET', url: q(url, 'bogus=1') }), 400, 'INVALID_ARGUMENT', 'bogus');
    }
    for (const url of [`${R()}/protection-groups/snapshots`, `${R()}/virtual-machines/snapshots`]) {
      for (const bad of ['page_size=0', 'page_size=1001', 'page_size=ten', 'offset=-1', 'offset=1.5']) {
        expectError(await t.req({ method: 'GET', url: `${url}?${bad}` }), 400, 'INVALID_ARGUMENT', bad.split('=')[0]);
      }
    }
    expectError(await t.req({ method: 'GET', url: `${R()}/protection-groups/snapshots?pgs=a&pgs=a` }), 400, 'INVALID_ARGUMENT', 'pgs');
    expectError(await t.req({ method: 'GET', url: `${R()}/virtual-machines/snapshots`, payload: '{"vms": [', headers: { 'content-type': 'application/json' } }), 400, 'INVALID_ARGUMENT');
    expectError(await t.req({ method: 'GET', url: `${R()}/protection-groups/snapshot-status-counts` }), 404, 'OPERATION_NOT_FOUND', 'aggregateBy');
    expectError(await t.req({ method: 'GET', url: `${R()}/virtual-machines/snapshot-status-counts?aggregateBy=protection-group` }), 404, 'OPERATION_NOT_FOUND', 'aggregateBy');
    expectError(await t.req({ method: 'GET', url: `${R()}/virtual-machines/snapshot-status-counts?aggregateBy=time-slice&aggregateBy=time-slice` }), 400, 'INVALID_REQUEST', 'aggregateBy');
  });

  it('take the 9.1 replication filter from 9.1 on; replication reports are empty here', async () => {
    expect(await get(`${R()}/protection-groups?replication=true`)).toEqual({ items: [] });
    expect((await get(`${R()}/virtual-machines?replication=false`)).items.length).toBeGreaterThan(0);
    expectError(await t.req({ method: 'GET', url: `${R()}/virtual-machines?replication=maybe` }), 400, 'INVALID_ARGUMENT', 'replication');
    await t.close();
    t = await makeApp({ release: '9.0' });
    I = await ids(t);
    expectError(await t.req({ method: 'GET', url: `${R()}/protection-groups?replication=true` }), 400, 'INVALID_ARGUMENT', 'replication');
    const item = (await get(`${R()}/virtual-machines`)).items[0];
    expect(Object.keys(item.info).sort()).toEqual(['deleted', 'name']);
  });
});

describe('reports over JSON-RPC', () => {
  it('answers each of the eight operations, errors included', async () => {
    const pg = await createGroup({ name: 'web', target_entities: { vm_name_patterns: ['web-*'] }, snapshot_policies: [hourly] });
    await t.advance(H);
    const NS = 'com.vmware.snapservice.reports.clusters';
    const admin = userPass('admin');
    const cluster = I.clusterA;
    expect((await call(t, `${NS}.protection_groups`, 'list', { cluster, filter: O() }, admin)).items[0].pg).toBe(pg);
    expect((await call(t, `${NS}.virtual_machines`, 'list', { cluster }, admin)).items.length).toBeGreaterThan(2);
    const pgFilter = O(S(`${NS}.protection_groups.snapshots.filter_spec`, { pgs: O([pg]), start_time: O(), end_time: O() }));
    const page = await call(t, `${NS}.protection_groups.snapshots`, 'list', {
      cluster, filter: pgFilter, iterate: O(S(`${NS}.protection_groups.snapshots.iteration_spec`, { page_size: O(1), offset: O(0) })),
    }, admin);
    expect(page.total_count).toBe(1);
    expect(page.snapshots[0].status).toBe('SUCCESS');
    expect((await call(t, `${NS}.protection_groups.snapshots`, 'list_status_aggregated_by_time_slice', { cluster, filter: pgFilter }, admin)).items).toHaveLength(90);
    expect((await call(t, `${NS}.protection_groups.snapshots`, 'list_status_aggregated_by_protection_group', { cluster }, admin)).items[0].info.success_count).toBe(1);
    expect((await call(t, `${NS}.virtual_machines.snapshots`, 'list', { cluster }, admin)).total_count).toBe(3);
    expect((await call(t, `${NS}.virtual_machines.snapshots`, 'list_status_aggregated_by_time_slice', { cluster }, admin)).items.at(-1).info.success_count).toBe(3);
    expect((await call(t, `${NS}.virtual_machines.snapshots`, 'list_status_aggregated_by_virtual_machine', { cluster }, admin)).items).toHaveLength(3);
    await callError(t, `${NS}.virtual_machines.snapshots`, 'list', { cluster: 'domain-c999' }, admin, 'NOT_FOUND');
    await callError(t, `${NS}.protection_groups.snapshots`, 'list', {
      cluster, iterate: O(S(`${NS}.protection_groups.snapshots.iteration_spec`, { page_size: O(0), offset: O() })),
    }, admin, 'INVALID_ARGUMENT');
    await callError(t, `${NS}.protection_groups`, 'list', { cluster }, undefined, 'UNAUTHENTICATED');
  });
});

const pgUp = await postgresAvailable();

/** Statements per report with 2 hours of history, then with 22: the same. */
async function compareCosts(): Promise<void> {
  const counter = countQueries();
  try {
    await createGroup({ name: 'web', target_entities: { vm_name_patterns: ['web-*'] }, snapshot_policies: [hourly] });
    await createGroup({ name: 'db', target_entities: { vm_name_patterns: ['db-*'] }, snapshot_policies: [hourly] });
    const urls = [
      `${R()}/protection-groups`, `${R()}/virtual-machines`, `${R()}/protection-groups/snapshots?page_size=1000`,
      `${R()}/virtual-machines/snapshots?page_size=1000`, `${R()}/protection-groups/snapshot-status-counts?aggregateBy=time-slice`,
      `${R()}/protection-groups/snapshot-status-counts?aggregateBy=protection-group`,
      `${R()}/virtual-machines/snapshot-status-counts?aggregateBy=time-slice`,
      `${R()}/virtual-machines/snapshot-status-counts?aggregateBy=virtual-machine`,
    ];
    const cost = async () => {
      const out: number[] = [];
      for (const url of urls) out.push((await counter.during(() => get(url, 'readonly'))).queries);
      return out;
    };
    await t.advance(2 * H);
    await cost(); // warms the caches (verified passwords, roles)
    const small = await cost();
    expect(small.every((n) => n > 0)).toBe(true);
    await t.advance(20 * H);
    expect((await get(`${R()}/virtual-machines/snapshots`)).total_count).toBeGreaterThan(60);
    expect(await cost()).toEqual(small);
  } finally {
    counter.restore();
  }
}

describe('report cost does not grow with history', () => {
  it('on SQLite', compareCosts);

  it.skipIf(!pgUp)('on PostgreSQL', async () => {
    const db = `snapservice_reports_${randomBytes(4).toString('hex')}`;
    const admin = async (sql: string) => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(sql).finally(() => c.end());
    };
    await admin(`create database "${db}"`);
    const url = new URL(ADMIN_URL);
    url.pathname = `/${db}`;
    await t.close();
    t = await makeApp({ taskDelayMs: 0, taskQueueMs: 0, store: url.toString() });
    I = await ids(t);
    try {
      await compareCosts();
    } finally {
      await t.close();
      t = await makeApp();
      await admin(`drop database if exists "${db}" with (force)`);
    }
  });
});

describe('the demo seed', () => {
  it('gives the reports days of history, some of it failed, from the first call', async () => {
    await t.close();
    t = await makeApp({ seed: 'demo' });
    I = await ids(t);
    const counts = (await get(`${R()}/protection-groups/snapshot-status-counts?aggregateBy=protection-group`)).items;
    expect(counts).toHaveLength(2);
    const total = counts.reduce((sum: number, c: any) => sum + c.info.success_count + c.info.warning_count + c.info.error_count, 0);
    expect(total).toBeGreaterThan(70);
    expect(counts.some((c: any) => c.info.warning_count > 0)).toBe(true);
    expect(counts.some((c: any) => c.info.error_count > 0)).toBe(true);
    const { snapshots } = await get(`${R()}/protection-groups/snapshots?page_size=1000`);
    expect(snapshots.filter((s: any) => !s.deleted).length).toBeGreaterThan(0);
    expect(snapshots.filter((s: any) => s.deleted).length).toBeGreaterThan(0);
    const bySlice = (await get(`${R()}/virtual-machines/snapshot-status-counts?aggregateBy=time-slice`)).items;
    expect(bySlice.filter((s: any) => s.info.success_count > 0).length).toBeGreaterThanOrEqual(3);
  });
});
