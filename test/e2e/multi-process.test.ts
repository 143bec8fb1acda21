import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Client, killAll, serve, stop } from '../helpers/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'snapservice-multi-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(killAll);

describe('two server processes on one data dir', () => {
  it('the revert cap and the one-operation-per-VM rule hold across processes', async () => {
    const data = join(root, 'cap');
    const args = ['--port', '0', '--data', data, '--http', '--sim', '--task-delay-ms', '600000', '--task-queue-ms', '0'];
    const first = await serve(args);
    const second = await serve(args);
    expect(first.url && second.url, first.stderr() + second.stderr()).toBeTruthy();
    const clients = [await Client.login(first.url!), await Client.login(second.url!)];
    const [cl] = await clients[0].ok('GET', '/api/vcenter/cluster?names=Cluster-A');
    const vms = await clients[0].ok('GET', `/api/vcenter/vm?clusters=${cl.cluster}`);
    const requests = [];
    for (const [i, vm] of vms.entries()) {
      const [snap] = (await clients[0].ok('GET', `/api/snapservice/clusters/${cl.cluster}/virtual-machines/${vm.vm}/snapshots`)).items;
      const url = `/api/snapservice/clusters/${cl.cluster}/virtual-machines/${vm.vm}?action=revert&vmw-task=true`;
      // Every VM asked twice, once through each process: at most one of the two may win.
      requests.push(clients[i % 2].call('POST', url, { snapshot: snap.snapshot }));
      requests.push(clients[(i + 1) % 2].call('POST', url, { snapshot: snap.snapshot }));
    }
    const replies = await Promise.all(requests);
    const accepted = replies.filter((r) => r.status === 202);
    expect(accepted).toHaveLength(4);
    for (const r of replies.filter((x) => x.status !== 202)) {
      expect(r.status).toBe(400);
      expect(r.body.error_type).toBe('NOT_ALLOWED_IN_CURRENT_STATE');
    }
    const active = (await clients[1].ok('GET', '/api/snapservice/tasks?status=PENDING&status=RUNNING')).items;
    expect(active).toHaveLength(4);
    expect(new Set(active.map((t: any) => t.info.target.id)).size).toBe(4);
    expect(await stop(first)).toEqual({ code: 0, signal: null });
    expect(await stop(second)).toEqual({ code: 0, signal: null });
  });
});

describe('two schedulers on one store', () => {
  it('take each scheduled snapshot exactly once', async () => {
    const seed = join(root, 'seed.json');
    writeFileSync(seed, JSON.stringify({
      datacenters: [{ name: 'DC', clusters: [{ name: 'C', hosts: ['h1'], vms: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] }] }],
      protection_groups: [{
        cluster: 'DC/C', name: 'all', vm_name_patterns: ['*'],
        policies: [{ name: 'hourly', schedule: { unit: 'HOUR', interval: 1 }, retention: { unit: 'DAY', duration: 1 } }],
      }],
    }));
    const args = ['--port', '0', '--data', join(root, 'sched'), '--http', '--sim', '--seed', seed, '--clock', 'manual', '--clock-start', '2026-11-27T00:00:00.000Z'];
    const first = await serve(args);
    const second = await serve(args);
    const [a, b] = [await Client.login(first.url!), await Client.login(second.url!)];
    for (let hour = 0; hour < 3; hour++) {
      await Promise.all([a, b].map((c) => c.ok('POST', '/api/sim/clock?action=advance', { seconds: 3600 })));
    }
    const [cl] = await a.ok('GET', '/api/vcenter/cluster');
    const [pg] = (await a.ok('GET', `/api/snapservice/clusters/${cl.cluster}/protection-groups`)).items;
    const snaps = (await b.ok('GET', `/api/snapservice/clusters/${cl.cluster}/protection-groups/${pg.pg}/snapshots`)).snapshots;
    expect(snaps.map((s: any) => s.info.start_time)).toEqual(['01', '02', '03'].map((h) => `2026-11-27T${h}:00:00.000Z`));
    for (const s of snaps) expect(s.info.vm_snapshots).toHaveLength(3);
    expect(await stop(first)).toEqual({ code: 0, signal: null });
    expect(await stop(second)).toEqual({ code: 0, signal: null });
  });
});
