import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../helpers/app.ts';
import { input, userPass } from './client.ts';
import { readReply } from './runtime.ts';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

const VMS = 'com.vmware.snapservice.clusters.virtual_machines';

async function post(payload: string | undefined, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await t.app.inject({ method: 'POST', url: '/api', headers, ...(payload === undefined ? {} : { payload }) });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return res;
}

/** A fault, checked as the runtime's client checks it: id null for -32700/-32600, else the request's. */
async function fault(payload: string | undefined, code: number, requestId: unknown = null, headers?: Record<string, string>) {
  const res = await post(payload, headers);
  const reply = readReply(res.body, requestId);
  expect(reply.fault?.code, res.body).toBe(code);
  expect(JSON.parse(res.body).id).toBe(code === -32700 || code === -32600 ? null : requestId);
  expect(typeof reply.fault!.data).toBe('string');
  return reply.fault!;
}

const request = (over: Record<string, unknown> = {}, params: Record<string, unknown> = {}) =>
  JSON.stringify({
    jsonrpc: '2.0', method: 'invoke', id: '7',
    params: { serviceId: 'com.vmware.cis.session', operationId: 'get', input: input(), ctx: { appCtx: { opId: 'x' }, securityCtx: userPass('admin') }, ...params },
    ...over,
  });

describe('JSON-RPC envelope faults (error member, HTTP 200)', () => {
  it('-32700 parse error: not JSON, empty, not UTF-8 JSON text, any content type', async () => {
    expect((await fault('{"jsonrpc":"2.0",', -32700)).message).toBe('Parse error.');
    await fault('', -32700);
    await fault(undefined, -32700);
    await fault('not json at all', -32700, null, { 'content-type': 'text/plain' });
  });

  it('-32600 invalid request: not an object, a batch, wrong version, bad method or id, a notification, scalar params', async () => {
    for (const body of [
      '42', '"invoke"', 'null', '[]',
      JSON.stringify([JSON.parse(request())]),
      request({ jsonrpc: '1.0' }),
      request({ jsonrpc: undefined }),
      request({ method: 7 }),
      request({ method: undefined }),
      request({ id: { a: 1 } }),
      request({ id: true }),
      request({ id: undefined }),
      request({ params: 'x' }),
      request({ params: 5 }),
    ]) {
      const f = await fault(body, -32600);
      expect(f.message).toBe('Invalid Request.');
    }
    expect((await fault(request({ id: undefined }), -32600)).data).toContain('notification');
  });

  it('-32601 method not found: any method but invoke, with the id echoed (string or number)', async () => {
    expect((await fault(request({ method: 'list' }), -32601, '7')).message).toBe('Method not found.');
    await fault(request({ method: 'invoke2', id: 12 }), -32601, 12);
  });

  it('-32602 invalid params: missing or malformed params, ids, input, ctx; typed values that are not typed values', async () => {
    const cases: Array<[Record<string, unknown>, Record<string, unknown>]> = [
      [{ params: undefined }, {}],
      [{ params: null }, {}],
      [{ params: [] }, {}],
      [{}, { serviceId: undefined }],
      [{}, { serviceId: '' }],
      [{}, { operationId: 5 }],
      [{}, { input: undefined }],
      [{}, { input: 'x' }],
      [{}, { input: null }],
      [{}, { input: [] }],
      [{}, { input: { OPTIONAL: null } }],
      [{}, { input: { STRUCTURE: {} } }],
      [{}, { input: { STRUCTURE: { a: {}, b: {} } } }],
      [{}, { input: { STRUCTURE: { 'operation-input': [] } } }],
      [{}, { input: { FOO: 1 } }],
      [{}, { input: { STRUCTURE: { 'operation-input': {} }, OPTIONAL: null } }],
      [{}, { input: input({ spec: { snapshot: 'x' } }) }],
      [{}, { input: input({ spec: { SECRET: 5 } }) }],
      [{}, { input: input({ spec: { BINARY: 'not base64!' } }) }],
      [{}, { ctx: 'x' }],
      [{}, { ctx: { securityCtx: 'x' } }],
      [{}, { ctx: { appCtx: [] } }],
    ];
    for (const [over, params] of cases) {
      const f = await fault(request(over, params), -32602, '7');
      expect(f.message).toBe('Invalid params.');
    }
    let deep: unknown = 'x';
    for (let i = 0; i < 200; i++) deep = [deep];
    await fault(request({}, { input: input({ spec: deep }) }), -32602, '7');
  });

  it('-32602 when the informational vapi-service / vapi-operation headers contradict the body', async () => {
    await fault(request(), -32602, '7', { 'content-type': 'application/json', 'vapi-service': VMS, 'vapi-operation': 'get' });
    await fault(request(), -32602, '7', { 'content-type': 'application/json', 'vapi-operation': 'create' });
    const ok = await post(request(), { 'content-type': 'application/json', 'vapi-service': 'com.vmware.cis.session', 'vapi-operation': 'get', 'vapi-ctx-opid': 'abc' });
    // (get needs a session: the request itself went through)
    expect(readReply(ok.body, '7').error).toBeDefined();
  });

  it('-32600 for a body over the size limit', async () => {
    const big = await makeApp({ bodyLimit: 1024 });
    try {
      const res = await big.app.inject({ method: 'POST', url: '/api', headers: { 'content-type': 'application/json' }, payload: request({}, { pad: 'x'.repeat(4096) }) });
      expect(res.statusCode).toBe(200);
      expect(readReply(res.body, null).fault?.code).toBe(-32600);
    } finally {
      await big.close();
    }
  });

  it('answers a session id given in the vmware-api-session-id header, as the runtime server does', async () => {
    const login = await post(request({}, { operationId: 'create' }));
    const token = JSON.parse(login.body).result.output.SECRET as string;
    const res = await post(request({}, { ctx: { appCtx: {} } }), { 'content-type': 'application/json', 'vmware-api-session-id': token });
    const out = JSON.parse(res.body).result.output;
    expect(out.STRUCTURE['com.vmware.cis.session.info'].user).toBe('administrator@vsphere.local');
  });

  it('REST is untouched: /api paths still answer REST, and JSON parse errors there are still REST errors', async () => {
    const res = await t.req({ method: 'POST', url: '/api/session', payload: '{bad', headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(201);
    const bad = await t.req({ method: 'POST', url: '/api/cis/tasks?action=list', payload: '{bad', headers: { 'content-type': 'application/json' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error_type).toBe('INVALID_ARGUMENT');
    const other = await t.req({ method: 'POST', url: '/api/cis/tasks?action=list', payload: 'x', headers: { 'content-type': 'text/plain' } });
    expect(other.json().error_type).toBe('INVALID_REQUEST');
  });
});
