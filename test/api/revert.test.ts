import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let I: Awaited<ReturnType<typeof ids>>;
beforeEach(async () => {
  t = await makeApp({ taskDelayMs: 2000, taskQueueMs: 500 });
  I = await ids(t);
});
afterEach(() => t.close());

const snapshotsOf = async (cluster: string, vm: string) =>
  (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${cluster}/virtual-machines/${vm}/snapshots` })).json().items as Array<{ snapshot: string; info: any }>;
const digest = async (url: string) => (await t.req({ method: 'GET', url })).json().digest as string;

describe('revert', () => {
  it('runs PENDING -> RUNNING -> SUCCEEDED and restores the snapshot data exactly', async () => {
    const vm = I.vm('web-01');
    const snaps = await snapshotsOf(I.clusterA, vm);
    expect(snaps.map((s) => s.info.name)).toEqual(['daily-1', 'daily-2']);
    const target = snaps[0];
    const before = await digest(`/api/sim/vms/${vm}/disks/2001`);
    const wanted = await digest(`/api/sim/vms/${vm}/snapshots/${target.snapshot}/disks/2001`);
    expect(before).not.toBe(wanted);

    const w = await t.req({ method: 'POST', url: `/api/sim/vms/${vm}/disks/2001?action=write`, payload: { block: 3, data: Buffer.from('guest write').toString('base64') } });
    expect(w.statusCode).toBe(204);
    const dirty = await digest(`/api/sim/vms/${vm}/disks/2001`);

    const res = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}?action=revert&vmw-task=true`, payload: { snapshot: target.snapshot } });
    expect(res.statusCode).toBe(202);
    const task = res.json();
    expect(typeof task).toBe('string');

    const get = async () => (await t.req({ method: 'GET', url: `/api/snapservice/tasks/${task}` })).json();
    expect((await get()).status).toBe('PENDING');
    await t.advance(600);
    const running = await get();
    expect(running.status).toBe('RUNNING');
    expect(running.progress.total).toBeGreaterThan(0);
    expect(running.start_time).toBeDefined();
    const power = await t.runtime.deps.store.repos.vms.get(vm);
    expect(power?.powerState).toBe('POWERED_OFF');
    await t.advance(2500);
    const done = await get();
    expect(done.status).toBe('SUCCEEDED');
    expect(done.progress.completed).toBe(done.progress.total);
    expect(done.end_time).toBeDefined();
    expect(done.result).toBeUndefined();

    expect(await digest(`/api/sim/vms/${vm}/disks/2001`)).toBe(wanted);
    const after = await snapshotsOf(I.clusterA, vm);
    const system = after.find((s) => s.info.snapshot_type === 'SYSTEM_CREATED');
    expect(system?.info.name).toBe('system snapshot before revert to daily-1');
    expect(system?.info.pg).toBeUndefined();
    expect(await digest(`/api/sim/vms/${vm}/snapshots/${system!.snapshot}/disks/2001`)).toBe(dirty);
    const cis = (await t.req({ method: 'GET', url: `/api/cis/tasks/${task}` })).json();
    expect(cis.status).toBe('SUCCEEDED');
  });
});
