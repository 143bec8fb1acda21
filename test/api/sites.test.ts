import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../helpers/app.ts';
import { addSpec, certOf, hostPortOf, json, pair, setLicense, task } from '../helpers/sites.ts';

/** Two sites in one process, each on its own HTTPS port and store, paired over real TLS. */
let a: TestApp;
let b: TestApp;
let bId: string;

beforeAll(async () => {
  a = await makeApp({ siteName: 'site-a' }, { https: true });
  b = await makeApp({ siteName: 'site-b' }, { https: true });
});
afterAll(async () => {
  await a.close();
  await b.close();
});

const ADD = '/api/snapservice/sites?action=add&vmw-task=true';
const PROBE = '/api/snapservice/sites?action=probe';

describe('probe', () => {
  it('returns the remote certificate untrusted (PARTIAL), then COMPLETED once it is sent back', async () => {
    const first = await a.req({ method: 'POST', url: PROBE, headers: json, payload: { vcenter_connection_spec: hostPortOf(b) } });
    expect(first.statusCode).toBe(200);
    const body = first.json();
    expect(body.status).toBe('PARTIAL');
    expect(body.vcenter_certificate.trusted).toBe(false);
    expect(body.vcenter_certificate.thumbprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(body.vcenter_certificate.certificate.replace(/\s/g, '')).toBe(certOf(b).replace(/\s/g, ''));
    expect(body.va_certificate).toBeUndefined();
    const second = await a.req({ method: 'POST', url: PROBE, headers: json, payload: { vcenter_connection_spec: hostPortOf(b), vcenter_certificate: body.vcenter_certificate.certificate } });
    expect(second.json()).toMatchObject({ status: 'COMPLETED', vcenter_certificate: { trusted: true }, va_certificate: { trusted: false } });
  });

  it('answers 503 for an address nobody listens on, 400 for a bad spec, 401 and 403', async () => {
    const closed = await a.req({ method: 'POST', url: PROBE, headers: json, payload: { vcenter_connection_spec: { host: '127.0.0.1', port: 1 } } });
    expect(closed.statusCode).toBe(503);
    expect(closed.json().error_type).toBe('SERVICE_UNAVAILABLE');
    const bad = await a.req({ method: 'POST', url: PROBE, headers: json, payload: { vcenter_connection_spec: { host: '', port: 70000 } } });
    expect(bad.json().error_type).toBe('INVALID_ARGUMENT');
    const notCert = await a.req({ method: 'POST', url: PROBE, headers: json, payload: { vcenter_connection_spec: hostPortOf(b), vcenter_certificate: 'nope' } });
    expect(notCert.json().messages[0].args[0]).toBe('spec.vcenter_certificate');
    expect((await a.req({ method: 'POST', url: PROBE, headers: json, payload: {} })).statusCode).toBe(400);
    expect((await a.req({ method: 'POST', url: PROBE, headers: json, payload: { vcenter_connection_spec: hostPortOf(b) }, as: null })).statusCode).toBe(401);
    const ro = await a.req({ method: 'POST', url: PROBE, headers: json, payload: { vcenter_connection_spec: hostPortOf(b) }, as: 'readonly' });
    expect(ro.statusCode).toBe(403);
    expect(ro.json().messages[0].args[1]).toBe('VsanDP.Replication.com.vmware.vsan.snapshotservice.Site.View');
  });
});

describe('add', () => {
  it('refuses an untrusted or different certificate (UNVERIFIED_PEER), wrong or missing credentials, itself', async () => {
    const untrusted = await a.req({ method: 'POST', url: ADD, headers: json, payload: addSpec(b, { vcenter_certificate: undefined }) });
    expect(untrusted.statusCode).toBe(400);
    expect(untrusted.json().error_type).toBe('UNVERIFIED_PEER');
    const other = await a.req({ method: 'POST', url: ADD, headers: json, payload: addSpec(b, { vcenter_certificate: certOf(a) }) });
    expect(other.json().messages[0].id).toBe('com.vmware.snapservice.site.certificate_mismatch');
    const wrong = await a.req({ method: 'POST', url: ADD, headers: json, payload: addSpec(b, { vcenter_creds: { user: 'administrator@vsphere.local', password: 'wrong' } }) });
    expect(wrong.json()).toMatchObject({ error_type: 'INVALID_ARGUMENT', messages: [{ args: ['spec.vcenter_creds', expect.stringContaining('refused')] }] });
    const none = await a.req({ method: 'POST', url: ADD, headers: json, payload: addSpec(b, { vcenter_creds: undefined }) });
    expect(none.json().error_type).toBe('INVALID_ARGUMENT');
    const self = await a.req({ method: 'POST', url: ADD, headers: json, payload: addSpec(a) });
    expect(self.json().error_type).toBe('INVALID_ARGUMENT');
    const gone = await a.req({ method: 'POST', url: ADD, headers: json, payload: addSpec(b, { vcenter_connection_spec: { host: '127.0.0.1', port: 1 } }) });
    expect(gone.statusCode).toBe(503);
    expect((await a.req({ method: 'POST', url: ADD, headers: json, payload: addSpec(b), as: 'operator' })).statusCode).toBe(403);
    expect((await a.req({ method: 'GET', url: '/api/snapservice/sites' })).json().items).toHaveLength(1);
  });

  it('pairs both ways: each side lists the other as CONNECTED, with the same ids', async () => {
    bId = await pair(a, b);
    expect(bId).toBe(b.runtime.deps.site.id);
    const onA = (await a.req({ method: 'GET', url: '/api/snapservice/sites' })).json().items;
    expect(onA.map((i: any) => [i.site, i.summary.local, i.summary.name])).toEqual([[a.runtime.deps.site.id, true, 'site-a'], [bId, false, 'site-b']]);
    expect(onA[1].summary.pairing_summaries).toEqual([{ site: a.runtime.deps.site.id, connection_state: { connection_status: 'CONNECTED' }, paired_services: ['SS'] }]);
    const onB = (await b.req({ method: 'GET', url: '/api/snapservice/sites' })).json().items;
    expect(onB.map((i: any) => i.site)).toEqual([bId, a.runtime.deps.site.id]);
    expect(onB[0].summary.pairing_summaries[0].connection_state.connection_status).toBe('CONNECTED');
  });

  it('refuses a second pairing (NOT_ALLOWED_IN_CURRENT_STATE) on either side', async () => {
    const again = await a.req({ method: 'POST', url: ADD, headers: json, payload: addSpec(b) });
    expect(again.json().error_type).toBe('NOT_ALLOWED_IN_CURRENT_STATE');
    const c = await makeApp({ siteName: 'site-c' }, { https: true });
    try {
      const third = await c.req({ method: 'POST', url: ADD, headers: json, payload: addSpec(b) });
      expect(third.statusCode).toBe(202);
      const info = await task(c, third.json());
      expect(info.status).toBe('FAILED');
      expect(info.error.error_type).toBe('NOT_ALLOWED_IN_CURRENT_STATE');
      expect((await c.req({ method: 'GET', url: '/api/snapservice/sites' })).json().items).toHaveLength(1);
    } finally {
      await c.close();
    }
    const unknown = await a.req({ method: 'GET', url: '/api/snapservice/sites/nope/clusters', as: 'readonly' });
    expect(unknown.statusCode).toBe(404);
  });
});

describe('list, get and filters', () => {
  it('filters by local, paired and ids', async () => {
    const local = (await a.req({ method: 'GET', url: '/api/snapservice/sites?local=true' })).json().items;
    expect(local.map((i: any) => i.site)).toEqual([a.runtime.deps.site.id]);
    const byId = (await a.req({ method: 'GET', url: `/api/snapservice/sites?sites=${bId}` })).json().items;
    expect(byId.map((i: any) => i.site)).toEqual([bId]);
    expect((await a.req({ method: 'GET', url: '/api/snapservice/sites?bogus=1' })).statusCode).toBe(400);
  });

  it('gets the local and the remote site, 404 for others', async () => {
    const remote = (await a.req({ method: 'GET', url: `/api/snapservice/sites/${bId}` })).json();
    expect(remote).toMatchObject({ name: 'site-b', local: false, in_use: false, services: [{ type: 'SS', connection_state: { connection_status: 'CONNECTED' } }] });
    const local = (await a.req({ method: 'GET', url: `/api/snapservice/sites/${a.runtime.deps.site.id}` })).json();
    expect(local.pairing_infos.map((p: any) => p.site)).toEqual([bId]);
    const missing = await a.req({ method: 'GET', url: '/api/snapservice/sites/nope' });
    expect(missing.statusCode).toBe(404);
    expect((await a.req({ method: 'GET', url: `/api/snapservice/sites/${bId}`, as: 'readonly' })).statusCode).toBe(403);
  });
});

describe('what a site has', () => {
  it('lists the remote clusters with their datastores, fetched from the remote', async () => {
    const r = (await a.req({ method: 'GET', url: `/api/snapservice/sites/${bId}/clusters` })).json();
    const bClusters = await b.runtime.deps.store.repos.inventory.listClusters();
    expect(r.items.map((i: any) => i.cluster).sort()).toEqual(bClusters.map((c) => c.id).sort());
    expect(r.items[0].info.datastores).toHaveLength(1);
    const named = (await a.req({ method: 'GET', url: `/api/snapservice/sites/${bId}/clusters?names=Cluster-B` })).json();
    expect(named.items.map((i: any) => i.info.name)).toEqual(['Cluster-B']);
  });

  it('shows the remote licence as the remote holds it, and none for the local site', async () => {
    const url = `/api/snapservice/sites/${bId}/licenses`;
    expect((await a.req({ method: 'GET', url })).json().items[0].info.vlr_license_info).toMatchObject({ operational_mode: 'OPERATIONAL' });
    await setLicense(b, 'EXPIRED');
    expect((await a.req({ method: 'GET', url })).json().items[0].info.vlr_license_info.operational_mode).toBe('SUSPENDED');
    await setLicense(b, 'ABSENT');
    expect((await a.req({ method: 'GET', url })).json().items[0].info.vlr_license_info).toEqual({ vlr_license_type: 'NONE' });
    // A term licence has neither mode nor capacity in the vendor's union.
    expect((await b.req({ method: 'PUT', url: '/api/sim/license', headers: json, payload: { state: 'OPERATIONAL', type: 'TERM_BASED' } })).statusCode).toBe(204);
    expect((await a.req({ method: 'GET', url })).json().items[0].info.vlr_license_info).toEqual({ vlr_license_type: 'TERM_BASED' });
    await setLicense(b, 'OPERATIONAL');
    expect((await a.req({ method: 'GET', url })).json().items[0].info.vlr_license_info).toMatchObject({ vlr_license_type: 'OFFLINE_SUBSCRIPTION', total: 256 });
    expect((await a.req({ method: 'GET', url: `/api/snapservice/sites/${a.runtime.deps.site.id}/licenses` })).json().items).toEqual([]);
  });

  it('reports site, cluster and datastore capabilities and datastores', async () => {
    const caps = (await a.req({ method: 'GET', url: `/api/snapservice/sites/${bId}/capabilities` })).json();
    expect(caps.service_capability_info[0]).toMatchObject({ service: 'SS', info: { capabilities: expect.arrayContaining(['SITE_PAIRING']) } });
    expect((await a.req({ method: 'GET', url: `/api/snapservice/sites/${bId}/capabilities?service=HMS` })).json().service_capability_info).toEqual([]);
    const ds = (await a.req({ method: 'GET', url: `/api/snapservice/sites/${bId}/datastores` })).json().items;
    expect(ds[0].info).toMatchObject({ type: 'VSAN', hierarchy: ['Folder:Datacenters', expect.stringMatching(/^Datacenter:/), 'Folder:datastore'] });
    expect(ds[0].info.free_space).toBeLessThan(ds[0].info.capacity);
    const one = await a.req({ method: 'GET', url: `/api/snapservice/sites/${bId}/datastores/${ds[0].datastore}/capabilities` });
    expect(one.json().capabilities).toContain('VSAN_SNAPSHOTS');
    expect((await a.req({ method: 'GET', url: `/api/snapservice/sites/${bId}/datastores/datastore-999/capabilities` })).statusCode).toBe(404);
    const list = (await a.req({ method: 'GET', url: `/api/snapservice/sites/${bId}/datastores/capabilities?datastores=${ds[0].datastore}` })).json().items;
    expect(list).toHaveLength(1);
    const cluster = (await a.req({ method: 'GET', url: `/api/snapservice/sites/${bId}/clusters` })).json().items[0].cluster;
    const plain = (await a.req({ method: 'GET', url: `/api/snapservice/sites/${bId}/clusters/${cluster}/capabilities` })).json();
    const aggregated = (await a.req({ method: 'GET', url: `/api/snapservice/sites/${bId}/clusters/${cluster}/capabilities?aggregated=true` })).json();
    expect(aggregated.capabilities.length).toBeGreaterThan(plain.capabilities.length);
    expect((await a.req({ method: 'GET', url: `/api/snapservice/sites/${bId}/clusters/domain-c999/capabilities` })).statusCode).toBe(404);
  });

  it('is absent before 9.1 where the vendor added it', async () => {
    const old = await makeApp({ release: '9.0' });
    try {
      const r = await old.req({ method: 'GET', url: `/api/snapservice/sites/${old.runtime.deps.site.id}/datastores` });
      expect(r.json().error_type).toBe('OPERATION_NOT_FOUND');
      const clusters = (await old.req({ method: 'GET', url: `/api/snapservice/sites/${old.runtime.deps.site.id}/clusters` })).json();
      expect(clusters.items[0].info.datastores).toBeUndefined();
    } finally {
      await old.close();
    }
    const unknown = await a.req({ method: 'GET', url: '/api/snapservice/sites/nope/clusters', as: 'readonly' });
    expect(unknown.statusCode).toBe(404);
  });
});

describe('every sites and cluster-pairs operation', () => {
  it('answers 401 without credentials, then 404 for an unknown object, then 403 without the site privilege', async () => {
    const site = () => bId ?? a.runtime.deps.site.id;
    const calls: Array<[string, string, unknown?]> = [
      ['POST', PROBE, {}], ['GET', '/api/snapservice/sites'], ['GET', `/api/snapservice/sites/${site()}`], ['POST', ADD, {}],
      ['PATCH', `/api/snapservice/sites/${site()}?vmw-task=true`, {}], ['DELETE', `/api/snapservice/sites/${site()}?vmw-task=true`],
      ['GET', `/api/snapservice/sites/${site()}/clusters`], ['GET', `/api/snapservice/sites/${site()}/licenses`],
      ['GET', `/api/snapservice/sites/${site()}/capabilities`], ['GET', `/api/snapservice/sites/${site()}/clusters/domain-c1/capabilities`],
      ['GET', `/api/snapservice/sites/${site()}/datastores`], ['GET', `/api/snapservice/sites/${site()}/datastores/capabilities`],
      ['GET', `/api/snapservice/sites/${site()}/datastores/datastore-1/capabilities`],
      ['GET', '/api/snapservice/cluster-pairs'], ['GET', '/api/snapservice/cluster-pairs/cp-1'],
      ['POST', '/api/snapservice/cluster-pairs?action=create-precheck', {}], ['POST', '/api/snapservice/cluster-pairs?action=create-precheck&vmw-task=true', {}],
      ['POST', '/api/snapservice/cluster-pairs?vmw-task=true', {}], ['DELETE', '/api/snapservice/cluster-pairs/cp-1?vmw-task=true'],
    ];
    for (const [method, url, payload] of calls) {
      const body = payload === undefined ? {} : { headers: json, payload: payload as Record<string, unknown> };
      const anon = await a.req({ method: method as 'GET', url, ...body, as: null });
      expect(anon.statusCode, `${method} ${url}`).toBe(401);
      const ro = await a.req({ method: method as 'GET', url, ...body, as: 'readonly' });
      if (url.includes('cp-1')) {
        expect(ro.statusCode, `${method} ${url}`).toBe(404);
        continue;
      }
      expect(ro.statusCode, `${method} ${url}`).toBe(403);
      expect(ro.json().messages[0].args[1], `${method} ${url}`).toMatch(/^VsanDP\.Replication\.com\.vmware\.vsan\.snapshotservice\.Site\.(View|Manage)$/);
    }
    const unknown = await a.req({ method: 'GET', url: '/api/snapservice/sites/nope/clusters', as: 'readonly' });
    expect(unknown.statusCode).toBe(404);
  });
});
