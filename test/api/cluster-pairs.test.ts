import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';
import { json, pair, setLicense, task } from '../helpers/sites.ts';

/** Cluster pairs between two in-process sites paired over real TLS. */
let a: TestApp;
let b: TestApp;
let bId: string;
let aCluster: string;
let bCluster: string;
let bOther: string;

const CP = '/api/snapservice/cluster-pairs';
const spec = (local = aCluster, peer = bCluster, site = bId) => ({ local_cluster: { cluster: local }, peer_cluster: { site, cluster: peer } });

beforeAll(async () => {
  a = await makeApp({ siteName: 'site-a' }, { https: true });
  b = await makeApp({ siteName: 'site-b', release: '9.0' }, { https: true });
  aCluster = (await ids(a)).clusterA;
  ({ clusterA: bCluster, clusterB: bOther } = await ids(b));
});
afterAll(async () => {
  await a.close();
  await b.close();
});

function statuses(r: { prechecks: Array<{ type: string; status: string }> }) {
  return Object.fromEntries(r.prechecks.map((p) => [p.type, p.status]));
}

describe('before the sites are paired', () => {
  it('precheck reports the missing site pair; create is UNSUPPORTED', async () => {
    const pre = await a.req({ method: 'POST', url: `${CP}?action=create-precheck`, headers: json, payload: spec(aCluster, bCluster, 'no-such-site') });
    expect(pre.statusCode).toBe(200);
    expect(statuses(pre.json())).toEqual({ LOCAL_CLUSTER: 'OK', SITE_PAIR: 'ERROR' });
    const create = await a.req({ method: 'POST', url: `${CP}?vmw-task=true`, headers: json, payload: spec(aCluster, bCluster, 'no-such-site') });
    expect(create.json().error_type).toBe('UNSUPPORTED');
    bId = await pair(a, b);
  });
});

describe('precheck', () => {
  it('reports every condition from the real state of both sites', async () => {
    const r = (await a.req({ method: 'POST', url: `${CP}?action=create-precheck`, headers: json, payload: spec() })).json();
    // site-b runs 9.0, site-a 9.1: a warning, not an error.
    expect(statuses(r)).toEqual({ LOCAL_CLUSTER: 'OK', SITE_PAIR: 'OK', SITE_CONNECTION: 'OK', PEER_CLUSTER: 'OK', LICENSE: 'OK', VERSION: 'WARNING', EXISTING_PAIR: 'OK' });
    expect(r.prechecks.find((p: any) => p.type === 'VERSION').errors[0].messages[0].args).toEqual(['9.0', '9.1']);
    const missing = (await a.req({ method: 'POST', url: `${CP}?action=create-precheck`, headers: json, payload: spec('domain-c999', 'domain-c998') })).json();
    expect(statuses(missing)).toMatchObject({ LOCAL_CLUSTER: 'ERROR', PEER_CLUSTER: 'ERROR' });
  });

  it('turns the licence of the peer into OK, WARNING or ERROR', async () => {
    const licence = async () => statuses((await a.req({ method: 'POST', url: `${CP}?action=create-precheck`, headers: json, payload: spec() })).json()).LICENSE;
    await setLicense(b, 'DEGRADED');
    expect(await licence()).toBe('WARNING');
    await setLicense(b, 'EXPIRED');
    expect(await licence()).toBe('ERROR');
    await setLicense(b, 'ABSENT');
    expect(await licence()).toBe('ERROR');
    // create$task fails on the licence with UNSUPPORTED, as the vendor says replication is then unsupported.
    const create = await a.req({ method: 'POST', url: `${CP}?vmw-task=true`, headers: json, payload: spec() });
    const info = await task(a, create.json());
    expect(info.status).toBe('FAILED');
    expect(info.error.error_type).toBe('UNSUPPORTED');
    await setLicense(b, 'OPERATIONAL');
  });

  it('runs as a task too, with the same result', async () => {
    const r = await a.req({ method: 'POST', url: `${CP}?action=create-precheck&vmw-task=true`, headers: json, payload: spec() });
    expect(r.statusCode).toBe(202);
    const info = await task(a, r.json());
    expect(info.status).toBe('SUCCEEDED');
    expect(statuses(info.result).LICENSE).toBe('OK');
    expect(info.operation).toBe('create_precheck');
  });

  it('answers 400 for a malformed spec, 401, 403', async () => {
    expect((await a.req({ method: 'POST', url: `${CP}?action=create-precheck`, headers: json, payload: { local_cluster: {} } })).json().error_type).toBe('INVALID_ARGUMENT');
    expect((await a.req({ method: 'POST', url: `${CP}?action=create-precheck`, headers: json, payload: spec(), as: null })).statusCode).toBe(401);
    const ro = await a.req({ method: 'POST', url: `${CP}?action=create-precheck`, headers: json, payload: spec(), as: 'readonly' });
    expect(ro.json().messages[0].args[1]).toBe('VsanDP.Replication.com.vmware.vsan.snapshotservice.Site.Manage');
  });
});

