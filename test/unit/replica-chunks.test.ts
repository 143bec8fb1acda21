import { describe, expect, it } from 'vitest';
import type { ReplicaChunk } from '../../src/domain/replication.ts';
import { assemble } from '../../src/modules/replication/receive.ts';
import { cutChunks } from '../../src/modules/replication/send.ts';
import type { VapiError } from '../../src/errors.ts';

/** Cutting a delta into chunks and assembling it again at the recovery site. */
const disk = (key: number, blocks: Array<[number, number, number]>) => ({
  key, label: `d${key}`, capacity: 1 << 20, block_size: 4096, full: false,
  blocks: blocks.map(([blockNo, size, fill]) => ({ blockNo, data: Buffer.alloc(size, fill) })),
});

const held = (chunks: ReturnType<typeof cutChunks>, base: string | null = 'b'): ReplicaChunk[] => chunks.map((pieces, index) => ({
  sourceSnapshotId: 's', index, count: chunks.length, baseSnapshotId: base, sourceSiteId: 'x', pgId: 'pg', sourceVmId: 'vm', pieces: JSON.stringify(pieces), receivedAt: 0,
}));

describe('replica chunks', () => {
  it('cuts blocks across chunk boundaries, at most the chunk size each, the same way every time', () => {
    const disks = [disk(2000, [[1, 4096, 1], [7, 4096, 2]]), disk(2001, [[0, 100, 3]])];
    const chunks = cutChunks(disks, 3000);
    const bytes = chunks.map((c) => c.reduce((n, p) => n + Buffer.from(p.data, 'base64').length, 0));
    expect(bytes).toEqual([3000, 3000, 2292]);
    expect(chunks[1].map((p) => [p.disk, p.block, p.offset])).toEqual([[2000, 1, 3000], [2000, 7, 0]]);
    expect(cutChunks(disks, 3000)).toEqual(chunks);
    expect(cutChunks([disk(2000, [])], 3000)).toEqual([[]]);
  });

  it('assembles what was cut, byte for byte, from whole sets only', () => {
    const disks = [disk(2000, [[1, 4096, 1], [7, 4096, 2]]), disk(2001, [[0, 100, 3]])];
    const chunks = cutChunks(disks, 1000);
    const out = assemble(disks, held(chunks), chunks.length, 'b');
    expect(out.map((d) => [d.diskKey, d.blocks.map((b) => [b.blockNo, b.data.length, b.data[0]])])).toEqual([
      [2000, [[1, 4096, 1], [7, 4096, 2]]], [2001, [[0, 100, 3]]],
    ]);
    const missing = (() => { try { assemble(disks, held(chunks).filter((c) => c.index !== 3), chunks.length, 'b'); } catch (e) { return e as VapiError; } })();
    expect(missing?.kind).toBe('NOT_ALLOWED_IN_CURRENT_STATE');
    expect(missing?.message).toContain('Chunks 3 of');
    // Chunks of another base are no part of this plan.
    expect(() => assemble(disks, held(chunks, null), chunks.length, 'b')).toThrow(/have not arrived/);
    // A disk the header does not name, or a gap inside a block, is the sender's mistake.
    expect(() => assemble([disks[0]], held(chunks), chunks.length, 'b')).toThrow(/disk 2001/);
    const gap = held(chunks);
    gap[1] = { ...gap[1], pieces: JSON.stringify(JSON.parse(gap[1].pieces).map((p: any) => ({ ...p, offset: p.offset + 1 }))) };
    expect(() => assemble(disks, gap, chunks.length, 'b')).toThrow(/continues at/);
  });
});
