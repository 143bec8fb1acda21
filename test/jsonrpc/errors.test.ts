import { Type } from '@sinclair/typebox';
import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineOperation } from '../../src/vapi/operation.ts';
import { registerJsonRpc } from '../../src/vapi/jsonrpc/route.ts';
import { Input, Struct } from '../../src/vapi/wire.ts';
import { ERROR_STATUS, VapiError, type ErrorKind } from '../../src/errors.ts';
import { encodeError } from '../../src/vapi/jsonrpc/encode.ts';
import { writeDataValue } from '../../src/vapi/jsonrpc/values.ts';
import type { Task } from '../../src/domain/model.ts';
import { ids, makeApp, USERS, type TestApp } from '../helpers/app.ts';
import { call, callError, input, O, rpc, S, sessionId, userPass } from './client.ts';
import { dataValue, errorToNative, readReply } from './runtime.ts';

const VMS = 'com.vmware.snapservice.clusters.virtual_machines';
const SNAPS = `${VMS}.snapshots`;
const PGS = 'com.vmware.snapservice.clusters.protection_groups';
const REVERT_SPEC = `${VMS}.revert_spec`;

let t: TestApp;
let I: Awaited<ReturnType<typeof ids>>;
beforeEach(async () => {
  t = await makeApp({ taskDelayMs: 2000, taskQueueMs: 500 });
  I = await ids(t);
});
afterEach(() => t.close());

