import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Client, killAll, serve, stop } from '../helpers/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'snapservice-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(killAll);

describe('a user script against the real server', () => {
  it('login -> find VM -> guest write -> revert -> poll -> data restored, system snapshot kept, VM powered off', async () => {
    const cli = await serve(['--port', '0', '--data', join(root, 'walk'), '--sim', '--task-delay-ms', '300', '--task-queue-ms', '100']);
    expect(cli.url, cli.stderr()).toMatch(/^https:/);
    const c = await Client.login(cli.url!);

    const clusters = await c.ok('GET', '/api/vcenter/cluster?names=Cluster-A');
    const cluster = clusters[0].cluster as string;
    const [vm] = await c.ok('GET', `/api/vcenter/vm?names=db-01&clusters=${cluster}`);
    expect(vm.power_state).toBe('POWERED_ON');

    const snaps = (await c.ok('GET', `/api/snapservice/clusters/${cluster}/virtual-machines/${vm.vm}/snapshots?names=daily-1`)).items;
    const target = snaps[0].snapshot as string;
    const wanted = (await c.ok('GET', `/api/sim/vms/${vm.vm}/snapshots/${target}/disks/2001`)).digest;

    await c.ok('POST', `/api/sim/vms/${vm.vm}/disks/2001?action=write`, { block: 42, data: Buffer.from('written by the guest').toString('base64') });
    const before = (await c.ok('GET', `/api/sim/vms/${vm.vm}/disks/2001`)).digest;
    expect(before).not.toBe(wanted);

    const task = await c.ok('POST', `/api/snapservice/clusters/${cluster}/virtual-machines/${vm.vm}?action=revert&vmw-task=true`, { snapshot: target });
    const seen: string[] = [];
    const done = await c.waitTask(task, seen);
    expect(done.status, JSON.stringify(done)).toBe('SUCCEEDED');
    expect(seen).toEqual(['PENDING', 'RUNNING', 'SUCCEEDED']);

    expect((await c.ok('GET', `/api/sim/vms/${vm.vm}/disks/2001`)).digest).toBe(wanted);
    const system = (await c.ok('GET', `/api/snapservice/clusters/${cluster}/virtual-machines/${vm.vm}/snapshots?snapshot_type=SYSTEM_CREATED`)).items;
    expect(system).toHaveLength(1);
    expect((await c.ok('GET', `/api/sim/vms/${vm.vm}/snapshots/${system[0].snapshot}/disks/2001`)).digest).toBe(before);
    expect((await c.ok('GET', `/api/vcenter/vm/${vm.vm}/power`)).state).toBe('POWERED_OFF');
    expect((await c.ok('GET', `/api/cis/tasks/${task}`)).status).toBe('SUCCEEDED');
    expect(await stop(cli)).toEqual({ code: 0, signal: null });
  });
});
