import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let I: Awaited<ReturnType<typeof ids>>;
let snapOf: (vm: string) => Promise<string>;
beforeAll(async () => {
  t = await makeApp({ taskDelayMs: 1000, taskQueueMs: 0 });
  I = await ids(t);
  snapOf = async (vm) => (await t.runtime.deps.store.repos.snapshots.list({ vmId: vm }))[0].id;
});
afterAll(() => t.close());

const url = (cluster: string, vm: string, query = 'action=revert&vmw-task=true') =>
  `/api/snapservice/clusters/${cluster}/virtual-machines/${vm}?${query}`;

function expectError(res: { statusCode: number; json(): any }, status: number, kind: string, text?: string) {
  expect(res.statusCode, JSON.stringify(res.json())).toBe(status);
  const body = res.json();
  expect(body.error_type).toBe(kind);
  expect(body.messages.length).toBeGreaterThan(0);
  if (text) expect(body.messages[0].default_message).toContain(text);
}

describe('revert checks, in the documented order', () => {
  it('401 before anything else', async () => {
    expectError(await t.req({ method: 'POST', url: url('domain-c999', 'vm-999'), payload: '{bad', as: null }), 401, 'UNAUTHENTICATED');
  });

  it('404 for an unknown cluster, then for an unknown VM, before privileges and body', async () => {
    const vm = I.vm('web-02');
    expectError(await t.req({ method: 'POST', url: url('domain-c999', vm), payload: '{bad', as: 'readonly', headers: { 'content-type': 'application/json' } }), 404, 'NOT_FOUND', 'domain-c999');
    expectError(await t.req({ method: 'POST', url: url(I.clusterA, 'vm-99999'), payload: {}, as: 'readonly' }), 404, 'NOT_FOUND', 'vm-99999');
    for (const odd of ['..%2F..%2Fetc', '%E2%98%83', 'x'.repeat(10_000)]) {
      expectError(await t.req({ method: 'POST', url: url(I.clusterA, odd), payload: {} }), 404, 'NOT_FOUND');
    }
  });

  it('403 naming the missing privilege, before the body is looked at', async () => {
    const vm = I.vm('web-02');
    expectError(await t.req({ method: 'POST', url: url(I.clusterA, vm), payload: '{bad', as: 'readonly', headers: { 'content-type': 'application/json' } }), 403, 'UNAUTHORIZED', 'Host.Config.Storage');
    const vmB = I.vm('build-02');
    expectError(await t.req({ method: 'POST', url: url(I.clusterB, vmB), payload: { snapshot: await snapOf(vmB) }, as: 'operator' }), 403, 'UNAUTHORIZED', 'Host.Config.Storage');
  });

  it('400 INVALID_ARGUMENT for malformed or wrong bodies', async () => {
    const vm = I.vm('web-02');
    const post = (payload: unknown, headers: Record<string, string> = {}) =>
      t.req({ method: 'POST', url: url(I.clusterA, vm), payload: payload as string, headers: { 'content-type': 'application/json', ...headers } });
    expectError(await post('{"snapshot":'), 400, 'INVALID_ARGUMENT', 'not valid JSON');
    expectError(await post({}), 400, 'INVALID_ARGUMENT', 'spec.snapshot');
    expectError(await post({ snapshot: 42 }), 400, 'INVALID_ARGUMENT', 'spec.snapshot');
    expectError(await post({ snapshot: 'nope' }), 400, 'INVALID_ARGUMENT', 'spec.snapshot');
    expectError(await post({ snapshot: await snapOf(I.vm('web-03')) }), 400, 'INVALID_ARGUMENT', 'not a snapshot of virtual machine');
    expectError(await post({ snapshot: await snapOf(vm), extra: 1 }), 400, 'INVALID_ARGUMENT', 'spec.extra');
    expectError(await post('[]'), 400, 'INVALID_ARGUMENT', 'spec');
    expectError(await t.req({ method: 'POST', url: url(I.clusterA, vm) }), 400, 'INVALID_ARGUMENT', 'spec');
    expectError(await t.req({ method: 'POST', url: url(I.clusterA, vm), payload: 'snapshot=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 400, 'INVALID_REQUEST', 'content type');
  });

  it('dispatch errors: missing vmw-task, wrong vmw-task, unknown action', async () => {
    const vm = I.vm('web-02');
    const payload = { snapshot: await snapOf(vm) };
    expectError(await t.req({ method: 'POST', url: url(I.clusterA, vm, 'action=revert'), payload }), 404, 'OPERATION_NOT_FOUND', 'only as a task');
    expectError(await t.req({ method: 'POST', url: url(I.clusterA, vm, 'action=revert&vmw-task=false'), payload }), 400, 'INVALID_REQUEST', 'vmw-task');
    expectError(await t.req({ method: 'POST', url: url(I.clusterA, vm, 'action=explode&vmw-task=true'), payload }), 404, 'OPERATION_NOT_FOUND', 'explode');
    expectError(await t.req({ method: 'POST', url: url(I.clusterA, vm, 'vmw-task=true'), payload }), 404, 'OPERATION_NOT_FOUND');
    expectError(await t.req({ method: 'POST', url: url(I.clusterA, vm, 'action=revert&vmw-task=true&bogus=1'), payload }), 400, 'INVALID_ARGUMENT', 'bogus');
  });

  it('400 NOT_ALLOWED_IN_CURRENT_STATE for a VM in another cluster or deleted', async () => {
    const repos = t.runtime.deps.store.repos;
    const moved = I.vm('app-02');
    const snap = await snapOf(moved);
    await repos.vms.update(moved, { clusterId: I.clusterB, lastClusterId: I.clusterB });
    expectError(await t.req({ method: 'POST', url: url(I.clusterA, moved), payload: { snapshot: snap } }), 400, 'NOT_ALLOWED_IN_CURRENT_STATE', 'moved to another cluster');
    await repos.vms.update(moved, { clusterId: null, hostId: null, deletedAt: t.clock.now() });
    expectError(await t.req({ method: 'POST', url: url(I.clusterA, moved), payload: { snapshot: snap } }), 400, 'NOT_ALLOWED_IN_CURRENT_STATE', 'use restore');
  });

  it('one operation per VM, and the service-wide cap of 4', async () => {
    const names = ['web-01', 'web-02', 'web-03', 'db-01', 'db-02', 'cache-01'];
    const vms = names.map(I.vm);
    const first = await t.req({ method: 'POST', url: url(I.clusterA, vms[0]), payload: { snapshot: await snapOf(vms[0]) } });
    expect(first.statusCode).toBe(202);
    expectError(await t.req({ method: 'POST', url: url(I.clusterA, vms[0]), payload: { snapshot: await snapOf(vms[0]) } }), 400, 'NOT_ALLOWED_IN_CURRENT_STATE', 'in progress on virtual machine');
    const rest = await Promise.all(vms.slice(1).map(async (vm) => t.req({ method: 'POST', url: url(I.clusterA, vm), payload: { snapshot: await snapOf(vm) } })));
    expect(rest.filter((r) => r.statusCode === 202)).toHaveLength(3);
    const refused = rest.filter((r) => r.statusCode !== 202);
    expect(refused).toHaveLength(2);
    for (const r of refused) expectError(r, 400, 'NOT_ALLOWED_IN_CURRENT_STATE', 'maximum allowed (4)');
    await t.advance(5000);
    const again = await t.req({ method: 'POST', url: url(I.clusterA, vms[0]), payload: { snapshot: await snapOf(vms[0]) } });
    expect(again.statusCode).toBe(202);
    await t.advance(5000);
  });

  it('operator may revert on Cluster-A', async () => {
    const vm = I.vm('cache-01');
    const res = await t.req({ method: 'POST', url: url(I.clusterA, vm), payload: { snapshot: await snapOf(vm) }, as: 'operator' });
    expect(res.statusCode).toBe(202);
    await t.advance(5000);
    const task = (await t.req({ method: 'GET', url: `/api/snapservice/tasks/${res.json()}`, as: 'operator' })).json();
    expect(task.status).toBe('SUCCEEDED');
    expect(task.user).toBe('operator@vsphere.local');
    expect(task.target).toEqual({ type: 'VirtualMachine', id: vm });
  });
});
