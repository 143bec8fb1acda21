import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatacenter, createFolder } from '../../src/engine/inventory.ts';
import { makeApp, type TestApp } from '../helpers/app.ts';
import { demo, expectError, expectOk, expectOwnSchema, expectSpecSchema, haveSpec, ODD_IDS } from './vcenter-helpers.ts';

let t: TestApp;
let D: Awaited<ReturnType<typeof demo>>;
/** A folder under the datacenter's vm folder, made for the parent_folders filter. */
let subFolder: string;
/** A disconnected host added to Cluster-A, for connection_states. */
let offline: string;

beforeAll(async () => {
  t = await makeApp();
  D = await demo(t);
  const now = t.clock.now();
  await t.runtime.deps.store.transaction(async (tx) => {
    subFolder = (await createFolder(tx, 'Prod', D.dc, D.vmFolder, now)).id;
  });
  // No repo method updates a host: the test stores a disconnected one directly.
  await t.runtime.deps.store.transaction(async (tx) => {
    const id = `host-${await tx.ids.next()}`;
    await tx.inventory.insertHost({ id, name: 'esxi-a-05.lab.local', clusterId: D.A, connectionState: 'DISCONNECTED', powerState: 'POWERED_ON', createdAt: now });
    offline = id;
  });
});
afterAll(() => t.close());

const get = (url: string, as: 'admin' | 'readonly' | 'operator' | null = 'admin') => t.req({ method: 'GET', url, as });
const ids = async (url: string, key: string, as: 'admin' | 'readonly' | 'operator' = 'admin') =>
  (expectOk(await get(url, as)) as Array<Record<string, string>>).map((x) => x[key]);

describe('authentication', () => {
  it('answers 401 UNAUTHENTICATED with a challenge on every inventory read without credentials', async () => {
    for (const url of ['/api/vcenter/datacenter', '/api/vcenter/cluster', `/api/vcenter/cluster/${D.A}`, '/api/vcenter/folder', '/api/vcenter/host', '/api/vcenter/resource-pool']) {
      const res = await get(url, null);
      expectError(res, 'UNAUTHENTICATED');
      expect(res.headers['www-authenticate']).toContain('Basic');
      expectError(await t.req({ method: 'GET', url, as: null, headers: { 'vmware-api-session-id': 'f'.repeat(64) } }), 'UNAUTHENTICATED');
    }
  });

  it('checks credentials before looking at ids or query keys', async () => {
    expectError(await get('/api/vcenter/cluster/domain-c999', null), 'UNAUTHENTICATED');
    expectError(await get('/api/vcenter/host?bogus=1', null), 'UNAUTHENTICATED');
  });

  it('accepts a session token as well as Basic', async () => {
    const token = (await t.req({ method: 'POST', url: '/api/session' })).json();
    const res = await t.req({ method: 'GET', url: '/api/vcenter/datacenter', as: null, headers: { 'vmware-api-session-id': token } });
    expect(expectOk(res)).toEqual([{ datacenter: D.dc, name: 'Datacenter' }]);
  });
});

describe('GET /api/vcenter/datacenter', () => {
  it('lists datacenters as Vcenter.Datacenter.Summary', async () => {
    const body = expectOk(await get('/api/vcenter/datacenter'));
    expect(body).toEqual([{ datacenter: D.dc, name: 'Datacenter' }]);
    expectOwnSchema('com.vmware.vcenter.datacenter.list', body);
    if (haveSpec) for (const s of body) expectSpecSchema('Vcenter.Datacenter.Summary', s);
  });

  it('filters by datacenters, names and folders (repeated keys and filter.x both work)', async () => {
    const url = (q: string) => `/api/vcenter/datacenter?${q}`;
    expect(await ids(url(`datacenters=${D.dc}`), 'datacenter')).toEqual([D.dc]);
    expect(await ids(url(`datacenters=${D.dc}&datacenters=datacenter-999`), 'datacenter')).toEqual([D.dc]);
    expect(await ids(url('datacenters=datacenter-999'), 'datacenter')).toEqual([]);
    expect(await ids(url('names=Datacenter'), 'datacenter')).toEqual([D.dc]);
    expect(await ids(url('filter.names=Datacenter'), 'datacenter')).toEqual([D.dc]);
    expect(await ids(url('names=datacenter'), 'datacenter')).toEqual([]);
    expect(await ids(url(`folders=${D.rootFolder}`), 'datacenter')).toEqual([D.dc]);
    expect(await ids(url(`folders=${D.vmFolder}`), 'datacenter')).toEqual([]);
    expect(await ids(url(`names=Datacenter&folders=${D.vmFolder}`), 'datacenter')).toEqual([]);
  });

  it('shows a datacenter to whoever may read it', async () => {
    expect(await ids('/api/vcenter/datacenter', 'datacenter', 'operator')).toEqual([D.dc]);
    expect(await ids('/api/vcenter/datacenter', 'datacenter', 'readonly')).toEqual([D.dc]);
  });

  it('rejects unknown query keys and repeated duplicates', async () => {
    expectError(await get('/api/vcenter/datacenter?name=Datacenter'), 'INVALID_ARGUMENT', 'name');
    expectError(await get('/api/vcenter/datacenter?filter.bogus=1'), 'INVALID_ARGUMENT', 'bogus');
    expectError(await get('/api/vcenter/datacenter?names=a&names=a'), 'INVALID_ARGUMENT', 'duplicates');
  });
});

