import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let I: Awaited<ReturnType<typeof ids>>;
beforeAll(async () => {
  t = await makeApp({ bodyLimit: 64 * 1024 });
  I = await ids(t);
});
afterAll(() => t.close());

/** Every answer is a vAPI error body with a 4xx status: never a 5xx, never a crash. */
function expect4xx(res: { statusCode: number; json(): any; headers: Record<string, unknown> }, kind?: string) {
  expect(res.statusCode).toBeGreaterThanOrEqual(400);
  expect(res.statusCode).toBeLessThan(500);
  expect(String(res.headers['content-type'])).toContain('application/json');
  const body = res.json();
  expect(typeof body.error_type).toBe('string');
  expect(Array.isArray(body.messages)).toBe(true);
  if (kind) expect(body.error_type).toBe(kind);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+|node_modules|SELECT|sqlite/i);
}

describe('bad input never yields a 5xx', () => {
  it('huge bodies', async () => {
    const vm = I.vm('web-01');
    const res = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}?action=revert&vmw-task=true`, payload: JSON.stringify({ snapshot: 'x'.repeat(200_000) }), headers: { 'content-type': 'application/json' } });
    expect4xx(res, 'INVALID_REQUEST');
  });

  it('unknown routes, methods and actions', async () => {
    expect4xx(await t.req({ method: 'GET', url: '/api/snapservice/nothing' }), 'OPERATION_NOT_FOUND');
    expect4xx(await t.req({ method: 'PUT', url: '/api/snapservice/tasks' }), 'OPERATION_NOT_FOUND');
    expect4xx(await t.req({ method: 'GET', url: '/' }), 'OPERATION_NOT_FOUND');
    expect4xx(await t.req({ method: 'GET', url: '/api/snapservice/tasks?action=purge' }), 'OPERATION_NOT_FOUND');
    expect4xx(await t.req({ method: 'GET', url: '/api/snapservice/tasks?action=a&action=b' }), 'INVALID_REQUEST');
    expect4xx(await t.req({ method: 'GET', url: '/api/snapservice/tasks?vmw-task=true' }), 'OPERATION_NOT_FOUND');
  });

  it('odd ids in every position', async () => {
    for (const odd of ['..%2F..%2Fetc%2Fpasswd', '%F0%9F%92%A5', 'vm-1%20OR%201=1', "'%3B--", 'x'.repeat(10_240)]) {
      expect4xx(await t.req({ method: 'GET', url: `/api/snapservice/clusters/${odd}/virtual-machines` }), 'NOT_FOUND');
      expect4xx(await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${odd}` }), 'NOT_FOUND');
      expect4xx(await t.req({ method: 'GET', url: `/api/snapservice/tasks/${odd}` }), 'NOT_FOUND');
    }
    expect4xx(await t.req({ method: 'GET', url: '/api/snapservice/tasks/%E0%A4%A' }));
  });

  it('NUL in an identifier names nothing; in a filter or a body it is refused as input (PostgreSQL cannot hold it)', async () => {
    expect4xx(await t.req({ method: 'GET', url: '/api/snapservice/clusters/%00/virtual-machines' }), 'NOT_FOUND');
    expect4xx(await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/vm-1%00` }), 'NOT_FOUND');
    const res = await t.req({ method: 'GET', url: '/api/vcenter/vm?names=web-01&names=a%00b' });
    expect4xx(res, 'INVALID_ARGUMENT');
    expect(res.json().messages[0].default_message).toBe("Invalid argument 'filter.names[1]': must not contain NUL characters");
    const pg = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/protection-groups?vmw-task=true`, payload: { name: 'a\u0000b', target_entities: { vm_name_patterns: ['x'] }, snapshot_policies: [] } });
    expect4xx(pg, 'INVALID_ARGUMENT');
    const basicNul = { authorization: `Basic ${Buffer.from('admin\u0000@vsphere.local:x').toString('base64')}` };
    expect4xx(await t.req({ method: 'GET', url: '/api/vcenter/vm', as: null, headers: basicNul }), 'UNAUTHENTICATED');
  });

  it('malformed JSON, wrong types, wrong content types', async () => {
    const url = `/api/sim/vms/${I.vm('web-01')}/disks/2000?action=write`;
    const post = (payload: string, type = 'application/json') => t.req({ method: 'POST', url, payload, headers: { 'content-type': type } });
    expect4xx(await post('{'), 'INVALID_ARGUMENT');
    expect4xx(await post('null'), 'INVALID_ARGUMENT');
    expect4xx(await post('"text"'), 'INVALID_ARGUMENT');
    expect4xx(await post('{"block":"0","data":""}'), 'INVALID_ARGUMENT');
    expect4xx(await post('{"block":-1,"data":""}'), 'INVALID_ARGUMENT');
    expect4xx(await post('{"block":1.5,"data":""}'), 'INVALID_ARGUMENT');
    expect4xx(await post('{"block":0,"data":"***"}'), 'INVALID_ARGUMENT');
    expect4xx(await post('{"block":0,"data":""}', 'text/plain'), 'INVALID_REQUEST');
    expect4xx(await post('\u0000\u0001'), 'INVALID_ARGUMENT');
  });

  it('bad credentials of every shape', async () => {
    for (const authorization of ['Basic', 'Basic !!!', 'Bearer x', `Basic ${Buffer.from('nocolon').toString('base64')}`, 'Basic ' + 'A'.repeat(5000)]) {
      expect4xx(await t.req({ method: 'GET', url: '/api/snapservice/info/about', as: null, headers: { authorization } }), 'UNAUTHENTICATED');
    }
    expect4xx(await t.req({ method: 'GET', url: '/api/snapservice/info/about', as: null, headers: { 'vmware-api-session-id': 'x'.repeat(4000) } }), 'UNAUTHENTICATED');
  });
});

