import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Client, killAll, serve, stop, type Cli } from '../helpers/cli.ts';
import { pairServers } from '../helpers/two-servers.ts';
import { postgresAvailable, scratchDatabase } from '../store-contract/pg-harness.ts';

/**
 * Disaster recovery between two real `snapservice serve` processes with manual clocks: pair,
 * protect with replication, planned migration, activate with reverse replication, failback,
 * and an unplanned failover with the protected site killed. Once with each site on its own
 * SQLite file, once with each on its own PostgreSQL database (nothing shared but the network).
 */
const root = mkdtempSync(join(tmpdir(), 'snapservice-dr-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(killAll);

const postgres = await postgresAvailable();
if (!postgres) console.warn('DR on PostgreSQL skipped: no server reachable (see test/store-contract/pg-harness.ts)');
const DISK = 2000;

describe.each([{ store: 'sqlite' }, ...(postgres ? [{ store: 'postgres' }] : [])])('disaster recovery between two real servers on $store', ({ store }) => {
  const dropped: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const drop of dropped) await drop();
  });
  /** Each site's --store: its own PostgreSQL database, or none (SQLite in its data directory). */
  const stores = new Map<string, string[]>();
  async function storeOf(name: string): Promise<string[]> {
    if (store === 'sqlite') return [];
    if (!stores.has(name)) {
      const db = await scratchDatabase(`dr_${name}`);
      dropped.push(db.drop);
      stores.set(name, ['--store', db.url.toString()]);
    }
    return stores.get(name)!;
  }
  const args = async (name: string, port = '0') => [
    '--port', port, '--data', join(root, store, name), '--site-name', name, '--sim', '--task-delay-ms', '0', '--task-queue-ms', '0',
    '--scrypt-cost', '10', '--clock', 'manual', '--clock-start', '2026-11-27T00:00:00.000Z', ...(await storeOf(name)),
  ];

  it('planned migration, reverse replication, failback, and unplanned failover with the protected site killed', async () => {
    let nyc: Cli = await serve(await args('nyc'));
    const lon = await serve(await args('lon'));
    expect(nyc.url, nyc.stderr()).toMatch(/^https:/);
    expect(lon.url, lon.stderr()).toMatch(/^https:/);
    let a = await Client.login(nyc.url!);
    const b = await Client.login(lon.url!);
    const nycPort = new URL(nyc.url!).port;

    // Pair the sites (nyc adds lon) and Cluster-A at nyc with Cluster-B at lon.
    const { clusterA, clusterB, clusterPair: cp } = await pairServers(a, lon.url!);

    // Protect web-01 with replication.
    const [vm] = (await a.ok('GET', '/api/vcenter/vm?names=web-01')).map((v: any) => v.vm);
    const pg = (await a.waitTask(await a.ok('POST', `/api/snapservice/clusters/${clusterA}/protection-groups?vmw-task=true`, {
      name: 'web', target_entities: { vms: [vm] },
      snapshot_policies: [{ name: 'hourly', schedule: { unit: 'HOUR', interval: 1 }, retention: { unit: 'DAY', duration: 1 } }],
      replication_policies: [{ cluster_pair: cp, recovery_point_objective: { unit: 'MINUTE', duration: 5 }, snapshot_retention: { short_term: { keep_last: 3 } } }],
    }))).result as string;

    const write = (c: Client, id: string, block: number, text: string) =>
      c.ok('POST', `/api/sim/vms/${id}/disks/${DISK}?action=write`, { block, data: Buffer.from(text).toString('base64') });
    const digest = async (c: Client, id: string) => (await c.ok('GET', `/api/sim/vms/${id}/disks/${DISK}`)).digest as string;
    const groupOf = (c: Client, cluster: string) => c.ok('GET', `/api/snapservice/clusters/${cluster}/protection-groups/${pg}`);
    // A minute between steps: two group snapshots at one service instant would both count as
    // the latest (the replicator's first sync ships every snapshot at that instant).
    const minute = (c: Client) => c.ok('POST', '/api/sim/clock?action=advance', { seconds: 60 });
    const op = async (c: Client, cluster: string, action: string) => {
      await minute(c);
      const done = await c.waitTask(await c.ok('POST', `/api/snapservice/clusters/${cluster}/protection-groups/${pg}?action=${action}&vmw-task=true`));
      const vms = done.status === 'SUCCEEDED' ? [] : [await c.ok('GET', '/api/vcenter/vm?names=web-01'), await c.ok('GET', `/api/sim/protection-groups/${pg}/replicas`)];
      expect(done.status, `${action}: ${JSON.stringify(done)}; web-01 VMs: ${JSON.stringify(vms)}`).toBe('SUCCEEDED');
    };
    const snapshot = async (c: Client, cluster: string, name: string) => {
      await minute(c);
      const done = await c.waitTask(await c.ok('POST', `/api/snapservice/clusters/${cluster}/protection-groups/${pg}/snapshots?vmw-task=true`, { name }));
      const info = await c.ok('GET', `/api/snapservice/clusters/${cluster}/protection-groups/${pg}/snapshots/${done.result.snapshot}`);
      return info.vm_snapshots[0].snapshot as string;
    };
    /** Digests of the replica snapshots at that site (none before the group's first replica arrives). */
    const replicaDigests = async (c: Client): Promise<string[]> => {
      const r = await c.call('GET', `/api/sim/protection-groups/${pg}/replicas`);
      if (r.status === 404) return [];
      return (r.body as any).items.flatMap((v: any) => v.snapshots.map((s: any) => s.disks.find((d: any) => d.key === DISK)?.digest));
    };
    /** Moves both sites' service time a minute at a time (each a real request) until `done` holds. */
    const until = async (what: string, done: () => Promise<boolean>, clients: Client[] = [a, b]) => {
      for (let i = 0; i < 30; i++) {
        if (await done()) return;
        for (const c of clients) await c.ok('POST', '/api/sim/clock?action=advance', { seconds: 60 });
      }
      throw new Error(`never: ${what}`);
    };

    // Guest data, a snapshot, time: the replica at lon matches by digest.
    await write(a, vm, 0, 'guest data');
    const first = await snapshot(a, clusterA, 'first');
    const firstDigest = (await a.ok('GET', `/api/sim/vms/${vm}/snapshots/${first}/disks/${DISK}`)).digest;
    await until('first replica', async () => (await replicaDigests(b)).includes(firstDigest));
    expect((await groupOf(b, clusterB)).status).toBe('DORMANT');

    // Planned migration: demote (final sync), promote at lon; the recovered VM is digest-equal.
    await write(a, vm, 1, 'written just before the migration');
    const atDemote = await digest(a, vm);
    await op(a, clusterA, 'demote');
    await until('final sync', async () => (await replicaDigests(b)).includes(atDemote));
    await op(b, clusterB, 'promote');
    const recovered = (await groupOf(b, clusterB)).vms[0] as string;
    expect(await digest(b, recovered), JSON.stringify(await b.ok('GET', `/api/sim/protection-groups/${pg}/replicas`))).toBe(atDemote);
    expect(await b.ok('GET', `/api/vcenter/vm/${recovered}`)).toMatchObject({ name: 'web-01', power_state: 'POWERED_OFF' });

    // Activate: lon protects and replicates back; nyc's demoted group becomes DORMANT.
    await op(b, clusterB, 'activate');
    await until('nyc dormant', async () => (await groupOf(a, clusterA)).status === 'DORMANT');
    expect((await a.call('GET', `/api/vcenter/vm/${vm}`)).status).toBe(404);

    // Failback: the same walk from lon to nyc.
    await b.call('POST', `/api/vcenter/vm/${recovered}/power?action=start`);
    await write(b, recovered, 2, 'written at lon');
    const atFailback = await digest(b, recovered);
    await op(b, clusterB, 'demote');
    await until('failback sync', async () => (await replicaDigests(a)).includes(atFailback));
    await op(a, clusterA, 'promote');
    const home = (await groupOf(a, clusterA)).vms[0] as string;
    expect(await digest(a, home)).toBe(atFailback);
    await op(a, clusterA, 'activate');
    await until('lon dormant', async () => (await groupOf(b, clusterB)).status === 'DORMANT');

    // Unplanned failover: nyc replicates a last snapshot, then dies.
    await a.call('POST', `/api/vcenter/vm/${home}/power?action=start`);
    await write(a, home, 3, 'last replicated');
    const last = await snapshot(a, clusterA, 'last');
    const lastDigest = (await a.ok('GET', `/api/sim/vms/${home}/snapshots/${last}/disks/${DISK}`)).digest;
    await until('last replica', async () => (await replicaDigests(b)).includes(lastDigest));
    await write(a, home, 4, 'lost with the site');
    expect(await stop(nyc, 'SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    await op(b, clusterB, 'promote');
    const survivor = (await groupOf(b, clusterB)).vms[0] as string;
    expect(await digest(b, survivor)).toBe(lastDigest);
    await op(b, clusterB, 'activate');

    // nyc comes back (same port and data) still ACTIVE; lon's replication makes it DORMANT.
    nyc = await serve(await args('nyc', nycPort));
    expect(nyc.url, nyc.stderr()).toBe(`https://127.0.0.1:${nycPort}`);
    a = await Client.login(nyc.url!);
    expect((await groupOf(a, clusterA)).status).toBe('ACTIVE');
    await until('nyc dormant after failover', async () => (await groupOf(a, clusterA)).status === 'DORMANT', [b, a]);
    expect((await groupOf(b, clusterB)).status).toBe('ACTIVE');
    expect(await stop(nyc)).toEqual({ code: 0, signal: null });
    expect(await stop(lon)).toEqual({ code: 0, signal: null });
  });
});
