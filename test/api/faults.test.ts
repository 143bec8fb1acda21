import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';
import { call, callError, O, rpc, S, userPass } from '../jsonrpc/client.ts';

let t: TestApp;
let I: Awaited<ReturnType<typeof ids>>;
beforeEach(async () => {
  t = await makeApp();
  I = await ids(t);
});
afterEach(() => t.close());

const VMS = 'com.vmware.snapservice.clusters.virtual_machines';
const vmsUrl = () => `/api/snapservice/clusters/${I.clusterA}/virtual-machines`;
const addRule = async (spec: Record<string, unknown>) => {
  const res = await t.req({ method: 'POST', url: '/api/sim/faults', payload: spec });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as string;
};
const rule = async (id: string) => (await t.req({ method: 'GET', url: `/api/sim/faults/${id}` })).json();
const listVms = (as: 'admin' | 'readonly' = 'admin') => t.req({ method: 'GET', url: vmsUrl(), as });
const busy = { type: 'ERROR', error_kind: 'SERVICE_UNAVAILABLE', message: 'vCenter is restarting' };

describe('fault rules through /api/sim/faults', () => {
  it('adds, lists, gets, disables, enables, deletes and clears rules', async () => {
    const id = await addRule({ name: 'down', match: { service: VMS, operation: 'list' }, effect: busy });
    const info = await rule(id);
    expect(info).toEqual({
      rule: id, name: 'down', match: { service: VMS, operation: 'list' }, effect: busy,
      probability: 1, seed: 1, after: 0, enabled: true, matches: 0, hits: 0,
    });
    expect((await t.req({ method: 'GET', url: '/api/sim/faults' })).json()).toEqual([info]);
    const off = await t.req({ method: 'POST', url: `/api/sim/faults/${id}?action=disable` });
    expect(off.json().enabled).toBe(false);
    expect((await listVms()).statusCode).toBe(200);
    expect((await t.req({ method: 'POST', url: `/api/sim/faults/${id}?action=enable` })).json().enabled).toBe(true);
    expect((await listVms()).statusCode).toBe(503);
    expect((await t.req({ method: 'DELETE', url: `/api/sim/faults/${id}` })).statusCode).toBe(204);
    expect((await t.req({ method: 'GET', url: `/api/sim/faults/${id}` })).statusCode).toBe(404);
    await addRule({ match: { service: VMS }, effect: busy });
    expect((await t.req({ method: 'DELETE', url: '/api/sim/faults' })).statusCode).toBe(204);
    expect((await t.req({ method: 'GET', url: '/api/sim/faults' })).json()).toEqual([]);
    expect((await listVms()).statusCode).toBe(200);
  });

  it('refuses anonymous callers (401), non-admins (403) and unknown rules (404)', async () => {
    expect((await t.req({ method: 'GET', url: '/api/sim/faults', as: null })).statusCode).toBe(401);
    const ro = await t.req({ method: 'POST', url: '/api/sim/faults', as: 'readonly', payload: { match: { service: VMS }, effect: busy } });
    expect(ro.statusCode).toBe(403);
    expect(ro.json().error_type).toBe('UNAUTHORIZED');
    for (const [method, url] of [['GET', '/api/sim/faults/fault-99'], ['DELETE', '/api/sim/faults/fault-99'], ['POST', '/api/sim/faults/fault-99?action=enable']] as const) {
      const res = await t.req({ method, url });
      expect(res.statusCode).toBe(404);
      expect(res.json().error_type).toBe('NOT_FOUND');
    }
  });

  it.each([
    ['no target', { match: {}, effect: busy }, 'spec.match'],
    ['operation without service', { match: { operation: 'list' }, effect: busy }, 'spec.match.operation'],
    ['method without path', { match: { method: 'GET' }, effect: busy }, 'spec.match.path'],
    ['unknown operation', { match: { service: VMS, operation: 'explode' }, effect: busy }, 'spec.match'],
    ['unknown path', { match: { method: 'GET', path: '/api/nowhere' }, effect: busy }, 'spec.match'],
    ['scheduled with a user', { match: { scheduled: true, user: 'x' }, effect: busy }, 'spec.match.user'],
    ['scheduled latency', { match: { scheduled: true }, effect: { type: 'LATENCY', delay_ms: 5 } }, 'spec.effect.type'],
    ['latency without delay', { match: { service: VMS }, effect: { type: 'LATENCY' } }, 'spec.effect.delay_ms'],
    ['a field of another effect', { match: { service: VMS }, effect: { type: 'ERROR', delay_ms: 5 } }, 'spec.effect.delay_ms'],
    ['step and progress', { match: { service: VMS }, effect: { type: 'TASK_FAILURE', at_step: 1, at_progress: 5 } }, 'spec.effect.at_step'],
    ['an unknown kind', { match: { service: VMS }, effect: { type: 'ERROR', error_kind: 'OOPS' } }, 'spec.effect.error_kind'],
    ['a probability over 1', { match: { service: VMS }, effect: busy, probability: 2 }, 'spec.probability'],
    ['an unknown field', { match: { service: VMS }, effect: busy, when: 'now' }, 'spec.when'],
  ])('refuses a rule with %s (400 INVALID_ARGUMENT naming the field)', async (_what, spec, field) => {
    const res = await t.req({ method: 'POST', url: '/api/sim/faults', payload: spec });
    expect(res.statusCode).toBe(400);
    expect(res.json().error_type).toBe('INVALID_ARGUMENT');
    expect(res.json().messages[0].args[0]).toBe(field);
  });

  it('refuses malformed JSON (400)', async () => {
    const res = await t.req({ method: 'POST', url: '/api/sim/faults', payload: '{"match":', headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
  });
});

describe('fault rules over JSON-RPC', () => {
  it('are added, listed and reset with the same checks', async () => {
    const F = 'com.vmware.snapservice.sim.faults';
    const match = S(`${F}.match`, { service: O(VMS), operation: O('list'), method: O(), path: O(), scheduled: O(), user: O(), object: O() });
    const effect = S(`${F}.effect`, { type: 'LATENCY', error_kind: O(), message: O(), delay_ms: O(250), jitter_ms: O(), at_progress: O(), at_step: O(), vms: O() });
    const spec = (m: unknown) => S(`${F}.create_spec`, { name: O('rpc'), match: m, effect, probability: O(0.25), seed: O(9), count: O(), after: O(), enabled: O() });
    const id = await call(t, F, 'create', { spec: spec(match) }, userPass('admin'));
    expect(id).toBe('fault-1');
    const [info] = await call(t, F, 'list', {}, userPass('admin'));
    expect(info).toMatchObject({ rule: 'fault-1', name: 'rpc', probability: 0.25, seed: 9, effect: { type: 'LATENCY', delay_ms: 250 } });
    const bad = S(`${F}.match`, { service: O(), operation: O('list'), method: O(), path: O(), scheduled: O(), user: O(), object: O() });
    const e = await callError(t, F, 'create', { spec: spec(bad) }, userPass('admin'), 'INVALID_ARGUMENT');
    expect(e.messages[0].args[0]).toBe('spec.match.operation');
    await callError(t, F, 'create', { spec: spec(match) }, userPass('readonly'), 'UNAUTHORIZED');
  });
});

describe('an ERROR rule', () => {
  it('answers the same vAPI error over REST and JSON-RPC', async () => {
    await addRule({ match: { service: VMS, operation: 'list' }, effect: busy });
    const rest = await listVms();
    expect(rest.statusCode).toBe(503);
    expect(rest.json()).toEqual({
      error_type: 'SERVICE_UNAVAILABLE',
      messages: [{ id: 'com.vmware.snapservice.sim.fault', default_message: 'vCenter is restarting', args: ['fault-1'] }],
    });
    const rpcError = await callError(t, VMS, 'list', { cluster: I.clusterA, filter: O() }, userPass('admin'), 'SERVICE_UNAVAILABLE');
    expect(rpcError.messages).toEqual(rest.json().messages);
    expect((await rule('fault-1')).hits).toBe(2);
  });

  it('is never seen by a user it does not name, nor for an object it does not name', async () => {
    await addRule({ match: { method: 'GET', path: '/api/snapservice/clusters/{cluster}/virtual-machines/{vm}', user: 'operator@vsphere.local', object: I.vm('web-01') }, effect: busy });
    const get = (vm: string, as: 'admin' | 'operator') => t.req({ method: 'GET', url: `${vmsUrl()}/${I.vm(vm)}`, as });
    expect((await get('web-01', 'admin')).statusCode).toBe(200);
    expect((await get('web-02', 'operator')).statusCode).toBe(200);
    expect((await get('web-01', 'operator')).statusCode).toBe(503);
    expect(await rule('fault-1')).toMatchObject({ matches: 1, hits: 1 });
  });

  it('fires after the Nth match, a given number of times', async () => {
    await addRule({ match: { service: VMS, operation: 'list' }, effect: { type: 'ERROR', error_kind: 'RESOURCE_BUSY' }, after: 2, count: 2 });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await listVms()).statusCode);
    expect(statuses).toEqual([200, 200, 400, 400, 200, 200]);
    expect(await rule('fault-1')).toMatchObject({ matches: 6, hits: 2 });
  });

  it('fires with a probability that a seed makes reproducible, and reset repeats the run', async () => {
    await addRule({ match: { service: VMS, operation: 'list' }, effect: busy, probability: 0.5, seed: 42 });
    const run = async () => {
      const out = [];
      for (let i = 0; i < 20; i++) out.push((await listVms()).statusCode === 503 ? 1 : 0);
      return out.join('');
    };
    const first = await run();
    expect(first).toMatch(/1/);
    expect(first).toMatch(/0/);
    expect((await t.req({ method: 'POST', url: '/api/sim/faults?action=reset' })).statusCode).toBe(204);
    expect((await rule('fault-1')).matches).toBe(0);
    expect(await run()).toBe(first);
  });

  it('targets the login, and the answer is the vendor shape of the chosen kind', async () => {
    await addRule({ match: { service: 'com.vmware.cis.session', operation: 'create', user: 'readonly@vsphere.local' }, effect: { type: 'ERROR', error_kind: 'UNAUTHENTICATED', message: 'SSO is down' } });
    expect((await t.req({ method: 'POST', url: '/api/session', as: 'admin' })).statusCode).toBe(201);
    const res = await t.req({ method: 'POST', url: '/api/session', as: 'readonly' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBeDefined();
    expect(res.json().messages[0].default_message).toBe('SSO is down');
  });

  it('never touches the control plane itself', async () => {
    await addRule({ match: { method: 'GET', path: '/api/sim/clock' }, effect: busy });
    expect((await t.req({ method: 'GET', url: '/api/sim/clock' })).statusCode).toBe(503);
    expect((await t.req({ method: 'GET', url: '/api/sim/faults' })).statusCode).toBe(200);
    const res = await t.req({ method: 'POST', url: '/api/sim/faults', payload: { match: { method: 'GET', path: '/api/sim/faults' }, effect: busy } });
    expect(res.statusCode).toBe(400);
  });
});

describe('a LATENCY rule', () => {
  it('delays the answer on the service clock, with jitter drawn from the seed', async () => {
    await addRule({ match: { method: 'GET', path: '/api/snapservice/clusters/{cluster}/virtual-machines' }, effect: { type: 'LATENCY', delay_ms: 2000 } });
    const delayed = t.runtime.deps.faults.nextDelay();
    let done = false;
    const pending = listVms().then((r) => {
      done = true;
      return r;
    });
    await delayed;
    await t.advance(1999);
    expect(done).toBe(false);
    await t.advance(1);
    expect((await pending).statusCode).toBe(200);
    const [entry] = (await t.req({ method: 'GET', url: '/api/sim/requests?operation=list' })).json();
    expect(entry.duration_ms).toBe(2000);
  });

  it('slows JSON-RPC calls alike', async () => {
    await addRule({ match: { service: VMS, operation: 'list' }, effect: { type: 'LATENCY', delay_ms: 500, jitter_ms: 100 }, seed: 7 });
    const delayed = t.runtime.deps.faults.nextDelay();
    const pending = rpc(t, VMS, 'list', { cluster: I.clusterA, filter: O() }, userPass('admin'));
    await delayed;
    await t.advance(600);
    const { reply } = await pending;
    expect(reply.error).toBeUndefined();
    const [entry] = (await t.req({ method: 'GET', url: '/api/sim/requests?operation=list' })).json();
    expect(entry.duration_ms).toBeGreaterThanOrEqual(500);
    expect(entry.duration_ms).toBeLessThanOrEqual(600);
  });
});
