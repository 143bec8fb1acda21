import { describe, expect, it } from 'vitest';
import type { BlockEntry, LayerRepo } from '../../src/store/store.ts';
import { BINARY, disk, diskSnapshot, snapshot, type Ctx } from './fixtures.ts';

const b = (s: string) => Buffer.from(s);

/** What a chain looks like to a reader: every block via blocks() and via readBlock(). */
async function view(layers: LayerRepo, chain: number[], upTo = 8): Promise<{ all: BlockEntry[]; each: Array<Buffer | undefined> }> {
  const each: Array<Buffer | undefined> = [];
  for (let n = 0; n < upTo; n++) each.push(await layers.readBlock(chain, n));
  return { all: await layers.blocks(chain), each };
}

export function layersContract(ctx: Ctx): void {
  describe('layers', () => {
    it('creates layers with growing ids and knows their parents', async () => {
      const { layers } = ctx.store.repos;
      const root = await layers.create(null);
      const mid = await layers.create(root);
      const top = await layers.create(mid);
      const sibling = await layers.create(root);
      expect([root, mid, top, sibling].every(Number.isInteger)).toBe(true);
      expect(mid).toBeGreaterThan(root);
      expect(top).toBeGreaterThan(mid);
      expect(sibling).toBeGreaterThan(top);
      expect(await layers.parentOf(root)).toBeNull();
      expect(await layers.parentOf(mid)).toBe(root);
      expect(await layers.parentOf(sibling)).toBe(root);
      expect(await layers.parentOf(top + 100)).toBeUndefined();
      expect(await layers.chain(top)).toEqual([top, mid, root]);
      expect(await layers.chain(sibling)).toEqual([sibling, root]);
      expect(await layers.chain(root)).toEqual([root]);
      expect(await layers.chain(top + 100)).toEqual([]);
    });

    it('stores binary blocks byte for byte, large and empty ones too', async () => {
      const { layers } = ctx.store.repos;
      const l = await layers.create(null);
      const large = Buffer.alloc(1 << 20);
      for (let i = 0; i < large.length; i++) large[i] = (i * 131 + (i >> 8)) & 0xff;
      await layers.writeBlock(l, 0, BINARY);
      await layers.writeBlock(l, 1, large);
      await layers.writeBlock(l, 2, Buffer.alloc(0));
      await layers.writeBlock(l, 2 ** 40, Buffer.alloc(16));
      const read0 = await layers.readBlock([l], 0);
      expect(Buffer.isBuffer(read0)).toBe(true);
      expect(read0!.equals(BINARY)).toBe(true);
      expect((await layers.readBlock([l], 1))!.equals(large)).toBe(true);
      expect((await layers.readBlock([l], 2))!.length).toBe(0);
      expect((await layers.readBlock([l], 2 ** 40))!.equals(Buffer.alloc(16))).toBe(true);
      expect(await layers.readBlock([l], 3)).toBeUndefined();
      expect(await layers.readBlock([], 0)).toBeUndefined();
      await layers.writeBlock(l, 0, b('rewritten'));
      expect(await layers.readBlock([l], 0)).toEqual(b('rewritten'));
      expect(await layers.stats()).toEqual({ layers: 1, blocks: 4, bytes: 9 + large.length + 0 + 16 });
    });

    it('reads through a chain: nearest layer wins, in block order', async () => {
      const { layers } = ctx.store.repos;
      const root = await layers.create(null);
      const mid = await layers.create(root);
      const top = await layers.create(mid);
      const other = await layers.create(null);
      await layers.writeBlock(root, 0, b('r0'));
      await layers.writeBlock(root, 10, b('r10'));
      await layers.writeBlock(root, 2, b('r2'));
      await layers.writeBlock(mid, 2, b('m2'));
      await layers.writeBlock(mid, 1, b('m1'));
      await layers.writeBlock(top, 10, b('t10'));
      await layers.writeBlock(other, 3, b('o3'));
      const chain = await layers.chain(top);
      expect(await layers.readBlock(chain, 0)).toEqual(b('r0'));
      expect(await layers.readBlock(chain, 2)).toEqual(b('m2'));
      expect(await layers.readBlock(chain, 10)).toEqual(b('t10'));
      expect(await layers.readBlock(chain, 3)).toBeUndefined();
      expect(await layers.readBlock([mid, root], 10)).toEqual(b('r10'));
      expect(await layers.blocks(chain)).toEqual([
        { blockNo: 0, data: b('r0') }, { blockNo: 1, data: b('m1') }, { blockNo: 2, data: b('m2') }, { blockNo: 10, data: b('t10') },
      ]);
      expect(await layers.blocks([root])).toEqual([{ blockNo: 0, data: b('r0') }, { blockNo: 2, data: b('r2') }, { blockNo: 10, data: b('r10') }]);
      expect(await layers.blocks([])).toEqual([]);
      expect(await layers.countBlocks(chain)).toBe(4);
      expect(await layers.countBlocks([root, mid])).toBe(4);
      expect(await layers.countBlocks([top, other])).toBe(2);
      expect(await layers.countBlocks([])).toBe(0);
      expect(await layers.stats()).toEqual({ layers: 4, blocks: 7, bytes: 2 + 3 + 2 + 2 + 2 + 3 + 2 });
    });

    it('counts the blocks written in either chain and not both, as countBlocks of the divergent layers', async () => {
      const { layers } = ctx.store.repos;
      const root = await layers.create(null);
      const mid = await layers.create(root);
      const top = await layers.create(mid);
      const side = await layers.create(root);
      const other = await layers.create(null);
      await layers.writeBlock(root, 0, b('r0'));
      await layers.writeBlock(mid, 1, b('m1'));
      await layers.writeBlock(mid, 2, b('m2'));
      await layers.writeBlock(top, 2, b('t2'));
      await layers.writeBlock(side, 1, b('s1'));
      await layers.writeBlock(side, 5, b('s5'));
      await layers.writeBlock(other, 9, b('o9'));
      expect(await layers.changedBetween(top, side)).toBe(3); // 1, 2 (mid, top), 1, 5 (side)
      expect(await layers.changedBetween(side, top)).toBe(3);
      expect(await layers.changedBetween(top, mid)).toBe(1);
      expect(await layers.changedBetween(top, top)).toBe(0);
      expect(await layers.changedBetween(top, other)).toBe(4); // 0, 1, 2 and 9
      expect(await layers.changedBetween(root, top + 100)).toBe(1);
    });

    it('reports heads, snapshots and children as references', async () => {
      const { layers, disks, snapshots } = ctx.store.repos;
      const root = await layers.create(null);
      const a = await layers.create(root);
      const c = await layers.create(root);
      expect(await layers.references(root)).toEqual({ heads: 0, snapshots: 0, children: [a, c] });
      await disks.insert(disk('vm-1', 2000, { headLayerId: a }));
      await disks.insert(disk('vm-2', 2000, { headLayerId: a }));
      await snapshots.insert(snapshot('s-1'), [diskSnapshot('s-1', 2000, { layerId: root }), diskSnapshot('s-1', 2001, { layerId: root })]);
      expect(await layers.references(a)).toEqual({ heads: 2, snapshots: 0, children: [] });
      expect(await layers.references(root)).toEqual({ heads: 0, snapshots: 2, children: [a, c] });
      expect(await layers.references(c + 50)).toEqual({ heads: 0, snapshots: 0, children: [] });
    });

    it('deletes a layer with its blocks only', async () => {
      const { layers } = ctx.store.repos;
      const keep = await layers.create(null);
      const gone = await layers.create(keep);
      await layers.writeBlock(keep, 0, b('k'));
      await layers.writeBlock(gone, 0, b('g'));
      await layers.writeBlock(gone, 1, b('g'));
      await layers.delete(gone);
      expect(await layers.parentOf(gone)).toBeUndefined();
      expect(await layers.readBlock([gone], 1)).toBeUndefined();
      expect(await layers.readBlock([gone, keep], 0)).toEqual(b('k'));
      expect(await layers.references(keep)).toEqual({ heads: 0, snapshots: 0, children: [] });
      expect(await layers.stats()).toEqual({ layers: 1, blocks: 1, bytes: 1 });
      await layers.delete(gone);
    });

    it('mergeIntoChild keeps the child view identical and reparents it', async () => {
      const { layers } = ctx.store.repos;
      const root = await layers.create(null);
      const mid = await layers.create(root);
      const top = await layers.create(mid);
      await layers.writeBlock(root, 0, b('r0'));
      await layers.writeBlock(root, 5, b('r5'));
      await layers.writeBlock(mid, 0, b('m0'));
      await layers.writeBlock(mid, 1, b('m1'));
      await layers.writeBlock(mid, 2, BINARY);
      await layers.writeBlock(top, 1, b('t1'));
      await layers.writeBlock(top, 3, b('t3'));
      const before = await view(layers, await layers.chain(top));
      const rootBefore = await view(layers, [root]);

      await layers.mergeIntoChild(mid, top);
      expect(await layers.parentOf(top)).toBe(root);
      expect(await layers.parentOf(mid)).toBeUndefined();
      expect(await layers.chain(top)).toEqual([top, root]);
      expect(await view(layers, await layers.chain(top))).toEqual(before);
      expect(await view(layers, [root])).toEqual(rootBefore);
      expect(await layers.readBlock([mid], 2)).toBeUndefined();
      expect(await layers.blocks([top])).toEqual([
        { blockNo: 0, data: b('m0') }, { blockNo: 1, data: b('t1') }, { blockNo: 2, data: BINARY }, { blockNo: 3, data: b('t3') },
      ]);
      expect(await layers.references(root)).toEqual({ heads: 0, snapshots: 0, children: [top] });
      expect(await layers.stats()).toEqual({ layers: 2, blocks: 6, bytes: 2 * 5 + BINARY.length });

      // Merging a root: the child becomes a root itself.
      await layers.mergeIntoChild(root, top);
      expect(await layers.parentOf(top)).toBeNull();
      expect(await layers.chain(top)).toEqual([top]);
      expect(await view(layers, [top])).toEqual(before);
      expect(await layers.stats()).toEqual({ layers: 1, blocks: 5, bytes: 2 * 4 + BINARY.length });
    });

    it('stats() of an empty store are zero', async () => {
      expect(await ctx.store.repos.layers.stats()).toEqual({ layers: 0, blocks: 0, bytes: 0 });
    });
  });
}
