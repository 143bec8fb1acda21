import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, type TestApp } from '../helpers/app.ts';
import * as R from '../helpers/replication.ts';

/** The replicator between two in-process sites over real TLS: deltas, replicas, resuming. */
let p: R.ReplicationPair;
let a: TestApp;
let b: TestApp;
let cluster: string;
let vm: string;
let pg: string;
let cp: string;
const { MIN } = R;

const write = (block: number, text: string) => R.write(p, block, text);
const snapshot = (name: string) => R.snapshot(p, name);
const sourceDigest = (snapshotId: string) => R.sourceDigest(p, snapshotId);
const replicas = () => R.replicas(p);
const outgoing = () => R.outgoing(p);
const sends = () => R.received(p, '/api/peer/replicas');
const requestsSent = () => sends().length;

beforeAll(async () => {
  p = await R.replicationPair({}, 5, 2);
  ({ a, b, cluster, vm, pg, cp } = p);
});
afterAll(async () => {
  await a.close();
  await b.close();
});

describe('replication', () => {
  it('ships the first snapshot whole and later ones as deltas, digest-equal at the recovery site', async () => {
    await write(0, 'zero');
    await write(5, 'five');
    const first = await snapshot('first');
    await a.advance(MIN);
    expect(await replicas()).toEqual([{ source: first, digest: await sourceDigest(first) }]);
    // The recovery site's group: the same id (the guid), DORMANT, replicating over the same pair.
    const group = await b.runtime.deps.store.repos.groups.get(pg);
    expect(group).toMatchObject({ status: 'DORMANT', name: 'web', replication: { clusterPairId: cp } });
    // Seen through the recovery site's API too, and in both sites' replication reports (9.1).
    const bCluster = (await ids(b)).clusterA;
    const bInfo = (await b.req({ method: 'GET', url: `/api/snapservice/clusters/${bCluster}/protection-groups/${pg}` })).json();
    expect(bInfo).toMatchObject({ name: 'web', status: 'DORMANT', guid: pg, replication_policies: [{ cluster_pair: cp }] });
    const report = async (t: TestApp, c: string, what: string) => (await t.req({ method: 'GET', url: `/api/snapservice/reports/clusters/${c}/${what}?replication=true` })).json().items;
    expect((await report(a, cluster, 'protection-groups')).map((i: any) => i.pg)).toEqual([pg]);
    expect((await report(b, bCluster, 'protection-groups'))[0]).toEqual({ pg, info: { name: 'web', deleted: false, status: 'DORMANT' } });
    expect((await report(a, cluster, 'virtual-machines')).map((i: any) => i.vm)).toEqual([vm]);
    const firstSend = sends().at(-1);
    expect(firstSend).toBeDefined();

    await write(5, 'FIVE');
    await write(9, 'nine');
    const second = await snapshot('second');
    await a.advance(MIN);
    expect(await replicas()).toEqual([{ source: first, digest: await sourceDigest(first) }, { source: second, digest: await sourceDigest(second) }]);

    // keep_last 2: a third snapshot drops the oldest, and the two kept still read exactly.
    await write(1, 'one');
    const third = await snapshot('third');
    await a.advance(MIN);
    expect(await replicas()).toEqual([{ source: second, digest: await sourceDigest(second) }, { source: third, digest: await sourceDigest(third) }]);
  });

  it('sends only the changed blocks', async () => {
    const { repos } = a.runtime.deps.store;
    const before = await b.runtime.deps.store.repos.layers.stats();
    await write(2, 'two');
    const s = await snapshot('delta');
    await a.advance(MIN);
    expect((await replicas()).at(-1)).toEqual({ source: s, digest: await sourceDigest(s) });
    const after = await b.runtime.deps.store.repos.layers.stats();
    // One block written since the previous snapshot: one more block stored (net of retention folding into existing blocks).
    expect(after.blocks - before.blocks).toBeLessThanOrEqual(1);
    expect(await repos.replication.ackedVms((await repos.snapshots.get(s))?.pgSnapshotId as string)).toEqual([vm]);
  });

  it('snapshots taken at one service instant arrive in the protected site\'s order, each digest-equal', async () => {
    const { repos } = a.runtime.deps.store;
    const taken = [];
    for (const [i, text] of ['tie-a', 'tie-b', 'tie-c'].entries()) {
      await write(40 + i, text);
      taken.push(await snapshot(text));
    }
    await a.advance(MIN);
    // The order the protected site lists its group snapshots in (time, then id) is the order they go and are kept in.
    const order = (await repos.groupSnapshots.list(pg)).map((s) => s.id);
    const memberOf = new Map<string, string>();
    for (const id of taken) memberOf.set((await repos.snapshots.get(id))!.pgSnapshotId as string, id);
    const expected = order.filter((id) => memberOf.has(id)).map((id) => memberOf.get(id)!).slice(-2);
    expect(await replicas()).toEqual(await Promise.all(expected.map(async (id) => ({ source: id, digest: await sourceDigest(id) }))));
  });

  it('resumes after a cut link and resends nothing that arrived', async () => {
    const { repos } = a.runtime.deps.store;
    const site = (await repos.sites.list())[0];
    expect(await outgoing()).toEqual([{ status: 'OK', cluster_pair: cp }]);
    await repos.sites.update(site.id, { url: 'https://127.0.0.1:1' }); // the link is cut
    await write(3, 'three');
    const cut = await snapshot('during-cut');
    await a.advance(MIN);
    expect((await replicas()).map((r) => r.source)).not.toContain(cut);
    expect(await outgoing()).toEqual([{ status: 'SYNC', cluster_pair: cp }]);
    // Past the 5-minute RPO, the recovery point's age is reported as the violation.
    await a.advance(5 * MIN);
    const late = await outgoing();
    expect(late[0].status).toBe('SYNC');
    // The recovery point is the previous test's snapshot: 1 + 1 + 5 minutes old.
    expect(late[0].rpo_violation).toEqual({ unit: 'MINUTE', duration: 7 });
    await repos.sites.update(site.id, { url: site.url });
    await a.advance(MIN);
    expect((await replicas()).at(-1)).toEqual({ source: cut, digest: await sourceDigest(cut) });
    // Caught up, but the newest recovery point is the snapshot taken during the cut: still too old.
    expect(await outgoing()).toEqual([{ status: 'OK', cluster_pair: cp, rpo_violation: { unit: 'MINUTE', duration: 7 } }]);

    // The acknowledgement is lost (a crash right after the send): the next pass asks, finds it, sends nothing.
    const count = requestsSent();
    const pgSnapshot = (await repos.snapshots.get(cut))?.pgSnapshotId as string;
    await a.runtime.deps.store.repos.replication.forgetGroup(pg);
    await a.advance(MIN);
    expect(requestsSent()).toBe(count);
    expect(await repos.replication.ackedVms(pgSnapshot)).toEqual([vm]);
    await snapshot('fresh');
    await a.advance(MIN);
    expect(await outgoing()).toEqual([{ status: 'OK', cluster_pair: cp }]);
  });
});
