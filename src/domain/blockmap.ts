import { createHash } from 'node:crypto';

/**
 * Disk content model. A disk is `capacity / blockSize` fixed-size blocks; a block never
 * written reads as zeros. Content lives in copy-on-write layers (see LayerRepo): a snapshot
 * freezes the head layer and puts an empty one on top (O(1)); a revert puts an empty layer on
 * top of the snapshot's (O(1) to apply; the work it stands for is the blocks that differ).
 */

export interface WrittenBlock {
  blockNo: number;
  data: Buffer;
}

const ZERO_CHUNK = Buffer.alloc(1024 * 1024);

/** sha256 of the whole disk content, unwritten blocks as zeros, streamed in block order. */
export function contentDigest(blocks: readonly WrittenBlock[], blockSize: number, blockCount: number): string {
  const h = createHash('sha256');
  let next = 0;
  const zeros = (count: number) => {
    let bytes = count * blockSize;
    while (bytes > 0) {
      const n = Math.min(bytes, ZERO_CHUNK.length);
      h.update(n === ZERO_CHUNK.length ? ZERO_CHUNK : ZERO_CHUNK.subarray(0, n));
      bytes -= n;
    }
  };
  for (const b of blocks) {
    if (b.blockNo >= blockCount) break;
    zeros(b.blockNo - next);
    h.update(padBlock(b.data, blockSize));
    next = b.blockNo + 1;
  }
  zeros(blockCount - next);
  return `sha256:${h.digest('hex')}`;
}

/** A guest write replaces the whole block: shorter data is zero-padded. */
export function padBlock(data: Buffer, blockSize: number): Buffer {
  if (data.length === blockSize) return data;
  const out = Buffer.alloc(blockSize);
  data.copy(out, 0, 0, Math.min(data.length, blockSize));
  return out;
}

/**
 * Layers on one chain but not the other: the blocks written in them are exactly the blocks
 * whose content may differ between the two disk states.
 */
export function divergentLayers(a: readonly number[], b: readonly number[]): number[] {
  const inA = new Set(a);
  const inB = new Set(b);
  return [...a.filter((id) => !inB.has(id)), ...b.filter((id) => !inA.has(id))];
}

export type LayerFate = 'keep' | 'delete' | 'merge';

/**
 * What to do with a layer nobody may need any more: deleted if nothing hangs below it, folded
 * into its only child (which keeps chains short), kept while it is a branch point or still
 * referenced by a disk head or snapshot.
 */
export function layerFate(refs: { heads: number; snapshots: number; children: readonly number[] }): LayerFate {
  if (refs.heads > 0 || refs.snapshots > 0) return 'keep';
  if (refs.children.length === 0) return 'delete';
  if (refs.children.length === 1) return 'merge';
  return 'keep';
}