describe('create, list, get, delete', () => {
  let cp: string;

  it('creates the pair on both sites under one id', async () => {
    const r = await a.req({ method: 'POST', url: `${CP}?vmw-task=true`, headers: json, payload: spec() });
    expect(r.statusCode).toBe(202);
    const info = await task(a, r.json());
    expect(info.status).toBe('SUCCEEDED');
    cp = info.result;
    const onA = (await a.req({ method: 'GET', url: `${CP}/${cp}` })).json();
    expect(onA).toMatchObject({
      local_cluster: { site: a.runtime.deps.site.id, cluster: aCluster, cluster_name: 'Cluster-A' },
      peer_cluster: { site: bId, cluster: bCluster, cluster_name: 'Cluster-A', vcenter: b.runtime.deps.site.vcenterId },
      connection_status: 'OK', in_use: false,
    });
    const onB = (await b.req({ method: 'GET', url: CP })).json().items;
    expect(onB).toHaveLength(1);
    expect(onB[0]).toMatchObject({ cluster_pair: cp, info: { local_cluster: { cluster: bCluster }, peer_cluster: { cluster: aCluster, site: a.runtime.deps.site.id } } });
    // The sites now say they are in use.
    expect((await a.req({ method: 'GET', url: `/api/snapservice/sites/${bId}` })).json().in_use).toBe(true);
  });

  it('refuses the same pair again (ALREADY_EXISTS) and a second pair of a paired cluster', async () => {
    const same = await a.req({ method: 'POST', url: `${CP}?vmw-task=true`, headers: json, payload: spec() });
    expect(same.json().error_type).toBe('ALREADY_EXISTS');
    expect((await a.req({ method: 'POST', url: `${CP}?action=create-precheck`, headers: json, payload: spec() })).json().error_type).toBe('ALREADY_EXISTS');
    const other = await a.req({ method: 'POST', url: `${CP}?vmw-task=true`, headers: json, payload: spec(aCluster, bOther) });
    expect(other.json().error_type).toBe('ALREADY_EXISTS');
    const pre = (await a.req({ method: 'POST', url: `${CP}?action=create-precheck`, headers: json, payload: spec(aCluster, bOther) })).json();
    expect(statuses(pre).EXISTING_PAIR).toBe('ERROR');
    const bad = await a.req({ method: 'POST', url: `${CP}?vmw-task=true`, headers: json, payload: spec('domain-c999') });
    expect(bad.json().error_type).toBe('INVALID_ARGUMENT');
  });

  it('filters the list by pair and local cluster', async () => {
    expect((await a.req({ method: 'GET', url: `${CP}?cluster_pairs=${cp}` })).json().items).toHaveLength(1);
    expect((await a.req({ method: 'GET', url: `${CP}?local_clusters=domain-c999` })).json().items).toEqual([]);
    expect((await a.req({ method: 'GET', url: `${CP}/nope` })).statusCode).toBe(404);
    expect((await a.req({ method: 'GET', url: CP, as: 'readonly' })).statusCode).toBe(403);
  });

  it('keeps the site from being deleted while a pair exists', async () => {
    const r = await a.req({ method: 'DELETE', url: `/api/snapservice/sites/${bId}?vmw-task=true`, headers: json, payload: {} });
    expect(r.statusCode).toBe(400);
    expect(r.json().error_type).toBe('NOT_ALLOWED_IN_CURRENT_STATE');
  });

  it('deletes the pair on both sites', async () => {
    const r = await a.req({ method: 'DELETE', url: `${CP}/${cp}?vmw-task=true` });
    expect(r.statusCode).toBe(202);
    expect((await task(a, r.json())).status).toBe('SUCCEEDED');
    expect((await a.req({ method: 'GET', url: CP })).json().items).toEqual([]);
    expect((await b.req({ method: 'GET', url: CP })).json().items).toEqual([]);
    expect((await a.req({ method: 'DELETE', url: `${CP}/${cp}?vmw-task=true` })).statusCode).toBe(404);
  });
});