describe('GET /api/vcenter/cluster and /api/vcenter/cluster/{cluster}', () => {
  it('lists clusters as Vcenter.Cluster.Summary', async () => {
    const body = expectOk(await get('/api/vcenter/cluster'));
    expect(body).toHaveLength(2);
    expect(body).toContainEqual({ cluster: D.A, name: 'Cluster-A', ha_enabled: true, drs_enabled: true });
    expect(body).toContainEqual({ cluster: D.B, name: 'Cluster-B', ha_enabled: true, drs_enabled: true });
    expectOwnSchema('com.vmware.vcenter.cluster.list', body);
    if (haveSpec) for (const s of body) expectSpecSchema('Vcenter.Cluster.Summary', s);
  });

  it('filters by clusters, names, folders and datacenters', async () => {
    const url = (q: string) => `/api/vcenter/cluster?${q}`;
    expect(await ids(url(`clusters=${D.A}`), 'cluster')).toEqual([D.A]);
    expect(await ids(url(`clusters=${D.A}&clusters=${D.B}`), 'cluster')).toHaveLength(2);
    expect(await ids(url('clusters=domain-c999'), 'cluster')).toEqual([]);
    expect(await ids(url('names=Cluster-B'), 'cluster')).toEqual([D.B]);
    expect(await ids(url('names=Cluster-B&names=Cluster-A'), 'cluster')).toHaveLength(2);
    expect(await ids(url(`folders=${D.hostFolder}`), 'cluster')).toHaveLength(2);
    expect(await ids(url(`folders=${D.vmFolder}`), 'cluster')).toEqual([]);
    expect(await ids(url(`datacenters=${D.dc}`), 'cluster')).toHaveLength(2);
    expect(await ids(url('datacenters=datacenter-999'), 'cluster')).toEqual([]);
    expect(await ids(url(`names=Cluster-A&clusters=${D.B}`), 'cluster')).toEqual([]);
    expect(await ids(url(`filter.datacenters=${D.dc}&filter.names=Cluster-A`), 'cluster')).toEqual([D.A]);
  });

  it('leaves out clusters the caller may not read', async () => {
    expect(await ids('/api/vcenter/cluster', 'cluster', 'operator')).toEqual([D.A]);
    expect(await ids(`/api/vcenter/cluster?clusters=${D.B}`, 'cluster', 'operator')).toEqual([]);
    expect(await ids('/api/vcenter/cluster', 'cluster', 'readonly')).toHaveLength(2);
  });

  it('gets one cluster as Vcenter.Cluster.Info', async () => {
    const body = expectOk(await get(`/api/vcenter/cluster/${D.A}`));
    expect(body).toEqual({ name: 'Cluster-A', resource_pool: D.rootPoolA });
    expectOwnSchema('com.vmware.vcenter.cluster.get', body);
    if (haveSpec) expectSpecSchema('Vcenter.Cluster.Info', body);
    expect(expectOk(await get(`/api/vcenter/cluster/${D.B}`, 'readonly'))).toEqual({ name: 'Cluster-B', resource_pool: D.rootPoolB });
    expect(expectOk(await get(`/api/vcenter/cluster/${D.A}`, 'operator')).name).toBe('Cluster-A');
  });

  it('403 naming System.Read for a cluster the caller may not read', async () => {
    expectError(await get(`/api/vcenter/cluster/${D.B}`, 'operator'), 'UNAUTHORIZED', 'System.Read');
  });

  it('404 for unknown and odd cluster ids', async () => {
    expectError(await get('/api/vcenter/cluster/domain-c999'), 'NOT_FOUND', 'domain-c999');
    expectError(await get(`/api/vcenter/cluster/${D.host('esxi-a-01.lab.local')}`), 'NOT_FOUND');
    for (const odd of ODD_IDS.filter((x) => x !== 'domain-c1')) {
      const res = await get(`/api/vcenter/cluster/${odd}`);
      expect([404], res.body).toContain(res.statusCode);
      expect(res.json().error_type).toBe('NOT_FOUND');
    }
  });

  it('404 comes before 403, and unknown query keys are 400 after both', async () => {
    expectError(await get('/api/vcenter/cluster/domain-c999', 'operator'), 'NOT_FOUND');
    expectError(await get(`/api/vcenter/cluster/${D.B}?bogus=1`, 'operator'), 'UNAUTHORIZED');
    expectError(await get(`/api/vcenter/cluster/${D.A}?bogus=1`), 'INVALID_ARGUMENT', 'bogus');
  });
});

