import { afterEach, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';

/**
 * When a task is seen to start. VMware's 8.0.3 bindings refuse a PENDING task that carries
 * progress or start_time (their status union), and their samples read progress on the first
 * poll: so by default a task is RUNNING when its id comes back, and a queue delay shows a
 * bare PENDING task (every response here also passes the union check of the contract helper).
 */
let t: TestApp;
afterEach(() => t.close());

async function submitRevert(): Promise<string> {
  const I = await ids(t);
  const vm = I.vm('web-01');
  const snap = (await t.runtime.deps.store.repos.snapshots.list({ vmId: vm }))[0].id;
  const res = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}?action=revert&vmw-task=true`, payload: { snapshot: snap } });
  expect(res.statusCode, res.payload).toBe(202);
  return res.json() as string;
}

const get = async (task: string) => (await t.req({ method: 'GET', url: `/api/snapservice/tasks/${task}` })).json();

describe('task start', () => {
  it('is RUNNING with progress and start_time as soon as the id is returned (no queue delay)', async () => {
    t = await makeApp({ taskDelayMs: 1000, taskQueueMs: 0 });
    const task = await submitRevert();
    const first = await get(task);
    expect(first.status).toBe('RUNNING');
    expect(first.progress).toMatchObject({ completed: 0 });
    expect(first.start_time).toBe(new Date(t.clock.now()).toISOString());
    await t.advance(1000);
    expect((await get(task)).status).toBe('SUCCEEDED');
  });

  it('with --task-queue-ms, stays PENDING without progress or start_time, then runs', async () => {
    t = await makeApp({ taskDelayMs: 1000, taskQueueMs: 500 });
    const task = await submitRevert();
    const first = await get(task);
    expect(first.status).toBe('PENDING');
    expect(first).not.toHaveProperty('progress');
    expect(first).not.toHaveProperty('start_time');
    const cis = (await t.req({ method: 'GET', url: `/api/cis/tasks/${task}` })).json();
    expect(cis.status).toBe('PENDING');
    expect(cis).not.toHaveProperty('progress');
    await t.advance(500);
    const running = await get(task);
    expect(running.status).toBe('RUNNING');
    expect(running.progress.completed).toBe(0);
    await t.advance(1000);
    expect((await get(task)).status).toBe('SUCCEEDED');
  });
});
