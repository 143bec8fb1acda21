import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { countQueries } from '../helpers/query-count.ts';
import { call, callError, O, S, userPass } from '../jsonrpc/client.ts';
import { ADMIN_URL, postgresAvailable } from '../store-contract/pg-harness.ts';
import { createGroup, expectError, get, H, hourly, I, R, restart, t, useReportsApp } from './reports-helpers.ts';
import { addUser } from './vcenter-helpers.ts';

useReportsApp();

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

  it('leave out VMs the caller may not read, from lists, pages and counts alike', async () => {
    await createGroup({ name: 'web', target_entities: { vm_name_patterns: ['web-*'] }, snapshot_policies: [hourly] });
    await t.advance(H);
    const hidden = I.vm('web-02');
    const auth = await addUser(t, [{ on: I.clusterA, privileges: ['System.Read'] }, { on: hidden, privileges: [] }]);
    const as = (url: string) => t.req({ method: 'GET', url, as: null, headers: { authorization: auth } }).then((r) => r.json());
    expect((await as(`${R()}/virtual-machines`)).items.map((v: any) => v.vm)).not.toContain(hidden);
    const page = await as(`${R()}/virtual-machines/snapshots`);
    expect(page.total_count).toBe(2);
    expect(page.snapshots.map((s: any) => s.vm)).not.toContain(hidden);
    expect((await as(`${R()}/virtual-machines/snapshots?vms=${hidden}`)).total_count).toBe(0);
    expect((await as(`${R()}/virtual-machines/snapshot-status-counts?aggregateBy=virtual-machine`)).items).toHaveLength(2);
    expect((await as(`${R()}/virtual-machines/snapshot-status-counts?aggregateBy=time-slice`)).items.at(-1).info.success_count).toBe(2);
    // Group reports are the cluster's: the group snapshot still counts its three members.
    expect((await as(`${R()}/protection-groups/snapshots`)).snapshots[0].status).toBe('SUCCESS');
    expect((await get(`${R()}/virtual-machines/snapshots`)).total_count).toBe(3);
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
      for (const bad of ['page_size=0', 'page_size=1001', 'page_size=ten', 'offset=-1', 'offset=1.5', 'offset=1e20']) {
        expectError(await t.req({ method: 'GET', url: `${url}?${bad}` }), 400, 'INVALID_ARGUMENT', bad.split('=')[0]);
      }
    }
    expectError(await t.req({ method: 'GET', url: `${R()}/protection-groups/snapshots?pgs=a&pgs=a` }), 400, 'INVALID_ARGUMENT', 'pgs');
    expect((await get(`${R()}/virtual-machines/snapshots?offset=${Number.MAX_SAFE_INTEGER}`)).snapshots).toEqual([]);
    const ancient = await get(`${R()}/protection-groups/snapshot-status-counts?aggregateBy=time-slice&start_time=1901-01-01T00:00:00Z&end_time=9999-12-31T23:59:59.999Z`);
    expect(ancient.items).toHaveLength(200);
    expectError(await t.req({ method: 'GET', url: `${R()}/virtual-machines/snapshots`, payload: '{"vms": [', headers: { 'content-type': 'application/json' } }), 400, 'INVALID_ARGUMENT');
    expectError(await t.req({ method: 'GET', url: `${R()}/protection-groups/snapshot-status-counts` }), 404, 'OPERATION_NOT_FOUND', 'aggregateBy');
    expectError(await t.req({ method: 'GET', url: `${R()}/virtual-machines/snapshot-status-counts?aggregateBy=protection-group` }), 404, 'OPERATION_NOT_FOUND', 'aggregateBy');
    expectError(await t.req({ method: 'GET', url: `${R()}/virtual-machines/snapshot-status-counts?aggregateBy=time-slice&aggregateBy=time-slice` }), 400, 'INVALID_REQUEST', 'aggregateBy');
  });

  it('take the 9.1 replication filter from 9.1 on; replication reports are empty here', async () => {
    expect(await get(`${R()}/protection-groups?replication=true`)).toEqual({ items: [] });
    expect((await get(`${R()}/virtual-machines?replication=false`)).items.length).toBeGreaterThan(0);
    expectError(await t.req({ method: 'GET', url: `${R()}/virtual-machines?replication=maybe` }), 400, 'INVALID_ARGUMENT', 'replication');
    await restart({ release: '9.0' });
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
      // From a cold read cache (an empty transaction's COMMIT drops SQLite's cached rows), so that
      // a read made once per snapshot or VM counts each time, as it would without the cache.
      await t.runtime.deps.store.transaction(async () => {});
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
    await restart({ store: url.toString() });
    try {
      await compareCosts();
    } finally {
      await restart();
      await admin(`drop database if exists "${db}" with (force)`);
    }
  });
});