describe('GET /api/vcenter/folder', () => {
  it('lists folders as Vcenter.Folder.Summary', async () => {
    const body = expectOk(await get('/api/vcenter/folder'));
    expect(body).toEqual(
      expect.arrayContaining([
        { folder: D.rootFolder, name: 'Datacenters', type: 'DATACENTER' },
        { folder: D.vmFolder, name: 'vm', type: 'VIRTUAL_MACHINE' },
        { folder: D.hostFolder, name: 'host', type: 'HOST' },
        { folder: subFolder, name: 'Prod', type: 'VIRTUAL_MACHINE' },
      ]),
    );
    expect(body).toHaveLength(4);
    expectOwnSchema('com.vmware.vcenter.folder.list', body);
    if (haveSpec) for (const s of body) expectSpecSchema('Vcenter.Folder.Summary', s);
  });

  it('filters by type (plain or filter.type), folders, names, parent_folders and datacenters', async () => {
    const url = (q: string) => `/api/vcenter/folder?${q}`;
    expect(await ids(url('type=DATACENTER'), 'folder')).toEqual([D.rootFolder]);
    expect(await ids(url('filter.type=HOST'), 'folder')).toEqual([D.hostFolder]);
    expect(await ids(url('type=VIRTUAL_MACHINE'), 'folder')).toEqual([D.vmFolder, subFolder]);
    expect(await ids(url('type=DATASTORE'), 'folder')).toEqual([]);
    expect(await ids(url('type=NETWORK'), 'folder')).toEqual([]);
    expect(await ids(url(`folders=${D.vmFolder}&folders=${D.hostFolder}`), 'folder')).toEqual(expect.arrayContaining([D.vmFolder, D.hostFolder]));
    expect(await ids(url('names=vm'), 'folder')).toEqual([D.vmFolder]);
    expect(await ids(url('names=Prod&names=host'), 'folder')).toHaveLength(2);
    expect(await ids(url(`parent_folders=${D.vmFolder}`), 'folder')).toEqual([subFolder]);
    expect(await ids(url(`parent_folders=${D.rootFolder}`), 'folder')).toEqual([]);
    expect(await ids(url(`datacenters=${D.dc}`), 'folder')).toHaveLength(3);
    expect(await ids(url(`datacenters=${D.dc}&type=HOST`), 'folder')).toEqual([D.hostFolder]);
    expect(await ids(url('datacenters=datacenter-999'), 'folder')).toEqual([]);
  });

  it('400 INVALID_ARGUMENT for a type the server does not know, or more than one', async () => {
    expectError(await get('/api/vcenter/folder?type=VM'), 'INVALID_ARGUMENT', 'filter.type');
    expectError(await get('/api/vcenter/folder?type=HOST&type=DATACENTER'), 'INVALID_ARGUMENT', 'filter.type');
    expectError(await get('/api/vcenter/folder?parent=group-v3'), 'INVALID_ARGUMENT', 'parent');
  });

  it('shows folders only to callers who may read them', async () => {
    // The operator's datacenter permission does not propagate, and folders sit under it.
    expect(await ids('/api/vcenter/folder', 'folder', 'operator')).toEqual([]);
    expect(await ids('/api/vcenter/folder', 'folder', 'readonly')).toHaveLength(4);
  });
});

