import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { json, task } from '../helpers/sites.ts';
import { link, MIN, replicas, replicationPair, snapshot, write, type ReplicationPair } from '../helpers/replication.ts';

/** The recovery site's replicas go when the protected site stops replicating the group or deletes it. */
let p: ReplicationPair;

const group = (id = p.pg) => p.b.runtime.deps.store.repos.groups.get(id);
const layers = () => p.b.runtime.deps.store.repos.layers.stats();

async function replicated(): Promise<void> {
  await write(p, 0, 'zero');
  await snapshot(p, 'first');
  await p.a.advance(MIN);
  expect(await replicas(p)).toHaveLength(1);
  expect(await group()).toMatchObject({ status: 'DORMANT' });
}

async function update(payload: Record<string, unknown>): Promise<void> {
  const r = await p.a.req({ method: 'PATCH', url: `/api/snapservice/clusters/${p.cluster}/protection-groups/${p.pg}?vmw-task=true`, headers: json, payload });
  expect(r.statusCode, r.payload).toBe(202);
  expect((await task(p.a, r.json())).status).toBe('SUCCEEDED');
}

beforeEach(async () => {
  p = await replicationPair();
});
afterEach(async () => {
  await p.a.close();
  await p.b.close();
});

describe('replica cleanup', () => {
  it('replication removed from the group: the DORMANT group, its replica VMs and their layers go', async () => {
    const empty = await layers();
    await replicated();
    // The recovery site reports the incoming replica as a replication placeholder: not in its inventory.
    const bCluster = (await p.b.runtime.deps.store.repos.groups.get(p.pg))?.clusterId as string;
    const report = async () => (await p.b.req({ method: 'GET', url: `/api/snapservice/reports/clusters/${bCluster}/virtual-machines?replication=true` })).json().items;
    expect(await report()).toEqual([{ vm: p.vm, info: { name: 'web-01', deleted: false, exists: false } }]);
    await update({ replication_policies: [] });
    await p.a.advance(0);
    expect(await group()).toBeUndefined();
    expect(await replicas(p)).toEqual([]);
    expect(await p.b.runtime.deps.store.repos.replication.listVms(p.pg)).toEqual([]);
    expect(await layers()).toEqual(empty);
    expect(await report()).toEqual([]);
    expect(await p.a.runtime.deps.store.repos.replication.removals()).toEqual([]);
  });

  it('with the link down the removal is owed and retried; replicating again afterwards starts afresh', async () => {
    await replicated();
    await link(p, { cut: true });
    await update({ replication_policies: [] });
    await p.a.advance(2 * MIN);
    expect(await group()).toMatchObject({ status: 'DORMANT' });
    expect((await p.a.runtime.deps.store.repos.replication.removals()).map((r) => r.pgId)).toEqual([p.pg]);
    // Replication is turned on again before the removal could be told: the old replicas still go first.
    await update({ replication_policies: [{ cluster_pair: p.cp, recovery_point_objective: { unit: 'MINUTE', duration: 5 }, snapshot_retention: { short_term: { keep_last: 3 } } }] });
    const again = await snapshot(p, 'again');
    await link(p, { cut: false });
    await p.a.advance(MIN);
    expect(await p.a.runtime.deps.store.repos.replication.removals()).toEqual([]);
    expect((await replicas(p)).map((r) => r.source)).toEqual([again]);
  });

  it('the group deleted: its replicas go, and the cluster pair can then be deleted on both sides', async () => {
    await replicated();
    await link(p, { cut: true });
    const del = await p.a.req({ method: 'DELETE', url: `/api/snapservice/clusters/${p.cluster}/protection-groups/${p.pg}?vmw-task=true&force=true` });
    expect(del.statusCode, del.payload).toBe(202);
    expect((await task(p.a, del.json())).status).toBe('SUCCEEDED');
    await p.a.advance(MIN);
    expect(await group()).toMatchObject({ status: 'DORMANT' });
    await link(p, { cut: false });
    // The pair's delete tells the peer what it owes first; it is not refused for the replica group.
    const cpDel = await p.a.req({ method: 'DELETE', url: `/api/snapservice/cluster-pairs/${p.cp}?vmw-task=true` });
    const done = await task(p.a, cpDel.json());
    expect(done.status, JSON.stringify(done)).toBe('SUCCEEDED');
    expect(await group()).toBeUndefined();
    expect(await replicas(p)).toEqual([]);
    expect(await p.b.runtime.deps.store.repos.clusterPairs.list({})).toEqual([]);
  });
});
