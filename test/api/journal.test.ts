import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ids, makeApp, USERS, type TestApp } from '../helpers/app.ts';
import { call, rpc, S, sessionId, userPass } from '../jsonrpc/client.ts';
import { issueRequest } from '../sts/helpers.ts';

const VMS = 'com.vmware.snapservice.clusters.virtual_machines';

let t: TestApp;
let I: Awaited<ReturnType<typeof ids>>;
beforeEach(async () => {
  t = await makeApp();
  I = await ids(t);
});
afterEach(() => t.close());

const journal = async (query = '') => {
  const res = await t.req({ method: 'GET', url: `/api/sim/requests${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as any[];
};
const vmUrl = (vm: string) => `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}`;
const firstSnapshot = async (vm: string) => (await t.req({ method: 'GET', url: `${vmUrl(vm)}/snapshots` })).json().items[0].snapshot as string;

describe('the request journal', () => {
  it('records every REST call: time, user, operation, ids, input, status or error kind, task id, duration', async () => {
    const vm = I.vm('web-01');
    const snapshot = await firstSnapshot(vm);
    await t.req({ method: 'DELETE', url: '/api/sim/requests' });
    await t.advance(1000);
    const res = await t.req({ method: 'POST', url: `${vmUrl(vm)}?action=revert&vmw-task=true`, payload: { snapshot } });
    await t.req({ method: 'GET', url: vmUrl('vm-404'), as: 'readonly' });
    const entries = await journal();
    expect(entries).toHaveLength(2);
    expect(entries[0]).toEqual({
      seq: entries[0].seq, time: new Date(t.clock.now()).toISOString(), protocol: 'REST', method: 'POST',
      path: `${vmUrl(vm)}`, user: USERS.admin.user, operation: `${VMS}.revert$task`,
      ids: [{ name: 'cluster', id: I.clusterA }, { name: 'vm', id: vm }], input: JSON.stringify({ spec: { snapshot } }),
      status: 202, task: res.json(), duration_ms: 0,
    });
    expect(entries[1]).toMatchObject({ user: USERS.readonly.user, operation: `${VMS}.get`, status: 404, error: 'NOT_FOUND' });
    expect(entries[1].seq).toBeGreaterThan(entries[0].seq);
  });

  it('filters by operation, user, object, since and status, and DELETE clears it', async () => {
    const [web1, web2] = [I.vm('web-01'), I.vm('web-02')];
    await t.req({ method: 'GET', url: vmUrl(web1) });
    const since = new Date(t.clock.now() + 1000).toISOString();
    await t.advance(1000);
    await t.req({ method: 'GET', url: vmUrl(web2), as: 'operator' });
    await t.req({ method: 'POST', url: `${vmUrl(web1)}?action=revert&vmw-task=true`, payload: { snapshot: 'nope' } });
    await t.req({ method: 'GET', url: vmUrl(web1), as: null });

    expect((await journal(`?object=${web1}`)).map((e) => e.operation)).toEqual([`${VMS}.get`, `${VMS}.revert$task`, `${VMS}.get`]);
    expect((await journal(`?object=${web2}`)).map((e) => e.user)).toEqual([USERS.operator.user]);
    expect((await journal('?operation=revert')).map((e) => e.error)).toEqual(['INVALID_ARGUMENT']);
    expect(await journal(`?operation=${VMS}.revert$task&user=nobody`)).toEqual([]);
    expect((await journal(`?since=${encodeURIComponent(since)}`)).length).toBe(3);
    expect((await journal('?status=401')).map((e) => e.error)).toEqual(['UNAUTHENTICATED']);
    expect((await journal('?status=INVALID_ARGUMENT')).length).toBe(1);
    expect((await journal(`?user=${encodeURIComponent(USERS.operator.user)}`)).length).toBe(1);
    // "the tool reverted web-01 once and never touched web-02 with a revert"
    expect(await journal(`?operation=revert&object=${web2}`)).toEqual([]);

    expect((await t.req({ method: 'DELETE', url: '/api/sim/requests' })).statusCode).toBe(204);
    expect(await journal()).toEqual([]);
  });

  it('refuses a bad filter (400), anonymous callers (401) and non-admins (403)', async () => {
    const bad = await t.req({ method: 'GET', url: '/api/sim/requests?since=yesterday' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error_type).toBe('INVALID_ARGUMENT');
    expect((await t.req({ method: 'GET', url: '/api/sim/requests?colour=red' })).statusCode).toBe(400);
    expect((await t.req({ method: 'GET', url: '/api/sim/requests', as: null })).statusCode).toBe(401);
    expect((await t.req({ method: 'GET', url: '/api/sim/requests', as: 'readonly' })).statusCode).toBe(403);
    expect((await t.req({ method: 'DELETE', url: '/api/sim/requests', as: 'operator' })).statusCode).toBe(403);
  });

  it('records JSON-RPC calls with their operation, user and ids, and a vAPI error kind', async () => {
    const token = await call(t, 'com.vmware.cis.session', 'create', {}, userPass('operator'));
    await call(t, VMS, 'get', { cluster: I.clusterA, vm: I.vm('db-01') }, sessionId(token));
    await rpc(t, VMS, 'get', { cluster: I.clusterA, vm: 'vm-404' }, sessionId(token));
    await rpc(t, VMS, 'explode', {}, userPass('admin'));
    const entries = await journal();
    expect(entries.map((e) => [e.protocol, e.operation, e.user, e.status, e.error])).toEqual([
      ['JSON-RPC', 'com.vmware.cis.session.create', USERS.operator.user, 200, undefined],
      ['JSON-RPC', `${VMS}.get`, USERS.operator.user, 200, undefined],
      ['JSON-RPC', `${VMS}.get`, USERS.operator.user, 200, 'NOT_FOUND'],
      ['JSON-RPC', `${VMS}.explode`, undefined, 200, 'OPERATION_NOT_FOUND'],
    ]);
    expect(entries[1].ids).toEqual([{ name: 'cluster', id: I.clusterA }, { name: 'vm', id: I.vm('db-01') }]);
    expect(JSON.stringify(entries)).not.toContain(token);
  });

  it('keeps no secret: passwords, session tokens, SAML assertions and Authorization headers are redacted or never recorded', async () => {
    const vm = I.vm('web-01');
    await t.req({ method: 'POST', url: `${vmUrl(vm)}?action=revert&vmw-task=true`, payload: { snapshot: 's', password: 'hunter2', nested: { api_token: 'tok-123' } } });
    await t.req({ method: 'GET', url: vmUrl(vm), as: null, headers: { authorization: 'SIGN token="c2VjcmV0LXNhbWw="' } });
    await t.req({ method: 'GET', url: vmUrl(vm), as: null, headers: { 'vmware-api-session-id': 'session-secret-1' } });
    await rpc(t, VMS, 'get', { cluster: I.clusterA, vm }, userPass('admin'));
    await t.req({ method: 'POST', url: `${vmUrl(vm)}?action=revert&vmw-task=true`, payload: { snapshot: '<saml2:Assertion ID="x">secret</saml2:Assertion>' } });
    const sts = await t.app.inject({ method: 'POST', url: '/sts/STSService/vsphere.local', headers: { 'content-type': 'text/xml' }, payload: issueRequest(t, { user: USERS.admin.user, password: 'not-the-password' }) });
    expect(sts.statusCode).toBe(500);

    const entries = await journal();
    const text = JSON.stringify(entries);
    for (const secret of ['hunter2', 'tok-123', 'c2VjcmV0LXNhbWw', 'session-secret-1', USERS.admin.password, 'not-the-password', 'secret</saml2']) {
      expect(text).not.toContain(secret);
    }
    expect(JSON.parse(entries[0].input)).toEqual({ spec: { snapshot: 's', password: '[redacted]', nested: { api_token: '[redacted]' } } });
    expect(JSON.parse(entries[4].input)).toEqual({ spec: { snapshot: '[redacted]' } });
    expect(entries[5]).toMatchObject({ protocol: 'STS', operation: 'com.vmware.cis.sts.issue', user: USERS.admin.user, status: 500, error: 'wst:FailedAuthentication' });
  });

  it('is a bounded ring of the latest calls, and records nothing with size 0', async () => {
    await t.close();
    t = await makeApp({ journalSize: 3 });
    I = await ids(t);
    for (const name of ['web-01', 'web-02', 'web-03', 'db-01', 'db-02']) await t.req({ method: 'GET', url: vmUrl(I.vm(name)) });
    expect((await journal()).map((e) => e.ids[1].id)).toEqual(['web-03', 'db-01', 'db-02'].map((n) => I.vm(n)));
    await t.close();
    t = await makeApp({ journalSize: 0 });
    I = await ids(t);
    await t.req({ method: 'GET', url: vmUrl(I.vm('web-01')) });
    expect(await journal()).toEqual([]);
  });

  it('records what a task call started over JSON-RPC', async () => {
    const vm = I.vm('web-03');
    const snapshot = await firstSnapshot(vm);
    const task = await call(t, VMS, 'revert$task', { cluster: I.clusterA, vm, spec: S(`${VMS}.revert_spec`, { snapshot }) }, userPass('admin'));
    const [entry] = await journal('?operation=revert');
    expect(entry).toMatchObject({ protocol: 'JSON-RPC', task, input: JSON.stringify({ spec: { snapshot } }) });
  });
});
