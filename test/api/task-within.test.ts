import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WithinFailed } from '../../src/tasks/runner.ts';
import type { Task } from '../../src/domain/model.ts';
import type { Repos } from '../../src/store/store.ts';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';
import { countQueries } from '../helpers/query-count.ts';

/**
 * A revert with no modelled duration runs inside its admission's transaction: one commit, the
 * task stored once, SUCCEEDED, when its id comes back. A failure of that work rolls the
 * admission back with it, and the revert is admitted again and run apart, where a failure
 * would end the task FAILED as before.
 */
let t: TestApp;
afterEach(() => t.close());
const counter = countQueries();
afterAll(() => counter.restore());

async function revertWeb01(): Promise<{ task: string; vm: string }> {
  const I = await ids(t);
  const vm = I.vm('web-01');
  const snap = (await t.runtime.deps.store.repos.snapshots.list({ vmId: vm })).find((s) => s.name === 'daily-1')!.id;
  const res = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}?action=revert&vmw-task=true`, payload: { snapshot: snap } });
  expect(res.statusCode, res.payload).toBe(202);
  return { task: res.json() as string, vm };
}

const systemSnapshots = async (vm: string) =>
  (await t.runtime.deps.store.repos.snapshots.list({ vmId: vm })).filter((s) => s.type === 'SYSTEM_CREATED');

describe('a task run within its admission', () => {
  it('is SUCCEEDED, with its progress, start and end, on the first read after the 202', async () => {
    t = await makeApp({ taskDelayMs: 0, taskQueueMs: 0 });
    await ids(t);
    const { result: { task, vm }, sqlite } = await counter.during(async () => {
      const r = await revertWeb01();
      await t.advance(0);
      return r;
    });
    // One transaction, in which the task is written once.
    expect(sqlite.filter((q) => /^\s*begin\b/i.test(q))).toHaveLength(1);
    expect(sqlite.filter((q) => /^\s*(insert into|update) "tasks"/i.test(q))).toHaveLength(1);
    // No advance of the clock, no wait for the runner: the answer came after the commit.
    const stored = await t.runtime.deps.store.repos.tasks.get(task);
    expect(stored).toMatchObject({ status: 'SUCCEEDED', owner: null, error: null });
    expect(stored!.progressCompleted).toBe(stored!.progressTotal);
    expect(stored!.startTime).toBe(t.clock.now());
    expect(stored!.endTime).toBe(t.clock.now());
    const wire = (await t.req({ method: 'GET', url: `/api/snapservice/tasks/${task}` })).json();
    expect(wire).toMatchObject({ status: 'SUCCEEDED', progress: { completed: stored!.progressTotal, total: stored!.progressTotal } });
    expect(await systemSnapshots(vm)).toHaveLength(1);
    expect((await t.runtime.deps.store.repos.vms.get(vm))!.powerState).toBe('POWERED_OFF');
  });

  it('rolls back with its admission when the work fails, and is admitted again and run apart', async () => {
    t = await makeApp({ taskDelayMs: 0, taskQueueMs: 0 });
    const runner = t.runtime.deps.tasks as { runWithin?: (task: Task, tx: Repos) => Promise<Task> };
    const real = runner.runWithin!.bind(runner);
    let tried = 0;
    // The work runs to its end (system snapshot taken, disks reverted) and then fails.
    runner.runWithin = async (task, tx) => {
      tried++;
      await real(task, tx);
      throw new WithinFailed(new Error('injected after the work'));
    };
    const { task, vm } = await revertWeb01();
    expect(tried).toBe(1);
    await t.advance(0);
    expect((await t.req({ method: 'GET', url: `/api/snapservice/tasks/${task}` })).json().status).toBe('SUCCEEDED');
    // One system snapshot: the one of the run apart; the first attempt's was rolled back.
    expect(await systemSnapshots(vm)).toHaveLength(1);
    const tasks = await t.runtime.deps.store.repos.tasks.list({ kinds: ['vm.revert'] }, 100);
    expect(tasks.filter((x) => x.vmId === vm).map((x) => x.id)).toEqual([task]);
  });

  it('is not used with a modelled duration', async () => {
    t = await makeApp({ taskDelayMs: 1000, taskQueueMs: 0 });
    const { task } = await revertWeb01();
    expect((await t.runtime.deps.store.repos.tasks.get(task))!.status).toBe('RUNNING');
    await t.advance(1000);
    expect((await t.runtime.deps.store.repos.tasks.get(task))!.status).toBe('SUCCEEDED');
  });

  it('is not used for a task a fault rule plans to fail: that task is stored, then ends FAILED', async () => {
    t = await makeApp({ taskDelayMs: 0, taskQueueMs: 0 });
    const rule = await t.req({ method: 'POST', url: '/api/sim/faults', payload: { match: { service: 'com.vmware.snapservice.clusters.virtual_machines', operation: 'revert' }, effect: { type: 'TASK_FAILURE', error_kind: 'ERROR', message: 'host lost its storage' } } });
    expect(rule.statusCode, rule.body).toBe(201);
    const { task, vm } = await revertWeb01();
    await t.advance(0);
    const failed = (await t.req({ method: 'GET', url: `/api/snapservice/tasks/${task}` })).json();
    expect(failed).toMatchObject({ status: 'FAILED', error: { error_type: 'ERROR' } });
    expect(await systemSnapshots(vm)).toHaveLength(0);
    expect((await t.runtime.deps.store.repos.vms.get(vm))!.powerState).toBe('POWERED_ON');
  });
});