describe('GET /api/vcenter/host', () => {
  const url = (q: string) => `/api/vcenter/host?${q}`;

  it('lists hosts as Vcenter.Host.Summary; power_state only while connected', async () => {
    const body = expectOk(await get('/api/vcenter/host'));
    expect(body).toHaveLength(7);
    const a1 = body.find((h: any) => h.host === D.host('esxi-a-01.lab.local'));
    expect(a1).toMatchObject({ name: 'esxi-a-01.lab.local', connection_state: 'CONNECTED', power_state: 'POWERED_ON' });
    expect(a1.host_uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(body.map((h: any) => h.host_uuid)).size).toBe(7);
    const off = body.find((h: any) => h.host === offline);
    expect(off.connection_state).toBe('DISCONNECTED');
    expect(off).not.toHaveProperty('power_state');
    expectOwnSchema('com.vmware.vcenter.host.list', body);
    if (haveSpec) for (const s of body) expectSpecSchema('Vcenter.Host.Summary', s);
  });

  it('filters by hosts, names, clusters, datacenters and folders', async () => {
    const a1 = D.host('esxi-a-01.lab.local');
    expect(await ids(url(`hosts=${a1}`), 'host')).toEqual([a1]);
    expect(await ids(url(`hosts=${a1}&hosts=host-999`), 'host')).toEqual([a1]);
    expect(await ids(url('names=esxi-b-02.lab.local'), 'host')).toEqual([D.host('esxi-b-02.lab.local')]);
    expect((await ids(url(`clusters=${D.B}`), 'host')).sort()).toEqual([...D.hostsOf(D.B)].sort());
    expect(await ids(url(`clusters=${D.A}`), 'host')).toHaveLength(4);
    expect(await ids(url(`clusters=${D.A}&clusters=${D.B}`), 'host')).toHaveLength(7);
    expect(await ids(url(`datacenters=${D.dc}`), 'host')).toHaveLength(7);
    expect(await ids(url('datacenters=datacenter-999'), 'host')).toEqual([]);
    expect(await ids(url(`folders=${D.hostFolder}`), 'host')).toHaveLength(7);
    expect(await ids(url(`folders=${D.vmFolder}`), 'host')).toEqual([]);
    expect(await ids(url(`filter.clusters=${D.B}&filter.names=esxi-a-01.lab.local`), 'host')).toEqual([]);
  });

  it('filters by standalone (every host here is clustered), connection_states and host_uuids', async () => {
    expect(await ids(url('standalone=true'), 'host')).toEqual([]);
    expect(await ids(url('standalone=false'), 'host')).toHaveLength(7);
    expect(await ids(url('filter.standalone=false'), 'host')).toHaveLength(7);
    expect(await ids(url('connection_states=DISCONNECTED'), 'host')).toEqual([offline]);
    expect(await ids(url('connection_states=CONNECTED'), 'host')).toHaveLength(6);
    expect(await ids(url('connection_states=CONNECTED&connection_states=DISCONNECTED'), 'host')).toHaveLength(7);
    expect(await ids(url('connection_states=NOT_RESPONDING'), 'host')).toEqual([]);
    const all = expectOk(await get('/api/vcenter/host'));
    const b2 = all.find((h: any) => h.name === 'esxi-b-02.lab.local');
    expect(await ids(url(`host_uuids=${b2.host_uuid}`), 'host')).toEqual([b2.host]);
    expect(await ids(url(`host_uuids=${b2.host_uuid.toUpperCase()}`), 'host')).toEqual([b2.host]);
    expect(await ids(url('host_uuids=00000000-0000-0000-0000-000000000000'), 'host')).toEqual([]);
  });

  it('gives the same host UUIDs on every fresh start of the same seed', async () => {
    const other = await makeApp();
    try {
      const a = expectOk(await get('/api/vcenter/host')).filter((h: any) => h.host !== offline);
      const b = expectOk(await other.req({ method: 'GET', url: '/api/vcenter/host' }));
      expect(b).toEqual(a);
    } finally {
      await other.close();
    }
  });

  it('400 INVALID_ARGUMENT for bad filter values', async () => {
    expectError(await get(url('connection_states=UP')), 'INVALID_ARGUMENT', 'connection_states');
    expectError(await get(url('standalone=maybe')), 'INVALID_ARGUMENT', 'standalone');
    expectError(await get(url('standalone=true&standalone=false')), 'INVALID_ARGUMENT', 'standalone');
    expectError(await get(url('host=host-7')), 'INVALID_ARGUMENT', 'host');
  });

  it('leaves out hosts the caller may not read', async () => {
    expect((await ids('/api/vcenter/host', 'host', 'operator')).sort()).toEqual([...D.hostsOf(D.A), offline].sort());
    expect(await ids('/api/vcenter/host', 'host', 'readonly')).toHaveLength(7);
  });
});

