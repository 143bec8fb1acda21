import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callSite } from '../../src/modules/sites/access.ts';
import type { VapiError } from '../../src/errors.ts';
import { json } from '../helpers/sites.ts';
import { DISK, link, MIN, received, replicas, replicationPair, snapshot, sourceDigest, write, type ReplicationPair } from '../helpers/replication.ts';

/**
 * Deltas larger than a chunk: sent in chunks held apart at the recovery site, landed at once
 * with the last word, never resent once held. Chunks of 6000 bytes make 4 KiB blocks straddle them.
 */
let p: ReplicationPair;
const CHUNK = 6000;

const staged = async (snapshotId: string) => (await p.b.runtime.deps.store.repos.replication.chunks(snapshotId, false)).map((c) => c.index);
const sources = async () => (await replicas(p)).map((r) => r.source);
const peer = async <T>(method: string, path: string, body?: unknown) =>
  callSite<T>(p.a.runtime.deps, (await p.a.runtime.deps.store.repos.sites.list())[0], method, path, body);

beforeAll(async () => {
  p = await replicationPair({ replicationChunkBytes: CHUNK }, 5, 5);
  await write(p, 0, 'seed');
  await snapshot(p, 'seed');
  await p.a.advance(MIN);
});
afterAll(async () => {
  await p.a.close();
  await p.b.close();
});

describe('chunked replication', () => {
  it('holds chunks out of sight until the last word, resumes after a cut mid-snapshot without resending held chunks', async () => {
    for (let i = 0; i < 5; i++) await write(p, 10 + i, Buffer.alloc(4096, 0x41 + i)); // 20480 bytes: 4 chunks
    // About 8.2 KB per chunk request at 100 bytes/s: some 82 s each.
    const before = received(p, '/api/peer/replica-chunks').length;
    await link(p, { bandwidth: 100 });
    const big = await snapshot(p, 'big');
    await p.a.advance(3 * MIN);
    expect(await staged(big)).toEqual([0, 1]);
    expect(await sources()).not.toContain(big);
    // Nor through the recovery site's API: its group lists no new replica yet.
    expect((await p.b.runtime.deps.store.repos.replication.snapshotBySource(big))).toBeUndefined();

    await link(p, { cut: true }); // chunk 2 is on its way: it fails
    await p.a.advance(2 * MIN);
    expect(await staged(big)).toEqual([0, 1]);
    await link(p, { cut: false, bandwidth: 1_000_000_000 });
    await p.a.advance(MIN);
    expect((await replicas(p)).at(-1)).toEqual({ source: big, digest: await sourceDigest(p, big) });
    expect(await staged(big)).toEqual([]);
    // Each chunk crossed the link once: the resumed send asked what was held and skipped it.
    const sent = received(p, '/api/peer/replica-chunks').slice(before).map((e) => e.status);
    expect(sent).toEqual([204, 204, 204, 204]);
  });

  it('a chunk sent again changes nothing; the last word lands only a whole set; errors are the caller\'s', async () => {
    p.a.runtime.deps.links.clear(p.bId);
    const snapId = 'snap-manual';
    const chunk = (index: number, data: string) => ({
      pg: p.pg, vm: 'vm-manual', snapshot: snapId, index, count: 2, pieces: [{ disk: DISK, block: 3, offset: index === 0 ? 0 : 3, data: Buffer.from(data).toString('base64') }],
    });
    await peer('POST', '/api/peer/replica-chunks', chunk(0, 'abc'));
    await peer('POST', '/api/peer/replica-chunks', chunk(0, 'XYZ')); // a resend: the first stays
    const header = {
      cluster_pair: p.cp, pg: { id: p.pg, name: 'web', policy: { cluster_pair: p.cp, recovery_point_objective: { unit: 'MINUTE', duration: 5 }, snapshot_retention: { short_term: { keep_last: 5 } } } },
      vm: { id: 'vm-manual', name: 'manual' }, snapshot: { id: snapId, pg_snapshot: 'pgs-manual', name: 'manual', taken_at: p.a.clock.now() },
      chunks: 2, disks: [{ key: DISK, label: 'Hard disk 1', capacity: 1 << 20, block_size: 4096, full: true, blocks: [] }],
    };
    const early = await peer('POST', '/api/peer/replicas', header).catch((e: VapiError) => e);
    expect((early as VapiError).kind).toBe('NOT_ALLOWED_IN_CURRENT_STATE');
    expect((early as VapiError).message).toContain('Chunks 1 of 2');
    await peer('POST', '/api/peer/replica-chunks', chunk(1, 'def'));
    const landed = await peer<{ replica_snapshot: string }>('POST', '/api/peer/replicas', header);
    const again = await peer<{ replica_snapshot: string }>('POST', '/api/peer/replicas', header);
    expect(again).toEqual(landed);
    const { repos } = p.b.runtime.deps.store;
    const replica = await repos.replication.getVm(p.a.runtime.deps.site.id, 'vm-manual');
    const snap = await repos.replication.snapshotBySource(snapId);
    const head = (await repos.replication.disks(replica!.id))[0];
    const data = await repos.layers.readBlock(await repos.layers.chain(snap!.disks[0].layerId), 3);
    expect(data?.subarray(0, 6).toString()).toBe('abcdef');
    expect(head.blockSize).toBe(4096);
    // A late resend of a chunk of a landed snapshot is ignored.
    await peer('POST', '/api/peer/replica-chunks', chunk(0, 'abc'));
    expect(await staged(snapId)).toEqual([]);

    const bad = async (body: unknown, status: number) => {
      const e = await peer('POST', '/api/peer/replica-chunks', body).catch((x: VapiError) => x);
      expect((e as VapiError).kind, JSON.stringify(body)).toBe(status === 400 ? 'INVALID_ARGUMENT' : 'NOT_FOUND');
    };
    await bad({ ...chunk(0, 'a'), index: 2 }, 400);
    await bad({ ...chunk(0, 'a'), pieces: [{ disk: DISK, block: 0, offset: 0, data: '***' }] }, 400);
    await bad({ ...chunk(0, 'a'), count: 0 }, 400);
    // Only a paired site's service user: an administrator here is not one.
    const admin = await p.b.req({ method: 'POST', url: '/api/peer/replica-chunks', headers: json, payload: chunk(0, 'a') });
    expect(admin.statusCode).toBe(404);
    expect((await p.b.req({ method: 'GET', url: `/api/peer/replica-chunks/${snapId}` })).statusCode).toBe(404);
    expect((await p.b.req({ method: 'GET', url: `/api/peer/replica-chunks/${snapId}`, as: null })).statusCode).toBe(401);
    expect((await p.b.req({ method: 'POST', url: '/api/peer/replica-chunks', headers: json, payload: chunk(0, 'a'), as: 'readonly' })).statusCode).toBe(403);
  });

  it('a delta above the 1 MiB body limit goes through in default-sized chunks', async () => {
    const t = await replicationPair({}, 5, 2);
    try {
      for (let i = 0; i < 300; i++) await write(t, i, Buffer.alloc(4096, i % 251)); // 1.2 MiB
      const s = await snapshot(t, 'large');
      await t.a.advance(MIN);
      expect((await replicas(t)).at(-1)).toEqual({ source: s, digest: await sourceDigest(t, s) });
      expect(received(t, '/api/peer/replica-chunks')).toHaveLength(3);
    } finally {
      await t.a.close();
      await t.b.close();
    }
  });
});