async function snapshotOf(vm: string): Promise<string> {
  return (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}/snapshots` })).json().items[0].snapshot;
}

const revert = (vm: string, snapshot: unknown, sec = userPass('admin')) =>
  ({ fields: { cluster: I.clusterA, vm, spec: S(REVERT_SPEC, { snapshot }) }, sec });

/** A protection group created over JSON-RPC; its id is the task's typed result. */
async function createGroup(name: string, locked: boolean): Promise<string> {
  const spec = S('com.vmware.snapservice.protection_group_spec', {
    name,
    target_entities: S('com.vmware.snapservice.target_entities', { vm_name_patterns: O(['web-*']), vms: O() }),
    snapshot_policies: O(),
    locked: O(locked),
  });
  const task = await call(t, PGS, 'create$task', { cluster: I.clusterA, spec }, userPass('admin'));
  await t.advance(3000);
  const info = await call(t, 'com.vmware.snapservice.tasks', 'get', { task }, userPass('admin'));
  expect(info.status).toBe('SUCCEEDED');
  expect(typeof info.result).toBe('string');
  return info.result;
}

describe('vAPI errors over JSON-RPC (result.error, HTTP 200)', () => {
  it('UNAUTHENTICATED: bad session, no security context, wrong password, an unsupported scheme, the wrong kind of credentials', async () => {
    const list = (sec: Record<string, unknown> | undefined) => callError(t, VMS, 'list', { cluster: I.clusterA, filter: O() }, sec, 'UNAUTHENTICATED');
    for (const sec of [
      sessionId('bogus-session-id'),
      undefined,
      { schemeId: 'com.vmware.vapi.std.security.user_pass', userName: USERS.admin.user, password: 'wrong' },
      { schemeId: 'com.vmware.vapi.std.security.user_pass', userName: USERS.admin.user },
      { schemeId: 'com.vmware.vapi.std.security.saml_bearer_token', token: '<saml/>' },
      { userName: 'x', password: 'y' },
    ]) {
      const e = await list(sec);
      // Where to get a token: the STS (SIGN), and our Basic extension.
      expect(e.challenge).toMatch(/^SIGN realm="[0-9a-f-]{36}",sts="http:\/\/localhost:80\/sts\/STSService\/vsphere\.local", Basic realm="snapservice"$/);
      expect(e.data).toBeUndefined();
    }
    expect((await list({ schemeId: 'com.vmware.vapi.std.security.saml_bearer_token' })).messages[0].default_message).toContain('needs the string member samlToken');
    expect((await list({ schemeId: 'com.vmware.vapi.std.security.oauth' })).messages[0].default_message).toContain('not supported');
    // Logging in takes a password; reading the session takes a session.
    await callError(t, 'com.vmware.cis.session', 'create', {}, sessionId('bogus'), 'UNAUTHENTICATED');
    await callError(t, 'com.vmware.cis.session', 'get', {}, userPass('admin'), 'UNAUTHENTICATED');
  });

  it('UNAUTHORIZED: a read-only user reverting, before any check of the spec', async () => {
    const vm = I.vm('web-01');
    const r = revert(vm, await snapshotOf(vm), userPass('readonly'));
    const e = await callError(t, VMS, 'revert$task', r.fields, r.sec, 'UNAUTHORIZED');
    expect(e.messages[0].default_message).toContain('Host.Config.Storage');
    const bad = revert(vm, 42, userPass('readonly'));
    await callError(t, VMS, 'revert$task', bad.fields, bad.sec, 'UNAUTHORIZED');
  });

  it('NOT_FOUND: unknown VM, snapshot, task', async () => {
    await callError(t, VMS, 'get', { cluster: I.clusterA, vm: 'vm-does-not-exist' }, userPass('admin'), 'NOT_FOUND');
    await callError(t, SNAPS, 'get', { cluster: I.clusterA, vm: I.vm('web-01'), snapshot: 'nope' }, userPass('admin'), 'NOT_FOUND');
    await callError(t, 'com.vmware.cis.tasks', 'get', { task: 'task-1', spec: O() }, userPass('admin'), 'NOT_FOUND');
  });

  it('INVALID_ARGUMENT: bad specs and values of the wrong vAPI type, naming the field', async () => {
    const vm = I.vm('web-01');
    const expectArg = async (fields: Record<string, unknown>, text: string, service = VMS, op = 'revert$task') => {
      const e = await callError(t, service, op, fields, userPass('admin'), 'INVALID_ARGUMENT');
      expect(e.messages[0].default_message).toContain(text);
    };
    await expectArg(revert(vm, 'snapshot-does-not-exist').fields, 'spec.snapshot');
    await expectArg(revert(vm, 42).fields, "'spec.snapshot': must be a string");
    await expectArg(revert(vm, O('x')).fields, "'spec.snapshot': is not optional");
    await expectArg({ cluster: I.clusterA, vm, spec: S('com.vmware.other', { snapshot: 'x' }) }, "must be the structure 'com.vmware.snapservice.clusters.virtual_machines.revert_spec'");
    await expectArg({ cluster: I.clusterA, vm }, "'spec': is required");
    await expectArg({ cluster: I.clusterA, vm, spec: S(REVERT_SPEC, { snapshot: 'x', extra: 1 }) }, 'spec.extra');
    await expectArg({ cluster: I.clusterA, vm, spec: S(REVERT_SPEC, {}) }, 'spec.snapshot');
    await expectArg({ cluster: I.clusterA, vm: 5, spec: S(REVERT_SPEC, { snapshot: 'x' }) }, "'vm': must be a string");
    await expectArg({ cluster: I.clusterA, bogus: 'x' }, "'bogus'", VMS, 'list');
    await expectArg({ cluster: I.clusterA, filter: S(`${VMS}.filter_spec`, {}) }, "'filter': is optional", VMS, 'list');
    await expectArg({ cluster: I.clusterA, filter: O(S(`${VMS}.filter_spec`, { vms: O('vm-1') })) }, "'filter.vms': must be a list", VMS, 'list');
    await expectArg({ cluster: I.clusterA, vm, filter: O(S(`${SNAPS}.filter_spec`, { created_after: O('yesterday') })) }, 'filter.created_after', SNAPS, 'list');
    await expectArg({ cluster: I.clusterA, vm: null, spec: S(REVERT_SPEC, { snapshot: 'x' }) }, "'vm': must be a string");
    const relocate = (disks: unknown) => ({ vm, spec: S('com.vmware.vcenter.VM.relocate_spec', { placement: O(), disks: O(disks) }) });
    await expectArg(relocate([S('map-entry', { value: S('com.vmware.vcenter.VM.disk_relocate_spec', { datastore: O() }) })]), "'spec.disks[0]': must be a map entry", 'com.vmware.vcenter.VM', 'relocate');
    await expectArg(relocate([S('map-entry', { key: '2000', value: S('com.vmware.vcenter.VM.disk_relocate_spec', { datastore: 7 }) })]), "'spec.disks.2000.datastore': is optional", 'com.vmware.vcenter.VM', 'relocate');
    // An unset optional the server does not know is what a newer client sends: ignored.
    expect((await call(t, VMS, 'list', { cluster: I.clusterA, filter: O(), newer_option: O() }, userPass('admin'))).items.length).toBeGreaterThan(0);
  });

  it('NOT_ALLOWED_IN_CURRENT_STATE: a second revert while the first is pending (VM busy), and the revert cap', async () => {
    const vm = I.vm('web-01');
    const r = revert(vm, await snapshotOf(vm));
    expect(typeof (await call(t, VMS, 'revert$task', r.fields, r.sec))).toBe('string');
    const e = await callError(t, VMS, 'revert$task', r.fields, r.sec, 'NOT_ALLOWED_IN_CURRENT_STATE');
    expect(e.messages[0].default_message).toContain('in progress');

    const capped = await makeApp({ taskDelayMs: 2000, taskQueueMs: 500, maxConcurrentReverts: 1 });
    try {
      const J = await ids(capped);
      const snap = async (v: string) => (await capped.req({ method: 'GET', url: `/api/snapservice/clusters/${J.clusterA}/virtual-machines/${v}/snapshots` })).json().items[0].snapshot;
      const go = async (v: string) => ({ cluster: J.clusterA, vm: v, spec: S(REVERT_SPEC, { snapshot: await snap(v) }) });
      await call(capped, VMS, 'revert$task', await go(J.vm('web-01')), userPass('admin'));
      const c = await callError(capped, VMS, 'revert$task', await go(J.vm('web-02')), userPass('admin'), 'NOT_ALLOWED_IN_CURRENT_STATE');
      expect(c.messages[0].default_message).toContain('maximum');
    } finally {
      await capped.close();
    }
  });

  it('ALREADY_IN_DESIRED_STATE: pausing a protection group twice; UNSUPPORTED: pausing a locked one', async () => {
    const pg = await createGroup('web-tier', false);
    const pause = { cluster: I.clusterA, pg };
    const task = await call(t, PGS, 'pause$task', pause, userPass('admin'));
    await t.advance(3000);
    expect((await call(t, 'com.vmware.snapservice.tasks', 'get', { task }, userPass('admin'))).status).toBe('SUCCEEDED');
    await callError(t, PGS, 'pause$task', pause, userPass('admin'), 'ALREADY_IN_DESIRED_STATE');
    const e = await callError(t, PGS, 'pause$task', { cluster: I.clusterA, pg: await createGroup('vault', true) }, userPass('admin'), 'UNSUPPORTED');
    expect(e.messages[0].default_message).toContain('locked');
  });

  it('OPERATION_NOT_FOUND: unknown service or operation, before authentication', async () => {
    for (const [service, op] of [['com.vmware.snapservice.nope', 'list'], [VMS, 'revert'], [VMS, 'explode$task'], ['', 'get']]) {
      const { reply } = await rpc(t, service || 'x', op, {}, undefined);
      expect(errorToNative(reply.error!).error_type).toBe('OPERATION_NOT_FOUND');
    }
    const e = await callError(t, VMS, 'revert', {}, userPass('admin'), 'OPERATION_NOT_FOUND');
    expect(e.messages[0].default_message).toContain("has no operation 'revert'");
  });

  it('RESOURCE_INACCESSIBLE: a task list matching more than 1000 tasks', async () => {
    const now = t.clock.now();
    const base: Task = {
      id: '', kind: 'pg.pause', service: PGS, operation: 'pause', description: { id: 'x', defaultMessage: 'x', args: [] },
      status: 'SUCCEEDED', cancelable: false, user: USERS.admin.user, targetType: null, targetId: null, clusterId: null, vmId: null,
      input: {}, progressTotal: 1, progressCompleted: 1, progressMessage: null, result: null, error: null,
      createdAt: now, notBefore: now, startTime: now, endTime: now, owner: null, step: 0,
    };
    const repos = t.runtime.deps.store.repos;
    for (let i = 0; i < 1001; i++) await repos.tasks.insert({ ...base, id: `bulk-${i}` });
    await callError(t, 'com.vmware.cis.tasks', 'list', { filter_spec: O(), result_spec: O() }, userPass('admin'), 'RESOURCE_INACCESSIBLE');
    await callError(t, 'com.vmware.snapservice.tasks', 'list', { filter: O() }, userPass('admin'), 'RESOURCE_INACCESSIBLE');
  });

  it('ERROR: a handler that fails, or returns what its schema does not allow, is a bare internal error', async () => {
    const broken = (name: string, handler: () => Promise<unknown>) => defineOperation({
      service: 'test.broken', name, since: 'test', rest: { method: 'GET', path: `/test/${name}` },
      input: Input({}), output: Struct('test.broken.out', { a: Type.String() }), readOnly: true, handler,
    });
    const app = Fastify();
    registerJsonRpc(app, t.runtime.deps, [broken('throws', async () => { throw new Error('secret detail'); }), broken('lies', async () => ({ a: 5 }))]);
    await app.ready();
    try {
      for (const name of ['throws', 'lies']) {
        const res = await app.inject({ method: 'POST', url: '/api', payload: { jsonrpc: '2.0', method: 'invoke', id: 1, params: { serviceId: 'test.broken', operationId: name, input: input(), ctx: { securityCtx: userPass('admin') } } } });
        expect(res.statusCode).toBe(200);
        const e = errorToNative(readReply(res.body, 1).error!);
        expect(e.name).toBe('com.vmware.vapi.std.errors.error');
        expect(e.error_type).toBe('ERROR');
        expect(res.body).not.toContain('secret detail');
      }
    } finally {
      await app.close();
    }
  });

  it('every error kind encodes as the runtime decodes it: ERROR named by kind, challenge only on UNAUTHENTICATED', () => {
    for (const kind of Object.keys(ERROR_STATUS) as ErrorKind[]) {
      const e = new VapiError(kind, [{ id: 'a.b', default_message: 'text', args: ['1', 'two'] }], { challenge: kind === 'UNAUTHENTICATED' ? 'Basic realm="x"' : undefined });
      const native = errorToNative(dataValue(JSON.parse(writeDataValue(encodeError(e.toBody())))));
      expect(native.name).toBe(`com.vmware.vapi.std.errors.${kind.toLowerCase()}`);
      expect(native.error_type).toBe(kind);
      expect(native.messages).toEqual([{ id: 'a.b', default_message: 'text', args: ['1', 'two'] }]);
      if (kind === 'UNAUTHENTICATED') expect(native.challenge).toBe('Basic realm="x"');
      else expect('challenge' in native).toBe(false);
    }
  });

  it('input values wrapped as a whole structure reach the pipeline unchanged (sanity)', () => {
    expect(input({ a: 1 })).toEqual({ STRUCTURE: { 'operation-input': { a: 1 } } });
  });
});
