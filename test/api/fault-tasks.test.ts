import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';
import { call, O, S, userPass } from '../jsonrpc/client.ts';

const H = 3600_000;
const VMS = 'com.vmware.snapservice.clusters.virtual_machines';
const PGS = 'com.vmware.snapservice.clusters.protection_groups';

let t: TestApp;
let I: Awaited<ReturnType<typeof ids>>;
beforeEach(async () => {
  t = await makeApp({ taskDelayMs: 2000, taskQueueMs: 500 });
  I = await ids(t);
});
afterEach(() => t.close());

const addRule = async (spec: Record<string, unknown>) => {
  const res = await t.req({ method: 'POST', url: '/api/sim/faults', payload: spec });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as string;
};
const digest = async (vm: string) => (await t.req({ method: 'GET', url: `/api/sim/vms/${vm}/disks/2001` })).json().digest as string;
const task = async (id: string) => (await t.req({ method: 'GET', url: `/api/snapservice/tasks/${id}` })).json();
const snapshotsOf = async (vm: string) =>
  (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}/snapshots` })).json().items as Array<{ snapshot: string; info: any }>;
const revert = (vm: string, snapshot: string) =>
  t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}?action=revert&vmw-task=true`, payload: { snapshot } });

describe('a TASK_FAILURE rule on revert', () => {
  it('fails the revert half-way: FAILED with the error, the VM wholly as it was (disks by digest, power, snapshots)', async () => {
    await addRule({ match: { service: VMS, operation: 'revert' }, effect: { type: 'TASK_FAILURE', error_kind: 'ERROR', message: 'host lost its storage', at_progress: 50 } });
    const vm = I.vm('web-01');
    const before = await digest(vm);
    const snaps = await snapshotsOf(vm);
    const power = (await t.runtime.deps.store.repos.vms.get(vm))?.powerState;
    expect(power).toBe('POWERED_ON');

    const id = (await revert(vm, snaps[0].snapshot)).json();
    await t.advance(600);
    expect((await task(id)).status).toBe('RUNNING');
    expect((await t.runtime.deps.store.repos.vms.get(vm))?.powerState).toBe('POWERED_OFF');
    await t.advance(2500);
    const failed = await task(id);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toEqual({
      error_type: 'ERROR',
      messages: [{ id: 'com.vmware.snapservice.sim.fault', default_message: 'host lost its storage', args: ['fault-1'] }],
    });
    expect(failed.progress.completed).toBeLessThan(failed.progress.total);
    expect(failed.progress.completed).toBeGreaterThanOrEqual(failed.progress.total / 2);

    expect(await digest(vm)).toBe(before);
    expect((await t.runtime.deps.store.repos.vms.get(vm))?.powerState).toBe(power);
    expect((await snapshotsOf(vm)).map((s) => s.snapshot)).toEqual(snaps.map((s) => s.snapshot));
  });

  it('fails only the third revert over JSON-RPC; the others succeed', async () => {
    await addRule({ match: { service: VMS, operation: 'revert$task' }, effect: { type: 'TASK_FAILURE', at_step: 1 }, after: 2, count: 1 });
    const vm = I.vm('web-02');
    const target = (await snapshotsOf(vm))[0].snapshot;
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const before = await digest(vm);
      const id = await call(t, VMS, 'revert$task', { cluster: I.clusterA, vm, spec: S(`${VMS}.revert_spec`, { snapshot: target }) }, userPass('admin'));
      await t.advance(3000);
      const info = await call(t, 'com.vmware.snapservice.tasks', 'get', { task: id }, userPass('admin'));
      statuses.push(info.status);
      if (info.status === 'FAILED') {
        expect(info.error.error_type).toBe('ERROR');
        expect(await digest(vm)).toBe(before);
      }
    }
    expect(statuses).toEqual(['SUCCEEDED', 'SUCCEEDED', 'FAILED', 'SUCCEEDED']);
    const rule = (await t.req({ method: 'GET', url: '/api/sim/faults/fault-1' })).json();
    expect(rule).toMatchObject({ matches: 4, hits: 1 });
  });

  it('does not touch a call that starts no task', async () => {
    await addRule({ match: { service: VMS }, effect: { type: 'TASK_FAILURE' } });
    expect((await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines` })).statusCode).toBe(200);
    expect((await t.req({ method: 'GET', url: '/api/sim/faults/fault-1' })).json()).toMatchObject({ matches: 0, hits: 0 });
  });
});

async function createGroup(name: string, patterns: string[], policies: unknown[] = []): Promise<string> {
  const res = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/protection-groups?vmw-task=true`, payload: { name, target_entities: { vm_name_patterns: patterns }, snapshot_policies: policies } });
  expect(res.statusCode, res.body).toBe(202);
  await t.advance(3000);
  return (await task(res.json())).result;
}

describe('a TASK_FAILURE rule on group snapshots', () => {
  it('fails the named member VMs and reports them in the result counts (REST and JSON-RPC)', async () => {
    const pg = await createGroup('web', ['web-*']);
    await addRule({ match: { service: `${PGS}.snapshots`, operation: 'create' }, effect: { type: 'TASK_FAILURE', error_kind: 'RESOURCE_BUSY', vms: [I.vm('web-02')] } });
    const res = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/protection-groups/${pg}/snapshots?vmw-task=true`, payload: { name: 'before-upgrade' } });
    await t.advance(3000);
    const done = await task(res.json());
    expect(done.status).toBe('SUCCEEDED');
    expect(done.result).toMatchObject({ total_vms: 3, successful_vms: 2, failed_vms: 1 });
    expect((await snapshotsOf(I.vm('web-02'))).some((s) => s.info.name === 'before-upgrade')).toBe(false);
    expect((await snapshotsOf(I.vm('web-01'))).some((s) => s.info.name === 'before-upgrade')).toBe(true);

    const id = await call(t, `${PGS}.snapshots`, 'create$task', { cluster: I.clusterA, pg, spec: S(`${PGS}.snapshots.create_spec`, { name: 'again', retention: O() }) }, userPass('admin'));
    await t.advance(3000);
    const info = await call(t, 'com.vmware.snapservice.tasks', 'get', { task: id }, userPass('admin'));
    expect(info.result).toMatchObject({ total_vms: 3, successful_vms: 2, failed_vms: 1 });
  });
});

describe('scheduled snapshots', () => {
  const statusCounts = async (pg: string) => {
    const r = await t.req({ method: 'GET', url: `/api/snapservice/reports/clusters/${I.clusterA}/protection-groups/snapshot-status-counts?aggregateBy=protection-group` });
    return r.json().items.find((i: { pg: string }) => i.pg === pg)?.info;
  };
  const hourly = [{ name: 'nightly', schedule: { unit: 'HOUR', interval: 1 }, retention: { unit: 'DAY', duration: 1 } }];
  const scheduled = async (vm: string) => (await snapshotsOf(vm)).filter((s) => s.info.snapshot_type === 'SCHEDULED');

  it('fail for one member VM and are taken for the others', async () => {
    const pg = await createGroup('db', ['db-*'], hourly);
    await addRule({ match: { scheduled: true, object: pg }, effect: { type: 'TASK_FAILURE', vms: [I.vm('db-01')] }, count: 1 });
    await t.advance(H);
    expect(await scheduled(I.vm('db-01'))).toHaveLength(0);
    expect(await scheduled(I.vm('db-02'))).toHaveLength(1);
    await t.advance(H);
    expect(await scheduled(I.vm('db-01'))).toHaveLength(1);
    // The 9.x reports show the injected failure as they show a real one.
    expect(await statusCounts(pg)).toEqual({ success_count: 1, warning_count: 1, error_count: 0 });
  });

  it('fail wholly: no snapshot is taken, and the next run is on schedule', async () => {
    const pg = await createGroup('db', ['db-*'], hourly);
    await addRule({ match: { scheduled: true }, effect: { type: 'ERROR', error_kind: 'SERVICE_UNAVAILABLE' }, count: 1 });
    await t.advance(H);
    const groupSnaps = async () => (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/protection-groups/${pg}/snapshots` })).json().snapshots;
    expect(await groupSnaps()).toHaveLength(0);
    expect((await t.req({ method: 'GET', url: '/api/sim/faults/fault-1' })).json().hits).toBe(1);
    await t.advance(H);
    expect(await groupSnaps()).toHaveLength(1);
    expect(await statusCounts(pg)).toEqual({ success_count: 1, warning_count: 0, error_count: 1 });
  });
});
