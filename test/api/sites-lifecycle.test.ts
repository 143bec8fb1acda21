import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';
import { certOf, hostPortOf, json, pair, task } from '../helpers/sites.ts';

/** A pairing through a cut link, an address and certificate change, and its deletion. */
let a: TestApp;
let b: TestApp;
let bId: string;

beforeEach(async () => {
  a = await makeApp({ siteName: 'site-a' }, { https: true });
  b = await makeApp({ siteName: 'site-b' }, { https: true });
  bId = await pair(a, b);
});
afterEach(async () => {
  await a.close();
  await b.close();
});

const status = async (t: TestApp, id: string) =>
  (await t.req({ method: 'GET', url: `/api/snapservice/sites/${id}` })).json().services[0].connection_state;

describe('a cut link', () => {
  it('shows ERROR with the reason, answers 503 for what only the remote knows', async () => {
    await b.unplug();
    const state = await status(a, bId);
    expect(state.connection_status).toBe('ERROR');
    expect(state.errors[0].messages[0].id).toBe('com.vmware.snapservice.site.unreachable');
    const clusters = await a.req({ method: 'GET', url: `/api/snapservice/sites/${bId}/clusters` });
    expect(clusters.statusCode).toBe(503);
    expect(clusters.json().error_type).toBe('SERVICE_UNAVAILABLE');
    // The vendor's way to say a service did not answer: the service without its info.
    const caps = (await a.req({ method: 'GET', url: `/api/snapservice/sites/${bId}/capabilities` })).json();
    expect(caps.service_capability_info).toEqual([{ service: 'SS' }]);
    expect((await a.req({ method: 'GET', url: `/api/snapservice/sites/${bId}/licenses` })).statusCode).toBe(503);
  });
});

describe('update (repair)', () => {
  it('after the remote moved to a new address and certificate: ERROR until repaired with the new certificate', async () => {
    await b.rehost();
    const state = await status(a, bId);
    expect(state.connection_status).toBe('ERROR');
    const url = `/api/snapservice/sites/${bId}?vmw-task=true`;
    const untrusted = await a.req({ method: 'PATCH', url, headers: json, payload: { vcenter_connection_spec: hostPortOf(b) } });
    expect(untrusted.json().error_type).toBe('UNVERIFIED_PEER');
    const r = await a.req({ method: 'PATCH', url, headers: json, payload: { vcenter_connection_spec: hostPortOf(b), vcenter_certificate: certOf(b) } });
    expect(r.statusCode).toBe(202);
    expect((await task(a, r.json())).status).toBe('SUCCEEDED');
    expect((await status(a, bId)).connection_status).toBe('CONNECTED');
    // Repaired both ways: the remote reaches this site with the credential it got in the repair.
    expect((await status(b, a.runtime.deps.site.id)).connection_status).toBe('CONNECTED');
  });

  it('after this site moved: the remote is told the new address and certificate', async () => {
    await a.rehost();
    expect((await status(b, a.runtime.deps.site.id)).connection_status).toBe('ERROR');
    const r = await a.req({ method: 'PATCH', url: `/api/snapservice/sites/${bId}?vmw-task=true`, headers: json, payload: {} });
    expect((await task(a, r.json())).status).toBe('SUCCEEDED');
    expect((await status(b, a.runtime.deps.site.id)).connection_status).toBe('CONNECTED');
  });

  it('refuses the local site, unknown sites, bad credentials', async () => {
    const local = await a.req({ method: 'PATCH', url: `/api/snapservice/sites/${a.runtime.deps.site.id}?vmw-task=true`, headers: json, payload: {} });
    expect(local.json().error_type).toBe('INVALID_ARGUMENT');
    expect((await a.req({ method: 'PATCH', url: '/api/snapservice/sites/nope?vmw-task=true', headers: json, payload: {} })).statusCode).toBe(404);
    const creds = await a.req({ method: 'PATCH', url: `/api/snapservice/sites/${bId}?vmw-task=true`, headers: json, payload: { vcenter_creds: { user: 'administrator@vsphere.local', password: 'no' } } });
    expect(creds.json().error_type).toBe('INVALID_ARGUMENT');
    expect((await a.req({ method: 'PATCH', url: `/api/snapservice/sites/${bId}?vmw-task=true`, headers: json, payload: {}, as: 'readonly' })).statusCode).toBe(403);
  });
});

