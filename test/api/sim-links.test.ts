import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, callError, userPass } from '../jsonrpc/client.ts';
import { makeApp, type TestApp } from '../helpers/app.ts';
import { json, pair } from '../helpers/sites.ts';

/** The sim API's link conditions: set, read, reset; every error path; JSON-RPC. */
let a: TestApp;
let b: TestApp;
let bId: string;
const SERVICE = 'com.vmware.snapservice.sim.sites.link';
const url = (site: string) => `/api/sim/sites/${site}/link`;

beforeAll(async () => {
  a = await makeApp({ siteName: 'site-a', taskDelayMs: 0 }, { https: true });
  b = await makeApp({ siteName: 'site-b', taskDelayMs: 0 }, { https: true });
  bId = await pair(a, b);
});
afterEach(() => a.runtime.deps.links.clear(bId));
afterAll(async () => {
  await a.close();
  await b.close();
});

describe('sim link conditions', () => {
  it('reads clear, sets each condition apart, and resets', async () => {
    expect((await a.req({ method: 'GET', url: url(bId) })).json()).toEqual({ cut: false, latency_ms: 0 });
    expect((await a.req({ method: 'PUT', url: url(bId), headers: json, payload: { latency_ms: 250, bandwidth: 4096 } })).statusCode).toBe(204);
    expect((await a.req({ method: 'PUT', url: url(bId), headers: json, payload: { cut: true } })).statusCode).toBe(204);
    expect((await a.req({ method: 'GET', url: url(bId) })).json()).toEqual({ cut: true, latency_ms: 250, bandwidth: 4096 });
    expect((await a.req({ method: 'PUT', url: url(bId), headers: json, payload: { cut: false } })).statusCode).toBe(204);
    expect((await a.req({ method: 'GET', url: url(bId) })).json()).toEqual({ cut: false, latency_ms: 250, bandwidth: 4096 });
    expect((await a.req({ method: 'DELETE', url: url(bId) })).statusCode).toBe(204);
    expect((await a.req({ method: 'GET', url: url(bId) })).json()).toEqual({ cut: false, latency_ms: 0 });
  });

  it('a cut link fails calls to the site as unreachable without connecting; restored, they work', async () => {
    const sites = async () => (await a.req({ method: 'GET', url: `/api/snapservice/sites/${bId}` })).json();
    expect((await sites()).pairing_infos[0].connection_state.connection_status).toBe('CONNECTED');
    await a.req({ method: 'PUT', url: url(bId), headers: json, payload: { cut: true } });
    const info = await sites();
    expect(info.pairing_infos[0].connection_state.connection_status).not.toBe('CONNECTED');
    // Refused before connecting (b's journal cannot show it: it records a request after answering, racing this test).
    expect(JSON.stringify(info)).toContain('is cut (simulated)');
    await a.req({ method: 'PUT', url: url(bId), headers: json, payload: { cut: false } });
    expect((await sites()).pairing_infos[0].connection_state.connection_status).toBe('CONNECTED');
  });

  it('latency passes on the service clock: a call waits until service time moves', async () => {
    await a.req({ method: 'PUT', url: url(bId), headers: json, payload: { latency_ms: 30_000 } });
    let done = false;
    const pending = a.req({ method: 'GET', url: `/api/snapservice/sites/${bId}` }).then((r) => ((done = true), r));
    await a.advance(29_000);
    expect(done).toBe(false);
    await a.advance(1000);
    expect((await pending).json().pairing_infos[0].connection_state.connection_status).toBe('CONNECTED');
    await a.req({ method: 'DELETE', url: url(bId) });
  });

  it('refuses: 401 without credentials, 403 without Snapservice.Simulation, 404 for a site not paired, 400 for bad values', async () => {
    expect((await a.req({ method: 'GET', url: url(bId), as: null })).statusCode).toBe(401);
    const denied = await a.req({ method: 'PUT', url: url(bId), headers: json, payload: { cut: true }, as: 'readonly' });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error_type).toBe('UNAUTHORIZED');
    expect((await a.req({ method: 'DELETE', url: url(bId), as: 'operator' })).statusCode).toBe(403);
    const missing = await a.req({ method: 'GET', url: url('no-such-site') });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error_type).toBe('NOT_FOUND');
    expect((await a.req({ method: 'GET', url: url(a.runtime.deps.site.id) })).statusCode).toBe(404);
    for (const payload of [{ latency_ms: -1 }, { latency_ms: 3600_001 }, { bandwidth: 0 }, { cut: 'yes' }, { speed: 1 }]) {
      const r = await a.req({ method: 'PUT', url: url(bId), headers: json, payload });
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json().error_type).toBe('INVALID_ARGUMENT');
    }
    const malformed = await a.req({ method: 'PUT', url: url(bId), headers: json, payload: '{"cut":' });
    expect(malformed.statusCode).toBe(400);
    expect((await a.req({ method: 'GET', url: url(bId) })).json()).toEqual({ cut: false, latency_ms: 0 });
  });

  it('serves JSON-RPC too', async () => {
    await call(a, SERVICE, 'set', { site: bId, spec: { STRUCTURE: { [`${SERVICE}.set_spec`]: { cut: { OPTIONAL: true }, latency_ms: { OPTIONAL: null }, bandwidth: { OPTIONAL: 100 } } } } }, userPass('admin'));
    expect(await call(a, SERVICE, 'get', { site: bId }, userPass('admin'))).toEqual({ cut: true, latency_ms: 0, bandwidth: 100 });
    await call(a, SERVICE, 'reset', { site: bId }, userPass('admin'));
    await callError(a, SERVICE, 'get', { site: 'nope' }, userPass('admin'), 'NOT_FOUND');
    await callError(a, SERVICE, 'get', { site: bId }, userPass('readonly'), 'UNAUTHORIZED');
  });
});
