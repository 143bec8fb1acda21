import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Client, killAll, serve, stop } from '../helpers/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'snapservice-groups-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(killAll);

const HOUR = 3600;

describe('protection groups on a listening server with a manual clock', () => {
  it('schedules, expires, pauses and refuses changes to a locked group', async () => {
    const cli = await serve([
      '--port', '0', '--data', join(root, 'pg'), '--http', '--sim', '--seed', 'demo-inventory',
      '--clock', 'manual', '--clock-start', '2026-11-27T00:00:00.000Z', '--task-delay-ms', '0',
    ]);
    expect(cli.url, cli.stderr()).toBeDefined();
    const c = await Client.login(cli.url!);
    const [cl] = await c.ok('GET', '/api/vcenter/cluster?names=Cluster-A');
    const base = `/api/snapservice/clusters/${cl.cluster}/protection-groups`;
    const advance = (seconds: number) => c.ok('POST', '/api/sim/clock?action=advance', { seconds });

    const task = await c.ok('POST', `${base}?vmw-task=true`, {
      name: 'web', target_entities: { vm_name_patterns: ['web-*'] },
      snapshot_policies: [{ name: 'hourly', schedule: { unit: 'HOUR', interval: 1 }, retention: { unit: 'HOUR', duration: 4 } }],
    });
    const pg = (await c.waitTask(task)).result as string;
    const members = (await c.ok('GET', `${base}/${pg}`)).vms as string[];
    expect(members).toHaveLength(3);
    const scheduled = async (vm: string) =>
      (await c.ok('GET', `/api/snapservice/clusters/${cl.cluster}/virtual-machines/${vm}/snapshots?snapshot_type=SCHEDULED`)).items;

    expect((await advance(3 * HOUR + 60)).now).toBe('2026-11-27T03:01:00.000Z');
    for (const vm of members) expect(await scheduled(vm)).toHaveLength(3);
    expect((await c.ok('GET', `${base}/${pg}/snapshots`)).snapshots).toHaveLength(3);

    await advance(5 * HOUR);
    for (const vm of members) {
      const left = await scheduled(vm);
      expect(left.map((s: any) => s.info.created_at)).toEqual(['05', '06', '07', '08'].map((h) => `2026-11-27T${h}:00:00.000Z`));
    }

    await c.waitTask(await c.ok('POST', `${base}/${pg}?action=pause&vmw-task=true`));
    await advance(10 * HOUR);
    expect(await scheduled(members[0])).toHaveLength(4);

    const locked = (await c.waitTask(await c.ok('POST', `${base}?vmw-task=true`, { name: 'vault', locked: true, target_entities: { vm_name_patterns: ['db-*'] } }))).result;
    const refused = await c.call('PATCH', `${base}/${locked}?vmw-task=true`, { name: 'other' });
    expect(refused.status).toBe(400);
    expect(refused.body.error_type).toBe('UNSUPPORTED');
    expect((await c.call('DELETE', `${base}/${locked}?vmw-task=true&force=true`)).body.error_type).toBe('UNSUPPORTED');
    expect(await stop(cli)).toEqual({ code: 0, signal: null });
  });
});

describe('restore and linked clone on a listening server', () => {
  it('delete VM -> restore -> new VM with the snapshot data; a linked clone stays independent', async () => {
    const cli = await serve(['--port', '0', '--data', join(root, 'recover'), '--http', '--sim', '--task-delay-ms', '100', '--task-queue-ms', '0']);
    expect(cli.url, cli.stderr()).toBeDefined();
    const c = await Client.login(cli.url!);
    const [cl] = await c.ok('GET', '/api/vcenter/cluster?names=Cluster-A');
    const vmsBase = `/api/snapservice/clusters/${cl.cluster}/virtual-machines`;
    const digest = async (path: string) => (await c.ok('GET', path)).digest as string;

    const [victim] = await c.ok('GET', '/api/vcenter/vm?names=app-01');
    const [snap] = (await c.ok('GET', `${vmsBase}/${victim.vm}/snapshots?names=daily-2`)).items;
    const wanted = await digest(`/api/sim/vms/${victim.vm}/snapshots/${snap.snapshot}/disks/2001`);
    await c.ok('POST', `/api/vcenter/vm/${victim.vm}/power?action=stop`);
    await c.ok('DELETE', `/api/vcenter/vm/${victim.vm}`);
    expect((await c.ok('GET', `${vmsBase}/${victim.vm}`)).in_cluster).toBe(false);

    const restore = await c.waitTask(await c.ok('POST', `${vmsBase}/${victim.vm}?action=restore&vmw-task=true`, { snapshot: snap.snapshot }));
    expect(restore.status, JSON.stringify(restore)).toBe('SUCCEEDED');
    const restored = restore.result as string;
    expect(restored).not.toBe(victim.vm);
    const info = await c.ok('GET', `/api/vcenter/vm/${restored}`);
    expect(info).toMatchObject({ name: 'app-01', power_state: 'POWERED_OFF' });
    expect(await digest(`/api/sim/vms/${restored}/disks/2001`)).toBe(wanted);

    const [source] = await c.ok('GET', '/api/vcenter/vm?names=db-02');
    const [s1] = (await c.ok('GET', `${vmsBase}/${source.vm}/snapshots?names=daily-1`)).items;
    const snapDigest = await digest(`/api/sim/vms/${source.vm}/snapshots/${s1.snapshot}/disks/2000`);
    const sourceDigest = await digest(`/api/sim/vms/${source.vm}/disks/2000`);
    const clone = (await c.waitTask(await c.ok('POST', `${vmsBase}/${source.vm}?action=linked-clone&vmw-task=true`, { snapshot: s1.snapshot, name: 'db-02-clone' }))).result as string;
    expect(await digest(`/api/sim/vms/${clone}/disks/2000`)).toBe(snapDigest);
    await c.ok('POST', `/api/vcenter/vm/${clone}/power?action=start`);
    await c.ok('POST', `/api/sim/vms/${clone}/disks/2000?action=write`, { block: 1, data: Buffer.from('clone only').toString('base64') });
    const cloneDigest = await digest(`/api/sim/vms/${clone}/disks/2000`);
    expect(cloneDigest).not.toBe(snapDigest);
    expect(await digest(`/api/sim/vms/${source.vm}/disks/2000`)).toBe(sourceDigest);
    expect(await digest(`/api/sim/vms/${source.vm}/snapshots/${s1.snapshot}/disks/2000`)).toBe(snapDigest);
    await c.ok('DELETE', `/api/vcenter/vm/${source.vm}`);
    expect(await digest(`/api/sim/vms/${clone}/disks/2000`)).toBe(cloneDigest);
    expect(await stop(cli)).toEqual({ code: 0, signal: null });
  });
});