describe('delete', () => {
  it('unpairs both sites and removes the service users', async () => {
    const users = async (t: TestApp) => (await t.runtime.deps.store.repos.users.list()).filter((u) => u.name.startsWith('snapservice-peer-')).length;
    expect(await users(a)).toBe(1);
    const r = await a.req({ method: 'DELETE', url: `/api/snapservice/sites/${bId}?vmw-task=true`, headers: json, payload: {} });
    expect(r.statusCode).toBe(202);
    expect((await task(a, r.json())).status).toBe('SUCCEEDED');
    expect((await a.req({ method: 'GET', url: '/api/snapservice/sites' })).json().items).toHaveLength(1);
    expect((await b.req({ method: 'GET', url: '/api/snapservice/sites' })).json().items).toHaveLength(1);
    expect(await users(a)).toBe(0);
    expect(await users(b)).toBe(0);
    // And they pair again.
    expect(await pair(b, a)).toBe(a.runtime.deps.site.id);
  });

  it('with the remote down fails unless remote_site_failed is set', async () => {
    await b.unplug();
    const url = `/api/snapservice/sites/${bId}?vmw-task=true`;
    const first = await task(a, (await a.req({ method: 'DELETE', url, headers: json, payload: {} })).json());
    expect(first.status).toBe('FAILED');
    expect(first.error.error_type).toBe('SERVICE_UNAVAILABLE');
    const forced = await a.req({ method: 'DELETE', url: `${url}&remote_site_failed=true&exclude_hms=true`, headers: json, payload: {} });
    expect((await task(a, forced.json())).status).toBe('SUCCEEDED');
    expect((await a.req({ method: 'GET', url: '/api/snapservice/sites' })).json().items).toHaveLength(1);
  });

  it('with the remote lost: its cluster pairs cannot be deleted through it, but go with the site (remote_site_failed)', async () => {
    const [aCluster, bCluster] = [(await ids(a)).clusterA, (await ids(b)).clusterA];
    const spec = { local_cluster: { cluster: aCluster }, peer_cluster: { site: bId, cluster: bCluster } };
    const cp = (await task(a, (await a.req({ method: 'POST', url: '/api/snapservice/cluster-pairs?vmw-task=true', headers: json, payload: spec })).json())).result;
    await b.unplug();
    const pair = (await a.req({ method: 'GET', url: `/api/snapservice/cluster-pairs/${cp}` })).json();
    expect(pair.connection_status).toBe('ERROR');
    expect(pair.connection_errors[0].messages[0].id).toBe('com.vmware.snapservice.site.unreachable');
    const del = await task(a, (await a.req({ method: 'DELETE', url: `/api/snapservice/cluster-pairs/${cp}?vmw-task=true` })).json());
    expect(del.error.error_type).toBe('SERVICE_UNAVAILABLE');
    const url = `/api/snapservice/sites/${bId}?vmw-task=true`;
    expect((await a.req({ method: 'DELETE', url, headers: json, payload: {} })).json().error_type).toBe('NOT_ALLOWED_IN_CURRENT_STATE');
    const forced = await a.req({ method: 'DELETE', url: `${url}&remote_site_failed=true`, headers: json, payload: {} });
    expect((await task(a, forced.json())).status).toBe('SUCCEEDED');
    expect((await a.req({ method: 'GET', url: '/api/snapservice/cluster-pairs' })).json().items).toEqual([]);
  });

  it('refuses the local site and unknown sites', async () => {
    const local = await a.req({ method: 'DELETE', url: `/api/snapservice/sites/${a.runtime.deps.site.id}?vmw-task=true`, headers: json, payload: {} });
    expect(local.json().error_type).toBe('NOT_ALLOWED_IN_CURRENT_STATE');
    expect((await a.req({ method: 'DELETE', url: '/api/snapservice/sites/nope?vmw-task=true', headers: json, payload: {} })).statusCode).toBe(404);
    expect((await a.req({ method: 'DELETE', url: `/api/snapservice/sites/${bId}?vmw-task=true&bogus=1`, headers: json, payload: {} })).statusCode).toBe(400);
  });
});
