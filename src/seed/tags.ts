import { MOREF_PREFIX } from '../domain/ids.ts';
import { categoryUrn, seededUuid, tagUrn } from '../domain/tags.ts';
import type { Repos } from '../store/store.ts';
import type { SeedTagCategorySpec } from './format.ts';

/** The vCenter type of an inventory id, by its moref prefix. */
function typeOf(id: string): string {
  if (id.startsWith(MOREF_PREFIX.vm)) return 'VirtualMachine';
  if (id.startsWith(MOREF_PREFIX.cluster)) return 'ClusterComputeResource';
  if (id.startsWith(MOREF_PREFIX.host)) return 'HostSystem';
  if (id.startsWith(MOREF_PREFIX.resourcePool)) return 'ResourcePool';
  if (id.startsWith(MOREF_PREFIX.datacenter)) return 'Datacenter';
  return 'Folder';
}

/** Seeded tag ids are named after the category and tag: the same file gives the same URNs. */
export const seededCategoryId = (category: string) => categoryUrn(seededUuid('category', category));
export const seededTagId = (category: string, tag: string) => tagUrn(seededUuid('tag', `${category}/${tag}`));

/**
 * Creates the categories and tags and attaches them to the inventory paths given. Returns the
 * tag ids by 'Category/tag', which protection groups' tag rules name.
 */
export async function seedTags(tx: Repos, specs: SeedTagCategorySpec[], paths: Map<string, string>, now: number): Promise<Map<string, string>> {
  const byName = new Map<string, string>();
  const categories = new Set<string>();
  for (const c of specs) {
    if (categories.has(c.name)) throw new Error(`seed: tag category '${c.name}' appears twice`);
    categories.add(c.name);
    const categoryId = seededCategoryId(c.name);
    await tx.tags.insertCategory({
      id: categoryId, name: c.name, description: c.description ?? '', cardinality: c.cardinality ?? 'MULTIPLE',
      associableTypes: [...new Set(c.associable_types ?? [])], usedBy: [], createdAt: now,
    });
    for (const t of c.tags ?? []) {
      const key = `${c.name}/${t.name}`;
      if (byName.has(key)) throw new Error(`seed: tag '${key}' appears twice`);
      const id = seededTagId(c.name, t.name);
      await tx.tags.insertTag({ id, categoryId, name: t.name, description: t.description ?? '', usedBy: [], createdAt: now });
      byName.set(key, id);
      for (const path of t.attached_to ?? []) {
        const objectId = paths.get(path);
        if (!objectId) throw new Error(`seed: tag '${key}': no inventory object at '${path}'`);
        const objectType = typeOf(objectId);
        const types = c.associable_types ?? [];
        if (types.length > 0 && !types.includes(objectType)) throw new Error(`seed: tag '${key}' cannot be attached to ${path}, a ${objectType}`);
        if (c.cardinality === 'SINGLE') {
          const held = await tx.tags.getTags((await tx.tags.ofObjects(objectType, [objectId])).map((a) => a.tagId));
          if (held.some((h) => h.categoryId === categoryId)) throw new Error(`seed: ${path} would hold two tags of the SINGLE category '${c.name}'`);
        }
        await tx.tags.attach({ tagId: id, objectType, objectId, createdAt: now });
      }
    }
  }
  return byName;
}
