import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, makeApp, type TestApp } from '../helpers/app.ts';
import { certOf, json, pair } from '../helpers/sites.ts';

/** The endpoints a paired site calls (/api/peer): who may call them, and what they refuse. */
let a: TestApp;
let b: TestApp;
let bId: string;

beforeAll(async () => {
  a = await makeApp({ siteName: 'site-a' }, { https: true });
  b = await makeApp({ siteName: 'site-b' }, { https: true });
  bId = await pair(a, b);
});
afterAll(async () => {
  await a.close();
  await b.close();
});

const spec = (t: TestApp, over: Record<string, unknown> = {}) => ({
  site: 'another-site', name: 'x', vcenter: 'vc', url: 'https://127.0.0.1:1', certificate: certOf(t), release: '9.1',
  credential: { user: 'u@vsphere.local', password: 'p' }, ...over,
});

describe('peer endpoints', () => {
  it('need credentials and the site privileges', async () => {
    expect((await b.req({ method: 'GET', url: '/api/peer/site', as: null })).statusCode).toBe(401);
    expect((await b.req({ method: 'GET', url: '/api/peer/site', as: 'readonly' })).statusCode).toBe(403);
    const facts = (await b.req({ method: 'GET', url: '/api/peer/site' })).json();
    expect(facts).toMatchObject({ site: bId, name: 'site-b', release: '9.1', license: { state: 'OPERATIONAL' } });
  });

  it('answer the paired site with the service credential it holds, for its own pairing only', async () => {
    const held = (await a.runtime.deps.store.repos.sites.get(bId))!;
    const authorization = basic(held.remoteUser, held.remotePassword);
    expect((await b.req({ method: 'GET', url: '/api/peer/clusters', headers: { authorization }, as: null })).statusCode).toBe(200);
    const other = await b.req({ method: 'DELETE', url: '/api/peer/pairings/someone-else', headers: { authorization }, as: null });
    expect(other.statusCode).toBe(404);
    const wrong = await b.req({ method: 'GET', url: '/api/peer/site', headers: { authorization: basic(held.remoteUser, 'guess') }, as: null });
    expect(wrong.statusCode).toBe(401);
  });

  it('refuse a pairing while paired, with itself, with a bad certificate or an unreachable caller', async () => {
    const c = await makeApp({ siteName: 'site-c' }, { https: true });
    try {
      const paired = await b.req({ method: 'POST', url: '/api/peer/pairings', headers: json, payload: spec(c, { site: c.runtime.deps.site.id, url: c.runtime.deps.site.url }) });
      expect(paired.json().error_type).toBe('NOT_ALLOWED_IN_CURRENT_STATE');
    } finally {
      await c.close();
    }
    const self = await b.req({ method: 'POST', url: '/api/peer/pairings', headers: json, payload: spec(b, { site: bId }) });
    expect(self.json().error_type).toBe('INVALID_ARGUMENT');
    const bad = await b.req({ method: 'POST', url: '/api/peer/pairings', headers: json, payload: spec(b, { certificate: 'nope' }) });
    expect(bad.json().messages[0].args[0]).toBe('spec.certificate');
    const gone = await b.req({ method: 'POST', url: '/api/peer/pairings', headers: json, payload: spec(a) });
    expect(gone.statusCode).toBe(503);
    const lying = await b.req({ method: 'POST', url: '/api/peer/pairings', headers: json, payload: spec(b, { url: a.runtime.deps.site.url }) });
    expect(lying.json().error_type).toBe('UNVERIFIED_PEER');
    expect((await b.req({ method: 'POST', url: '/api/peer/pairings', headers: json, payload: { site: 1 } })).statusCode).toBe(400);
  });

  it('pair anew when the paired site adds again (its add task ran again after a restart), with fresh credentials', async () => {
    const before = (await b.runtime.deps.store.repos.sites.get(a.runtime.deps.site.id))!;
    const again = await b.req({ method: 'POST', url: '/api/peer/pairings', headers: json, payload: spec(a, { site: a.runtime.deps.site.id, url: a.runtime.deps.site.url, name: 'site-a' }) });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ site: bId, name: 'site-b' });
    const after = (await b.runtime.deps.store.repos.sites.get(a.runtime.deps.site.id))!;
    expect(after.localUser).not.toBe(before.localUser);
    expect(await b.runtime.deps.store.repos.users.get(before.localUser)).toBeUndefined();
    expect((await b.runtime.deps.store.repos.sites.list())).toHaveLength(1);
  });

  it('refuse a cluster pair for a cluster that does not exist or is paired', async () => {
    const cp = (over: Record<string, unknown>) => ({ id: 'cp-1', site: a.runtime.deps.site.id, cluster: 'domain-c1', cluster_name: 'A', peer_cluster: 'domain-c999', ...over });
    expect((await b.req({ method: 'POST', url: '/api/peer/cluster-pairs', headers: json, payload: cp({}) })).statusCode).toBe(404);
    expect((await b.req({ method: 'POST', url: '/api/peer/cluster-pairs', headers: json, payload: cp({ site: 'nope' }) })).statusCode).toBe(404);
  });
});