describe('simulation API errors', () => {
  it('needs admin, a known VM and disk, a running guest and a block in range', async () => {
    const on = I.vm('web-01');
    const off = I.vm('web-03');
    const write = (vm: string, disk: string, body: unknown, as: 'admin' | 'readonly' = 'admin') =>
      t.req({ method: 'POST', url: `/api/sim/vms/${vm}/disks/${disk}?action=write`, payload: body as object, as });
    const data = Buffer.from('x').toString('base64');
    expect4xx(await write(on, '2000', { block: 0, data }, 'readonly'), 'UNAUTHORIZED');
    expect4xx(await write('vm-424242', '2000', { block: 0, data }), 'NOT_FOUND');
    expect4xx(await write(on, '2999', { block: 0, data }), 'NOT_FOUND');
    expect4xx(await write(on, 'abc', { block: 0, data }), 'NOT_FOUND');
    expect4xx(await write(off, '2000', { block: 0, data }), 'NOT_ALLOWED_IN_CURRENT_STATE');
    expect4xx(await write(on, '2000', { block: 65536, data }), 'INVALID_ARGUMENT');
    expect4xx(await write(on, '2000', { block: 0, data: Buffer.alloc(4097).toString('base64') }), 'INVALID_ARGUMENT');
    expect((await write(on, '2000', { block: 65535, data })).statusCode).toBe(204);
    const block = await t.req({ method: 'GET', url: `/api/sim/vms/${on}/disks/2000/blocks/65535` });
    expect(Buffer.from(block.json().data, 'base64').subarray(0, 1).toString()).toBe('x');
    expect4xx(await t.req({ method: 'GET', url: `/api/sim/vms/${on}/disks/2000/blocks/65536` }), 'NOT_FOUND');
    expect4xx(await t.req({ method: 'GET', url: `/api/sim/vms/${on}/snapshots/nope/disks/2000` }), 'NOT_FOUND');
    const snap = await t.req({ method: 'POST', url: `/api/sim/vms/${off}/snapshots`, payload: { name: 'manual' } });
    expect(snap.statusCode).toBe(201);
    const listed = (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${off}/snapshots?names=manual` })).json().items;
    expect(listed.map((i: any) => i.snapshot)).toEqual([snap.json()]);
    expect4xx(await t.req({ method: 'POST', url: `/api/sim/vms/${off}/snapshots`, payload: { name: '' } }), 'INVALID_ARGUMENT');
  });

  it('is absent without --sim', async () => {
    const plain = await makeApp({ sim: false, seed: 'empty' });
    try {
      expect4xx(await plain.req({ method: 'GET', url: '/api/sim/vms/vm-1/disks/2000' }), 'OPERATION_NOT_FOUND');
    } finally {
      await plain.close();
    }
  });
});

describe('input that used to crash a handler', () => {
  const nested = (levels: number, open = '[', close = ']') => `${open.repeat(levels)}${close.repeat(levels)}`;

  it('an undecodable session cookie is an unknown session, and is ignored by a Basic login', async () => {
    for (const value of ['%E0%A4%A', '%', '%zz']) {
      const cookie = `vmware-api-session-id=${value}`;
      expect4xx(await t.req({ method: 'GET', url: '/api/vcenter/vm', as: null, headers: { cookie } }), 'UNAUTHENTICATED');
      expect((await t.req({ method: 'POST', url: '/api/session', headers: { cookie } })).statusCode).toBe(201);
    }
  });

  it('JSON nested deeper than 64 levels is refused before anything walks it, on REST and JSON-RPC', async () => {
    const list = (payload: string) => t.req({ method: 'POST', url: '/api/cis/tasks?action=list', as: 'readonly', payload, headers: { 'content-type': 'application/json' } });
    for (const body of [nested(10_000), nested(30_000), `{"filter_spec":${nested(5000, '{"a":', '}')}}`]) {
      const res = await list(body);
      expect4xx(res, 'INVALID_ARGUMENT');
      expect(res.json().messages[0].default_message).toBe("Invalid argument 'body': is nested more than 64 levels deep");
    }
    // At the limit the body is read and validated as usual.
    expect(JSON.stringify((await list(nested(64))).json())).not.toContain('nested');
    const rpc = await t.req({ method: 'POST', url: '/api', as: null, payload: `{"jsonrpc":"2.0","id":1,"method":"invoke","params":${nested(30_000)}}`, headers: { 'content-type': 'application/json' } });
    expect(rpc.statusCode).toBe(200);
    expect(rpc.json().error.code).toBe(-32602);
  });

  it('a malformed escape in the query is refused as in the path, before authentication', async () => {
    for (const q of ['names=%zz', 'names=%E0%A4%A', 'names=abc%', '%zz=1']) {
      expect4xx(await t.req({ method: 'GET', url: `/api/vcenter/vm?${q}`, as: null }), 'INVALID_REQUEST');
      expect4xx(await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines?${q}` }), 'INVALID_REQUEST');
    }
    const ok = await t.req({ method: 'GET', url: '/api/vcenter/vm?names=web-01&names=%F0%9F%92%A5' });
    expect(ok.json().map((v: { name: string }) => v.name)).toEqual(['web-01']);
  });
});
