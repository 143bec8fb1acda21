import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISK, link, MIN, outgoing, replicas, replicationPair, snapshot, sourceDigest, write, type ReplicationPair } from '../helpers/replication.ts';

/** Replication across a simulated link: cut and restored, slowed by bandwidth, all in service time. */
let p: ReplicationPair;

beforeAll(async () => {
  p = await replicationPair({}, 5, 3);
});
afterAll(async () => {
  await p.a.close();
  await p.b.close();
});

describe('replication over a simulated link', () => {
  it('a cut link holds replication back until the RPO is violated; restored, it catches up', async () => {
    await write(p, 0, 'zero');
    const first = await snapshot(p, 'first');
    await p.a.advance(MIN);
    expect(await replicas(p)).toEqual([{ source: first, digest: await sourceDigest(p, first) }]);
    expect(await outgoing(p)).toEqual([{ status: 'OK', cluster_pair: p.cp }]);
    // The sim API shows the replica's content at the recovery site.
    const seen = (await p.b.req({ method: 'GET', url: `/api/sim/replica-vms/${p.vm}` })).json();
    expect(seen).toMatchObject({ site: p.a.runtime.deps.site.id, name: 'web-01', pg: p.pg, snapshots: [{ source_snapshot: first, name: 'first' }] });
    expect(seen.snapshots[0].disks.find((d: any) => d.key === DISK).digest).toBe(await sourceDigest(p, first));
    expect((await p.b.req({ method: 'GET', url: '/api/sim/replica-vms/vm-none' })).statusCode).toBe(404);
    expect((await p.b.req({ method: 'GET', url: `/api/sim/replica-vms/${p.vm}`, as: 'readonly' })).statusCode).toBe(403);
    expect((await p.b.req({ method: 'GET', url: `/api/sim/replica-vms/${p.vm}`, as: null })).statusCode).toBe(401);

    await link(p, { cut: true });
    await write(p, 1, 'one');
    const cut = await snapshot(p, 'during-cut');
    await p.a.advance(MIN);
    expect((await replicas(p)).map((r) => r.source)).toEqual([first]);
    expect(await outgoing(p)).toEqual([{ status: 'SYNC', cluster_pair: p.cp }]);
    await p.a.advance(5 * MIN);
    // The recovery point is `first`, 7 minutes old, past the 5-minute RPO.
    expect(await outgoing(p)).toEqual([{ status: 'SYNC', cluster_pair: p.cp, rpo_violation: { unit: 'MINUTE', duration: 7 } }]);

    await link(p, { cut: false });
    await p.a.advance(MIN);
    expect((await replicas(p)).at(-1)).toEqual({ source: cut, digest: await sourceDigest(p, cut) });
    await snapshot(p, 'fresh');
    await p.a.advance(MIN);
    expect(await outgoing(p)).toEqual([{ status: 'OK', cluster_pair: p.cp }]);
  });

  it('a bandwidth cap makes a send take service time: lag and an RPO violation on purpose, then the snapshot lands whole', async () => {
    // 40 blocks of 4 KiB, base64 on the wire: about 220 KB at 500 bytes/s is over 7 minutes.
    for (let i = 0; i < 40; i++) await write(p, 100 + i, Buffer.alloc(4096, i + 1));
    await link(p, { bandwidth: 500 });
    const slow = await snapshot(p, 'slow');
    await p.a.advance(MIN);
    expect((await replicas(p)).map((r) => r.source)).not.toContain(slow);
    expect(await outgoing(p)).toEqual([{ status: 'SYNC', cluster_pair: p.cp }]);
    await p.a.advance(5 * MIN);
    expect((await outgoing(p))[0].rpo_violation).toBeDefined();
    expect((await replicas(p)).map((r) => r.source)).not.toContain(slow);
    await p.a.advance(3 * MIN);
    expect((await replicas(p)).at(-1)).toEqual({ source: slow, digest: await sourceDigest(p, slow) });
  });

  it('latency delays every call by its amount of service time', async () => {
    p.a.runtime.deps.links.clear(p.bId);
    await link(p, { latency_ms: 40_000 });
    await write(p, 2, 'two');
    const late = await snapshot(p, 'late');
    // A pass asks what arrived (40 s), then sends (40 s): not there after one minute, there after two.
    await p.a.advance(MIN);
    expect((await replicas(p)).map((r) => r.source)).not.toContain(late);
    await p.a.advance(MIN);
    expect((await replicas(p)).at(-1)).toEqual({ source: late, digest: await sourceDigest(p, late) });
    p.a.runtime.deps.links.clear(p.bId);
  });
});
