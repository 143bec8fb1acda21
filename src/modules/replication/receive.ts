import type { WrittenBlock } from '../../domain/blockmap.ts';
import type { ReplicaChunk } from '../../domain/replication.ts';
import type { IncomingDisk } from '../../engine/replicas.ts';
import { errors } from '../../errors.ts';

/**
 * Assembling a snapshot sent in chunks: each chunk holds pieces of blocks in stream order (a
 * block larger than what is left of a chunk continues at offset 0.. of the next), so the
 * pieces read in chunk order rebuild every block.
 */
export interface WirePiece {
  disk: number;
  block: number;
  offset: number;
  data: string;
}

export interface DiskGeometry {
  key: number;
  label: string;
  capacity: number;
  block_size: number;
  full: boolean;
}

function decode(data: string, field: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) throw errors.invalidArgument(field, 'must be base64');
  return Buffer.from(data, 'base64');
}

/** A chunk's pieces as the wire gave them, checked enough to be stored (the rest is checked when they are assembled). */
export function checkPieces(pieces: WirePiece[], maxBytes: number): void {
  let total = 0;
  for (const p of pieces) total += decode(p.data, 'spec.pieces.data').length;
  if (total > maxBytes) throw errors.invalidArgument('spec.pieces', `hold more than ${maxBytes} bytes`);
}

/**
 * The disks of a snapshot from its held chunks, or a NOT_ALLOWED error naming what is missing
 * (the sender then sends it). Every chunk of the plan must be there, pieces contiguous.
 */
export function assemble(disks: DiskGeometry[], chunks: ReplicaChunk[], count: number, base: string | null): IncomingDisk[] {
  const held = chunks.filter((c) => c.count === count && c.baseSnapshotId === base).map((c) => c.index);
  const missing = [...Array(count).keys()].filter((i) => !held.includes(i));
  if (missing.length > 0) {
    throw errors.notAllowed('replication.chunks_missing', `Chunks ${missing.join(', ')} of ${count} have not arrived.`, missing.join(','), count);
  }
  const parts = new Map<number, Map<number, Buffer[]>>(disks.map((d) => [d.key, new Map()]));
  for (const c of chunks.filter((x) => x.count === count && x.baseSnapshotId === base)) {
    for (const p of JSON.parse(c.pieces) as WirePiece[]) {
      const blocks = parts.get(p.disk);
      if (!blocks) throw errors.invalidArgument('spec.disks', `do not include disk ${p.disk} that chunk ${c.index} has blocks of`);
      const have = blocks.get(p.block) ?? [];
      const length = have.reduce((n, b) => n + b.length, 0);
      if (p.offset !== length) throw errors.invalidArgument('spec.pieces.offset', `block ${p.block} of disk ${p.disk} continues at ${length}, not ${p.offset}`);
      have.push(decode(p.data, 'spec.pieces.data'));
      blocks.set(p.block, have);
    }
  }
  return disks.map((d) => {
    const blocks: WrittenBlock[] = [...(parts.get(d.key) ?? new Map<number, Buffer[]>()).entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([blockNo, pieces]) => ({ blockNo, data: Buffer.concat(pieces) }));
    for (const b of blocks) {
      if (b.data.length > d.block_size) throw errors.invalidArgument('spec.pieces.data', `block ${b.blockNo} of disk ${d.key} is larger than the block size (${d.block_size} bytes)`);
    }
    return { diskKey: d.key, label: d.label, capacityBytes: d.capacity, blockSize: d.block_size, full: d.full, blocks };
  });
}
