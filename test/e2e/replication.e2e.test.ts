import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Client, killAll, serve, stop, type Cli } from '../helpers/cli.ts';
import { pairServers } from '../helpers/two-servers.ts';

/**
 * Two real `snapservice serve --clock manual` processes replicating to each other: digests
 * equal at the recovery site, a cut link reported as an RPO violation and caught up, and a
 * kill -9 of either side in the middle of a chunked send losing and duplicating nothing.
 */
const root = mkdtempSync(join(tmpdir(), 'snapservice-replication-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(killAll);

const DISK = 2000;
const args = (dir: string, name: string, port = '0', extra: string[] = []) => [
  '--port', port, '--data', join(root, dir, name), '--site-name', name, '--sim', '--clock', 'manual', '--task-delay-ms', '0',
  '--task-queue-ms', '0', '--scrypt-cost', '10', '--replication-chunk-bytes', '8192', ...extra,
];

interface Sites {
  dir: string;
  nyc: Cli;
  lon: Cli;
  a: Client;
  b: Client;
  lonId: string;
  cluster: string;
  vm: string;
  pg: string;
}

async function twoSites(dir: string): Promise<Sites> {
  const nyc = await serve(args(dir, 'nyc'));
  const lon = await serve(args(dir, 'lon'));
  expect(nyc.url, nyc.stderr()).toMatch(/^https:/);
  expect(lon.url, lon.stderr()).toMatch(/^https:/);
  const a = await Client.login(nyc.url!);
  const b = await Client.login(lon.url!);
  const { remoteSite: lonId, clusterA, clusterPair } = await pairServers(a, lon.url!);
  const [vm] = await a.ok('GET', '/api/vcenter/vm?names=web-01');
  const made = await a.waitTask(await a.ok('POST', `/api/snapservice/clusters/${clusterA}/protection-groups?vmw-task=true`, {
    name: 'web', target_entities: { vms: [vm.vm] },
    replication_policies: [{ cluster_pair: clusterPair, recovery_point_objective: { unit: 'MINUTE', duration: 5 }, snapshot_retention: { short_term: { keep_last: 10 } } }],
  }));
  expect(made.status, JSON.stringify(made)).toBe('SUCCEEDED');
  return { dir, nyc, lon, a, b, lonId, cluster: clusterA, vm: vm.vm, pg: made.result };
}

const advance = (c: Client, seconds: number) => c.ok('POST', '/api/sim/clock?action=advance', { seconds });
const setLink = (s: Sites, spec: Record<string, unknown>) => s.a.ok('PUT', `/api/sim/sites/${s.lonId}/link`, spec);

async function write(s: Sites, block: number, data: Buffer | string): Promise<void> {
  await s.a.ok('POST', `/api/sim/vms/${s.vm}/disks/${DISK}?action=write`, { block, data: Buffer.from(data).toString('base64') });
}

/** A one-time group snapshot; the member snapshot of the VM. */
async function snapshot(s: Sites, name: string): Promise<string> {
  const base = `/api/snapservice/clusters/${s.cluster}/protection-groups/${s.pg}/snapshots`;
  const done = await s.a.waitTask(await s.a.ok('POST', `${base}?vmw-task=true`, { name }));
  expect(done.status, JSON.stringify(done)).toBe('SUCCEEDED');
  return (await s.a.ok('GET', `${base}/${done.result.snapshot}`)).vm_snapshots.find((v: any) => v.vm === s.vm).snapshot;
}

/** The recovery site's replica snapshots, each with whether every disk equals its source snapshot's. */
async function replicas(s: Sites): Promise<Array<{ source: string; equal: boolean }>> {
  const r = await s.b.call('GET', `/api/sim/replica-vms/${s.vm}`);
  if (r.status === 404) return [];
  const out = [];
  for (const snap of r.body.snapshots) {
    let equal = snap.disks.length > 0;
    for (const d of snap.disks) {
      const source = await s.a.ok('GET', `/api/sim/vms/${s.vm}/snapshots/${snap.source_snapshot}/disks/${d.key}`);
      equal &&= source.digest !== undefined && source.digest === d.digest;
    }
    out.push({ source: snap.source_snapshot, equal });
  }
  return out;
}

const outgoing = async (s: Sites) => (await s.a.ok('GET', `/api/snapservice/clusters/${s.cluster}/virtual-machines/${s.vm}`)).remote_protection_info?.outgoing_replications;
const chunksReceived = async (s: Sites) => (await s.b.ok('GET', '/api/sim/requests')).filter((e: any) => e.method === 'POST' && e.path === '/api/peer/replica-chunks').length;

/** kill -9; the service time it had, for the restart (a manual clock must not run back across the crash). */
async function kill(s: Sites, which: 'nyc' | 'lon'): Promise<{ port: string; now: string }> {
  const cli = s[which];
  const { now } = await (which === 'nyc' ? s.a : s.b).ok('GET', '/api/sim/clock');
  cli.proc.kill('SIGKILL');
  expect((await cli.exited).signal).toBe('SIGKILL');
  return { port: new URL(cli.url!).port, now };
}

/** Serves again on the same port and data directory (the peer has both pinned). */
async function restart(s: Sites, which: 'nyc' | 'lon', { port, now }: { port: string; now: string }): Promise<void> {
  const cli = await serve(args(s.dir, which, port, ['--clock-start', now]));
  expect(cli.url, cli.stderr()).toBe(`https://127.0.0.1:${port}`);
  s[which] = cli;
  if (which === 'nyc') s.a = await Client.login(cli.url!);
  else s.b = await Client.login(cli.url!);
}

/** Ten 4 KiB blocks: 40 KiB, five chunks of 8 KiB; at 200 bytes/s each chunk request takes about 55 s. */
async function bigChange(s: Sites, seed: number): Promise<void> {
  for (let i = 0; i < 10; i++) await write(s, 20 + i, Buffer.alloc(4096, seed + i));
}

describe('replication between two real processes', () => {
  it('replicates digest-equal; a cut link is an RPO violation; restored, it catches up', async () => {
    const s = await twoSites('basic');
    await write(s, 0, 'first');
    const first = await snapshot(s, 'first');
    await advance(s.a, 60);
    expect(await replicas(s)).toEqual([{ source: first, equal: true }]);
    expect(await outgoing(s)).toEqual([{ status: 'OK', cluster_pair: expect.any(String) }]);

    await setLink(s, { cut: true });
    await write(s, 1, 'during the cut');
    const cut = await snapshot(s, 'during-cut');
    await advance(s.a, 360);
    expect(await replicas(s)).toEqual([{ source: first, equal: true }]);
    const late = await outgoing(s);
    expect(late[0].status).toBe('SYNC');
    expect(late[0].rpo_violation).toEqual({ unit: 'MINUTE', duration: 7 });

    await setLink(s, { cut: false });
    await advance(s.a, 60);
    expect(await replicas(s)).toEqual([{ source: first, equal: true }, { source: cut, equal: true }]);
    expect(await stop(s.nyc)).toEqual({ code: 0, signal: null });
    expect(await stop(s.lon)).toEqual({ code: 0, signal: null });
  });

  it('kill -9 of the protected side, then of the recovery side, mid chunked send: nothing held is lost, resent or duplicated', async () => {
    const s = await twoSites('crash');
    await write(s, 0, 'base');
    const base = await snapshot(s, 'base');
    await advance(s.a, 60);
    expect(await replicas(s)).toEqual([{ source: base, equal: true }]);

    // The protected side dies with two of five chunks held at the recovery site.
    await bigChange(s, 1);
    let before = await chunksReceived(s);
    await setLink(s, { bandwidth: 200 });
    const one = await snapshot(s, 'one');
    await advance(s.a, 150);
    expect(await chunksReceived(s)).toBe(before + 2);
    expect(await replicas(s)).toEqual([{ source: base, equal: true }]);
    await restart(s, 'nyc', await kill(s, 'nyc'));
    // A restart gives a clear link: the replicator resumes at once and sends the three chunks missing.
    await advance(s.a, 60);
    expect(await replicas(s)).toEqual([{ source: base, equal: true }, { source: one, equal: true }]);
    expect(await chunksReceived(s)).toBe(before + 5);

    // The recovery side dies with two of five chunks held; the protected side keeps trying meanwhile.
    await bigChange(s, 100);
    before = await chunksReceived(s);
    await setLink(s, { bandwidth: 200 });
    const two = await snapshot(s, 'two');
    await advance(s.a, 150);
    expect(await chunksReceived(s)).toBe(before + 2);
    const lon = await kill(s, 'lon');
    await advance(s.a, 120);
    expect((await outgoing(s))[0].status).toBe('SYNC');
    await restart(s, 'lon', lon);
    await s.a.ok('DELETE', `/api/sim/sites/${s.lonId}/link`);
    await advance(s.a, 60);
    expect(await replicas(s)).toEqual([{ source: base, equal: true }, { source: one, equal: true }, { source: two, equal: true }]);
    // The restarted recovery site's journal starts empty: only the three chunks it lacked came.
    expect(await chunksReceived(s)).toBe(3);
    expect((await outgoing(s))[0].status).toBe('OK');
    expect(await stop(s.nyc)).toEqual({ code: 0, signal: null });
    expect(await stop(s.lon)).toEqual({ code: 0, signal: null });
  });
});
