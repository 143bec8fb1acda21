import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let I: Awaited<ReturnType<typeof ids>>;
beforeAll(async () => {
  t = await makeApp();
  I = await ids(t);
});
afterAll(() => t.close());

const list = async (cluster: string, query = '', as: 'admin' | 'readonly' | 'operator' = 'admin') =>
  t.req({ method: 'GET', url: `/api/snapservice/clusters/${cluster}/virtual-machines${query}`, as });

describe('GET /snapservice/clusters/{cluster}/virtual-machines', () => {
  it('lists every VM of the cluster with the vendor Info fields', async () => {
    const res = await list(I.clusterA);
    expect(res.statusCode).toBe(200);
    const items = res.json().items;
    expect(items.map((i: any) => i.info.name)).toEqual(['web-01', 'web-02', 'web-03', 'db-01', 'db-02', 'app-01', 'app-02', 'cache-01']);
    const web = items[0];
    expect(web.vm).toBe(I.vm('web-01'));
    const bios = (await t.runtime.deps.store.repos.vms.get(I.vm('web-01')))?.biosUuid;
    expect(bios).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(web.info).toEqual({
      name: 'web-01',
      bios_uuid: bios,
      local_protection_enabled: false,
      protection_groups: [],
      last_snapshot_time: '2026-11-26T09:00:00.000Z',
      oldest_snapshot_time: '2026-11-25T09:00:00.000Z',
      snapshot_count: 2,
      in_cluster: true,
    });
  });

  it('filters by vms, name_patterns (globs) and local_protection_enabled, repeated keys as sets', async () => {
    const names = async (q: string) => (await list(I.clusterA, q)).json().items.map((i: any) => i.info.name);
    expect(await names(`?vms=${I.vm('db-01')}&vms=${I.vm('web-02')}`)).toEqual(['web-02', 'db-01']);
    expect(await names('?name_patterns=web-*')).toEqual(['web-01', 'web-02', 'web-03']);
    expect(await names('?name_patterns=db-0[2-9]&name_patterns=cache-?1')).toEqual(['db-02', 'cache-01']);
    expect(await names('?name_patterns=web-*&vms=' + I.vm('db-01'))).toEqual([]);
    expect(await names('?local_protection_enabled=true')).toEqual([]);
    expect((await names('?local_protection_enabled=false')).length).toBe(8);
    expect(await names('?filter.name_patterns=app-*')).toEqual(['app-01', 'app-02']);
  });

  it('rejects bad filters', async () => {
    for (const q of ['?local_protection_enabled=maybe', '?nope=1', '?vms=a&vms=a']) {
      const res = await list(I.clusterA, q);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error_type).toBe('INVALID_ARGUMENT');
    }
  });

  it('shows a VM moved or deleted away from the cluster with in_cluster=false while its snapshots remain', async () => {
    const repos = t.runtime.deps.store.repos;
    const vm = I.vm('app-02');
    await repos.vms.update(vm, { clusterId: null, hostId: null, deletedAt: t.clock.now() });
    const item = (await list(I.clusterA)).json().items.find((i: any) => i.vm === vm);
    expect(item.info.in_cluster).toBe(false);
    expect(item.info.snapshot_count).toBe(2);
    const get = await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}` });
    expect(get.json().in_cluster).toBe(false);
    const other = await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterB}/virtual-machines/${vm}` });
    expect(other.statusCode).toBe(404);
  });

  it('enforces System.Read: 403 for clusters the caller cannot read; 401 without credentials; 404 unknown cluster', async () => {
    expect((await list(I.clusterB, '', 'operator')).statusCode).toBe(403);
    expect((await list(I.clusterA, '', 'operator')).statusCode).toBe(200);
    expect((await list(I.clusterB, '', 'readonly')).statusCode).toBe(200);
    expect((await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines`, as: null })).statusCode).toBe(401);
    const nf = await list('domain-c424242');
    expect(nf.statusCode).toBe(404);
    expect(nf.json().error_type).toBe('NOT_FOUND');
  });
});

describe('GET /snapservice/clusters/{cluster}/virtual-machines/{vm}/snapshots', () => {
  const url = (vm: string, rest = '') => `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}/snapshots${rest}`;

  it('lists snapshots with disk snapshots, and gets one', async () => {
    const vm = I.vm('db-01');
    const items = (await t.req({ method: 'GET', url: url(vm) })).json().items;
    expect(items).toHaveLength(2);
    const [s1, s2] = items;
    expect(s1.info).toMatchObject({ name: 'daily-1', snapshot_type: 'ONE_TIME', created_at: '2026-11-25T09:00:00.000Z', vm });
    expect(s1.info.expires_at).toBeUndefined();
    expect(s1.info.pg).toBeUndefined();
    expect(s1.info.disk_snapshots.map((d: any) => d.disk_key)).toEqual([2000, 2001]);
    for (const d of s1.info.disk_snapshots) {
      expect(d.sequence_uuid).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof d.uri).toBe('string');
    }
    expect(s2.info.disk_snapshots[0].epoch).toBeGreaterThan(s1.info.disk_snapshots[0].epoch);
    const one = await t.req({ method: 'GET', url: url(vm, `/${s2.snapshot}`) });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(s2.info);
    expect((await t.req({ method: 'GET', url: url(vm, '/nope') })).statusCode).toBe(404);
    expect((await t.req({ method: 'GET', url: url(I.vm('db-02'), `/${s2.snapshot}`) })).statusCode).toBe(404);
  });

  it('applies every filter', async () => {
    const vm = I.vm('db-01');
    const names = async (q: string) => {
      const res = await t.req({ method: 'GET', url: url(vm, q) });
      expect(res.statusCode, q).toBe(200);
      return res.json().items.map((i: any) => i.info.name);
    };
    expect(await names('?names=daily-2')).toEqual(['daily-2']);
    expect(await names('?created_after=2026-11-25T12:00:00Z')).toEqual(['daily-2']);
    expect(await names('?created_before=2026-11-25T12:00:00%2B01:00')).toEqual(['daily-1']);
    expect(await names('?snapshot_type=ONE_TIME')).toEqual(['daily-1', 'daily-2']);
    expect(await names('?snapshot_type=SCHEDULED')).toEqual([]);
    expect(await names('?expires_before=2030-01-01T00:00:00.000Z')).toEqual([]);
    const first = (await t.req({ method: 'GET', url: url(vm) })).json().items[0].snapshot;
    expect(await names(`?snapshots=${first}`)).toEqual(['daily-1']);
    for (const bad of ['?created_after=yesterday', '?snapshot_type=WEEKLY', '?snapshot_type=ONE_TIME&snapshot_type=SCHEDULED']) {
      const res = await t.req({ method: 'GET', url: url(vm, bad) });
      expect(res.statusCode, bad).toBe(400);
    }
  });
});
