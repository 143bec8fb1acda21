import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Client, killAll, serve, stop } from '../helpers/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'snapservice-crash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(killAll);

const args = (data: string, queueMs = 0) => ['--port', '0', '--data', data, '--sim', '--http', '--task-delay-ms', '1500', '--task-queue-ms', String(queueMs), '--task-lease-ms', '1000'];

describe('crash recovery', () => {
  for (const when of ['PENDING', 'RUNNING'] as const) {
    it(`kill -9 while a revert is ${when}: after restart the task ends and the disk is wholly old or wholly new`, async () => {
      const data = join(root, when);
      // A queue delay keeps the task PENDING long enough to kill the server in that state.
      let cli = await serve(args(data, when === 'PENDING' ? 3000 : 0));
      expect(cli.url, cli.stderr()).toBeDefined();
      let c = await Client.login(cli.url!);
      const [cl] = await c.ok('GET', '/api/vcenter/cluster?names=Cluster-A');
      const [vm] = await c.ok('GET', `/api/vcenter/vm?names=web-01`);
      const [target] = (await c.ok('GET', `/api/snapservice/clusters/${cl.cluster}/virtual-machines/${vm.vm}/snapshots?names=daily-1`)).items;
      const wanted = (await c.ok('GET', `/api/sim/vms/${vm.vm}/snapshots/${target.snapshot}/disks/2001`)).digest;
      await c.ok('POST', `/api/sim/vms/${vm.vm}/disks/2001?action=write`, { block: 5, data: Buffer.from('acknowledged write').toString('base64') });
      const old = (await c.ok('GET', `/api/sim/vms/${vm.vm}/disks/2001`)).digest;

      const task = await c.ok('POST', `/api/snapservice/clusters/${cl.cluster}/virtual-machines/${vm.vm}?action=revert&vmw-task=true`, { snapshot: target.snapshot });
      let reported = 0;
      for (;;) {
        const info = await c.ok('GET', `/api/snapservice/tasks/${task}`);
        reported = info.progress?.completed ?? 0;
        if (info.status === when && (when === 'PENDING' || reported > 0)) break;
        expect(['PENDING', 'RUNNING']).toContain(info.status);
      }
      cli.proc.kill('SIGKILL');
      expect((await cli.exited).signal).toBe('SIGKILL');

      cli = await serve(args(data));
      expect(cli.url, cli.stderr()).toBeDefined();
      c = await Client.login(cli.url!);
      // Progress reported before the crash is never taken back.
      expect((await c.ok('GET', `/api/snapservice/tasks/${task}`)).progress?.completed ?? 0).toBeGreaterThanOrEqual(reported);
      const digest = (await c.ok('GET', `/api/sim/vms/${vm.vm}/disks/2001`)).digest;
      expect([old, wanted]).toContain(digest);
      const done = await c.waitTask(task);
      expect(done.status, JSON.stringify(done)).toBe('SUCCEEDED');
      expect(done.progress.completed).toBe(done.progress.total);
      expect((await c.ok('GET', `/api/sim/vms/${vm.vm}/disks/2001`)).digest).toBe(wanted);
      const system = (await c.ok('GET', `/api/snapservice/clusters/${cl.cluster}/virtual-machines/${vm.vm}/snapshots?snapshot_type=SYSTEM_CREATED`)).items;
      expect(system).toHaveLength(1);
      expect((await c.ok('GET', `/api/sim/vms/${vm.vm}/snapshots/${system[0].snapshot}/disks/2001`)).digest).toBe(old);
      expect((await c.ok('GET', `/api/vcenter/vm/${vm.vm}/power`)).state).toBe('POWERED_OFF');
      const active = (await c.ok('GET', '/api/snapservice/tasks?status=RUNNING&status=PENDING')).items;
      expect(active).toEqual([]);
      expect(await stop(cli)).toEqual({ code: 0, signal: null });
    });
  }

  it('a SIGTERM mid-revert leaves the task for the next start to finish', async () => {
    const data = join(root, 'term');
    let cli = await serve(args(data));
    let c = await Client.login(cli.url!);
    const [cl] = await c.ok('GET', '/api/vcenter/cluster?names=Cluster-A');
    const [vm] = await c.ok('GET', `/api/vcenter/vm?names=db-02`);
    const [target] = (await c.ok('GET', `/api/snapservice/clusters/${cl.cluster}/virtual-machines/${vm.vm}/snapshots?names=daily-1`)).items;
    const task = await c.ok('POST', `/api/snapservice/clusters/${cl.cluster}/virtual-machines/${vm.vm}?action=revert&vmw-task=true`, { snapshot: target.snapshot });
    while ((await c.ok('GET', `/api/snapservice/tasks/${task}`)).status !== 'RUNNING');
    expect(await stop(cli)).toEqual({ code: 0, signal: null });
    cli = await serve(args(data));
    c = await Client.login(cli.url!);
    expect((await c.waitTask(task)).status).toBe('SUCCEEDED');
    expect(await stop(cli)).toEqual({ code: 0, signal: null });
  });
});
