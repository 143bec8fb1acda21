import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';
import { expectError } from '../api/snapshot-helpers.ts';
import { call, callError, O, S, userPass } from './client.ts';

/**
 * The six 9.1 operations of com.vmware.snapservice.virtual_machines.snapshots as the SDK calls
 * them over JSON-RPC, and their absence (with the `labels` field) below 9.1.
 */
const SVC = 'com.vmware.snapservice.virtual_machines.snapshots';
const VMS = 'com.vmware.snapservice.clusters.virtual_machines.snapshots';
const LABEL = 'com.vmware.snapservice.snapshots.label';

let t: TestApp;
let I: Awaited<ReturnType<typeof ids>>;
afterEach(() => t.close());

const admin = userPass('admin');
const filter = (f: Record<string, unknown> = {}) => O(S(`${SVC}.filter_spec`, {
  created_after: O(), created_before: O(), snapshots_per_vm: O(), vm_bios_uuids: O(), clusters: O(), snapshots: O(), ...f,
}));
const iterate = (i: Record<string, unknown> = {}) => O(S(`${SVC}.iteration_spec`, { page_size: O(), offset: O(), ...i }));
const label = (category: string, name: string) => S(LABEL, { category, name });

async function done(task: string) {
  await t.advance(1001);
  return call(t, 'com.vmware.snapservice.tasks', 'get', { task }, admin);
}

describe('over JSON-RPC (9.1)', () => {
  beforeEach(async () => {
    t = await makeApp({ taskDelayMs: 1000, taskQueueMs: 0 });
    I = await ids(t);
  });

  it('list, add_label, set_labels, delete_label, update, delete', async () => {
    const vm = I.vms.find((v) => v.name === 'web-01')!;
    const page = await call(t, SVC, 'list', { filter: filter({ vm_bios_uuids: O([vm.biosUuid]) }), iterate: iterate({ page_size: O(1) }) }, admin);
    expect(page.total_count).toBe(2);
    expect(page.snapshots).toHaveLength(1);
    const s = page.snapshots[0];
    expect(s).toMatchObject({ name: 'daily-1', vm: vm.id, vm_bios_uuid: vm.biosUuid, snapshot_type: 'ONE_TIME', labels: [] });
    expect((await call(t, SVC, 'list', { filter: O(), iterate: O() }, admin)).total_count).toBe(I.vms.length * 2);

    const task = async (op: string, fields: Record<string, unknown>) => {
      const id = await call(t, SVC, op, { snapshot: s.snapshot, ...fields }, admin);
      expect(typeof id).toBe('string');
      const result = await done(id);
      expect(result).toMatchObject({ status: 'SUCCEEDED', operation: op.replace('$task', '') });
    };
    await task('add_label$task', { spec: S(`${SVC}.add_label_spec`, { label: label('tier', 'gold') }) });
    await task('set_labels$task', { spec: S(`${SVC}.set_labels_spec`, { category: 'owner', names: ['a', 'b'] }) });
    await task('delete_label$task', { spec: S(`${SVC}.delete_label_spec`, { label: label('owner', 'a') }) });
    const info = await call(t, VMS, 'get', { cluster: vm.clusterId, vm: vm.id, snapshot: s.snapshot }, admin);
    expect(info.labels).toEqual([{ category: 'owner', name: 'b' }, { category: 'tier', name: 'gold' }]);

    await task('update$task', { spec: S(`${SVC}.update_spec`, { delete_after: O(S('com.vmware.snapservice.time_period', { unit: 'DAY', duration: 1 })) }) });
    const after = await call(t, SVC, 'list', { filter: filter({ snapshots: O([s.snapshot]) }), iterate: O() }, admin);
    // A day from when the task made the change, within the last advance of the clock.
    const expiry = Date.parse(after.snapshots[0].expiration_time) - 86_400_000;
    expect(expiry).toBeGreaterThan(t.clock.now() - 1001);
    expect(expiry).toBeLessThanOrEqual(t.clock.now());
    await task('delete$task', {});
    expect((await call(t, SVC, 'list', { filter: filter({ snapshots: O([s.snapshot]) }), iterate: O() }, admin)).total_count).toBe(0);
  });

  it('errors arrive as the vAPI errors the REST binding gives', async () => {
    await callError(t, SVC, 'delete$task', { snapshot: 'nope' }, admin, 'NOT_FOUND');
    await callError(t, SVC, 'list', { filter: O(), iterate: iterate({ page_size: O(0) }) }, admin, 'INVALID_ARGUMENT');
    await callError(t, SVC, 'list', { filter: O(), iterate: O() }, undefined, 'UNAUTHENTICATED');
    const b = (await t.runtime.deps.store.repos.snapshots.list({ clusterId: I.clusterB }))[0];
    await callError(t, SVC, 'add_label$task', { snapshot: b.id, spec: S(`${SVC}.add_label_spec`, { label: label('a', 'b') }) }, userPass('operator'), 'UNAUTHORIZED');
    await callError(t, SVC, 'update$task', { snapshot: b.id, spec: S(`${SVC}.update_spec`, { delete_after: O() }) }, admin, 'INVALID_ARGUMENT');
  });
});

describe('below 9.1', () => {
  beforeEach(async () => {
    t = await makeApp({ release: '9.0', taskDelayMs: 0, taskQueueMs: 0 });
    I = await ids(t);
  });

  it('the six operations do not exist (404 OPERATION_NOT_FOUND) and snapshots carry no labels', async () => {
    const s = (await t.runtime.deps.store.repos.snapshots.list({}))[0];
    await t.runtime.deps.store.repos.labels.add(s.id, { category: 'tier', name: 'gold' });
    const one = `/api/snapservice/virtual-machines/snapshots/${s.id}`;
    for (const [method, url] of [
      ['GET', '/api/snapservice/virtual-machines/snapshots'], ['PATCH', `${one}?vmw-task=true`], ['DELETE', `${one}?vmw-task=true`],
      ['PATCH', `${one}?action=add-label&vmw-task=true`], ['PATCH', `${one}?action=delete-label&vmw-task=true`], ['PUT', `${one}?action=set-labels&vmw-task=true`],
    ] as const) {
      expectError(await t.req({ method, url, payload: method === 'GET' || method === 'DELETE' ? undefined : {} }), 404, 'OPERATION_NOT_FOUND');
    }
    for (const op of ['list', 'update$task', 'delete$task', 'add_label$task', 'delete_label$task', 'set_labels$task']) {
      await callError(t, SVC, op, {}, admin, 'OPERATION_NOT_FOUND');
    }
    const base = `/api/snapservice/clusters/${s.clusterId}/virtual-machines/${s.vmId}/snapshots`;
    const info = (await t.req({ method: 'GET', url: `${base}/${s.id}` })).json();
    expect(info.name).toBe(s.name);
    expect('labels' in info).toBe(false);
    const listed = (await t.req({ method: 'GET', url: base })).json().items;
    expect(listed.every((i: any) => !('labels' in i.info))).toBe(true);
    expect('labels' in (await call(t, VMS, 'get', { cluster: s.clusterId, vm: s.vmId, snapshot: s.id }, admin))).toBe(false);
    const doc = (await t.req({ method: 'GET', url: '/api/openapi.json', as: null })).json();
    expect('labels' in doc.components.schemas['Snapservice.Clusters.VirtualMachines.Snapshots.Info'].properties).toBe(false);
  });
});
