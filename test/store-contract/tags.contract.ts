import { describe, expect, it } from 'vitest';
import { categoryUrn, tagUrn, type Tag, type TagCategory } from '../../src/domain/tags.ts';
import { binary, FAR, type Ctx } from './fixtures.ts';

const category = (id: string, over: Partial<TagCategory> = {}): TagCategory => ({
  id, name: `cat ${id}`, description: 'd', cardinality: 'MULTIPLE', associableTypes: [], usedBy: [], createdAt: 5, ...over,
});
const tag = (id: string, categoryId: string, over: Partial<Tag> = {}): Tag => ({
  id, categoryId, name: `tag ${id}`, description: '', usedBy: [], createdAt: 5, ...over,
});

export function tagsContract(ctx: Ctx): void {
  describe('tags', () => {
    it('round-trips categories and tags, JSON sets included, and updates the given fields only', async () => {
      const { tags } = ctx.store.repos;
      const c = category(categoryUrn(), { name: "ünï 'q' %_", cardinality: 'SINGLE', associableTypes: ['VirtualMachine', 'HostSystem'], usedBy: ['a@x'], createdAt: FAR });
      await tags.insertCategory(c);
      expect(await tags.getCategory(c.id)).toEqual(c);
      expect(await tags.getCategoryByName("ünï 'q' %_")).toEqual(c);
      expect(await tags.getCategoryByName('ÜNÏ')).toBeUndefined();
      await tags.updateCategory(c.id, { cardinality: 'MULTIPLE', associableTypes: [] });
      await tags.updateCategory(c.id, {});
      expect(await tags.getCategory(c.id)).toEqual({ ...c, cardinality: 'MULTIPLE', associableTypes: [] });
      const t = tag(tagUrn(), c.id, { usedBy: ['u1', 'u2'], createdAt: FAR });
      await tags.insertTag(t);
      expect(await tags.getTag(t.id)).toEqual(t);
      await tags.updateTag(t.id, { name: 'renamed', usedBy: [] });
      expect(await tags.getTag(t.id)).toEqual({ ...t, name: 'renamed', usedBy: [] });
      expect(await tags.getTag('nope')).toBeUndefined();
      expect(await tags.getCategory('nope')).toBeUndefined();
    });

    it('keeps names unique: categories globally, tags within a category', async () => {
      const { tags } = ctx.store.repos;
      await tags.insertCategory(category('c1', { name: 'env' }));
      await expect(tags.insertCategory(category('c2', { name: 'env' }))).rejects.toThrow();
      await tags.insertCategory(category('c3', { name: 'Env' }));
      await tags.insertTag(tag('t1', 'c1', { name: 'prod' }));
      await expect(tags.insertTag(tag('t2', 'c1', { name: 'prod' }))).rejects.toThrow();
      await tags.insertTag(tag('t3', 'c3', { name: 'prod' }));
    });

    it('lists in creation order then id; tags by category', async () => {
      const { tags } = ctx.store.repos;
      const ids = ['x-b', 'x-B', 'x_a', 'x-a'];
      for (const [i, id] of ids.entries()) await tags.insertCategory(category(id, { createdAt: i % 2 ? FAR : 5 }));
      const order = ids.map((id, i) => ({ id, at: i % 2 ? FAR : 5 })).sort((a, b) => a.at - b.at || binary(a.id, b.id)).map((x) => x.id);
      expect((await tags.listCategories()).map((c) => c.id)).toEqual(order);
      for (const [i, id] of ids.entries()) await tags.insertTag(tag(`t${id}`, i < 2 ? 'x-b' : 'x-a', { createdAt: 10 - i }));
      expect((await tags.listTags('x-b')).map((t) => t.id)).toEqual(['tx-B', 'tx-b']);
      expect((await tags.listTags()).map((t) => t.id)).toEqual(['tx-a', 'tx_a', 'tx-B', 'tx-b']);
      expect((await tags.getTags(['tx-a', 'tx-a', 'nope'])).map((t) => t.id)).toEqual(['tx-a']);
      expect(await tags.getTags([])).toEqual([]);
    });

    it('attaches once, detaches, and lists attachments by object and by tag', async () => {
      const { tags } = ctx.store.repos;
      await tags.insertCategory(category('c1'));
      for (const id of ['t1', 't2']) await tags.insertTag(tag(id, 'c1'));
      expect(await tags.attach({ tagId: 't1', objectType: 'VirtualMachine', objectId: 'vm-10', createdAt: 2 })).toBe(true);
      expect(await tags.attach({ tagId: 't1', objectType: 'VirtualMachine', objectId: 'vm-10', createdAt: 3 })).toBe(false);
      await tags.attach({ tagId: 't1', objectType: 'VirtualMachine', objectId: 'vm-9', createdAt: 2 });
      await tags.attach({ tagId: 't2', objectType: 'VirtualMachine', objectId: 'vm-9', createdAt: 1 });
      await tags.attach({ tagId: 't2', objectType: 'HostSystem', objectId: 'vm-9', createdAt: 4 });
      const pairs = (list: Array<{ tagId: string; objectId: string; objectType: string }>) => list.map((a) => `${a.tagId}@${a.objectType}:${a.objectId}`);
      expect(pairs(await tags.ofObjects('VirtualMachine', ['vm-9', 'vm-10', 'vm-1']))).toEqual(['t2@VirtualMachine:vm-9', 't1@VirtualMachine:vm-9', 't1@VirtualMachine:vm-10']);
      expect(pairs(await tags.ofObjects('HostSystem', ['vm-9']))).toEqual(['t2@HostSystem:vm-9']);
      expect(pairs(await tags.ofTags(['t1']))).toEqual(['t1@VirtualMachine:vm-9', 't1@VirtualMachine:vm-10']);
      expect(await tags.ofTags([])).toEqual([]);
      expect(await tags.ofObjects('VirtualMachine', [])).toEqual([]);
      expect(await tags.detach('t1', 'VirtualMachine', 'vm-9')).toBe(true);
      expect(await tags.detach('t1', 'VirtualMachine', 'vm-9')).toBe(false);
      expect(await tags.detach('t2', 'ClusterComputeResource', 'vm-9')).toBe(false);
      expect(pairs(await tags.ofTags(['t1', 't2']))).toEqual(['t2@VirtualMachine:vm-9', 't1@VirtualMachine:vm-10', 't2@HostSystem:vm-9']);
    });

    it('deleting a tag removes its attachments; deleting a category removes its tags too', async () => {
      const { tags } = ctx.store.repos;
      await tags.insertCategory(category('c1'));
      await tags.insertCategory(category('c2'));
      await tags.insertTag(tag('t1', 'c1'));
      await tags.insertTag(tag('t2', 'c1'));
      await tags.insertTag(tag('t3', 'c2'));
      for (const t of ['t1', 't2', 't3']) await tags.attach({ tagId: t, objectType: 'VirtualMachine', objectId: 'vm-1', createdAt: 1 });
      await tags.deleteTag('t1');
      expect(await tags.getTag('t1')).toBeUndefined();
      expect((await tags.ofObjects('VirtualMachine', ['vm-1'])).map((a) => a.tagId).sort()).toEqual(['t2', 't3']);
      await tags.deleteCategory('c1');
      expect(await tags.getCategory('c1')).toBeUndefined();
      expect(await tags.listTags('c1')).toEqual([]);
      expect((await tags.ofObjects('VirtualMachine', ['vm-1'])).map((a) => a.tagId)).toEqual(['t3']);
      // A deleted tag's id may come back (a seed, a client-chosen id) without old attachments.
      await tags.insertTag(tag('t2', 'c2', { name: 'again' }));
      expect(await tags.ofTags(['t2'])).toEqual([]);
    });
  });
}
