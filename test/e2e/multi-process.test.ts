import { mkdtempSync, rmSync } from 'node:fs';
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