describe('GET /api/vcenter/resource-pool', () => {
  const url = (q: string) => `/api/vcenter/resource-pool?${q}`;

  it('lists pools as Vcenter.ResourcePool.Summary', async () => {
    const body = expectOk(await get('/api/vcenter/resource-pool'));
    expect(body).toEqual(
      expect.arrayContaining([
        { resource_pool: D.rootPoolA, name: 'Resources' },
        { resource_pool: D.rootPoolB, name: 'Resources' },
        { resource_pool: D.production, name: 'Production' },
      ]),
    );
    expect(body).toHaveLength(3);
    expectOwnSchema('com.vmware.vcenter.resource_pool.list', body);
    if (haveSpec) for (const s of body) expectSpecSchema('Vcenter.ResourcePool.Summary', s);
  });

  it('filters by resource_pools, names, parent_resource_pools, datacenters, hosts and clusters', async () => {
    expect(await ids(url(`resource_pools=${D.production}`), 'resource_pool')).toEqual([D.production]);
    expect(await ids(url('resource_pools=resgroup-999'), 'resource_pool')).toEqual([]);
    expect(await ids(url('names=Resources'), 'resource_pool')).toHaveLength(2);
    expect(await ids(url('names=Production'), 'resource_pool')).toEqual([D.production]);
    expect(await ids(url(`parent_resource_pools=${D.rootPoolA}`), 'resource_pool')).toEqual([D.production]);
    expect(await ids(url(`parent_resource_pools=${D.rootPoolB}`), 'resource_pool')).toEqual([]);
    expect(await ids(url(`datacenters=${D.dc}`), 'resource_pool')).toHaveLength(3);
    expect(await ids(url('datacenters=datacenter-999'), 'resource_pool')).toEqual([]);
    expect((await ids(url(`hosts=${D.host('esxi-a-02.lab.local')}`), 'resource_pool')).sort()).toEqual([D.rootPoolA, D.production].sort());
    expect(await ids(url(`hosts=${D.host('esxi-b-02.lab.local')}`), 'resource_pool')).toEqual([D.rootPoolB]);
    expect(await ids(url('hosts=host-999'), 'resource_pool')).toEqual([]);
    expect(await ids(url(`clusters=${D.B}`), 'resource_pool')).toEqual([D.rootPoolB]);
    expect(await ids(url(`clusters=${D.A}&names=Resources`), 'resource_pool')).toEqual([D.rootPoolA]);
    expect(await ids(url(`filter.clusters=${D.A}&filter.clusters=${D.B}`), 'resource_pool')).toHaveLength(3);
  });

  it('leaves out pools the caller may not read, and rejects unknown keys', async () => {
    expect((await ids('/api/vcenter/resource-pool', 'resource_pool', 'operator')).sort()).toEqual([D.rootPoolA, D.production].sort());
    expect(await ids('/api/vcenter/resource-pool', 'resource_pool', 'readonly')).toHaveLength(3);
    expectError(await get(url('pools=resgroup-6')), 'INVALID_ARGUMENT', 'pools');
  });
});

describe('list caps', () => {
  it('answers UNABLE_TO_ALLOCATE_RESOURCE past 1000 visible datacenters, unless a filter narrows them', async () => {
    const big = await makeApp();
    try {
      await big.runtime.deps.store.transaction(async (tx) => {
        for (let i = 0; i < 1000; i++) await createDatacenter(tx, `dc-${i}`, big.clock.now());
      });
      expectError(await big.req({ method: 'GET', url: '/api/vcenter/datacenter' }), 'UNABLE_TO_ALLOCATE_RESOURCE', '1000');
      const some = expectOk(await big.req({ method: 'GET', url: '/api/vcenter/datacenter?names=dc-1&names=dc-2' }));
      expect(some.map((d: any) => d.name).sort()).toEqual(['dc-1', 'dc-2']);
      // Only visible ones count: the operator reads one datacenter.
      expect(expectOk(await big.req({ method: 'GET', url: '/api/vcenter/datacenter', as: 'operator' }))).toHaveLength(1);
      // 1001 folders of type VIRTUAL_MACHINE (1000 new ones and the demo's) are past the folder cap too.
      expectError(await big.req({ method: 'GET', url: '/api/vcenter/folder?type=VIRTUAL_MACHINE' }), 'UNABLE_TO_ALLOCATE_RESOURCE');
    } finally {
      await big.close();
    }
  });
});
