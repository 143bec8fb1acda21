import { sql } from 'kysely';
import type { Cardinality, Tag, TagAttachment, TagCategory } from '../../domain/tags.ts';
import type { TagRepo } from '../store.ts';
import { json, num, type Db } from './core.ts';
import type { DB } from './schema.ts';

const categoryOf = (r: DB['tagCategories']): TagCategory => ({
  ...r,
  cardinality: r.cardinality as Cardinality,
  associableTypes: json<string[]>(r.associableTypes),
  usedBy: json<string[]>(r.usedBy),
  createdAt: num(r.createdAt),
});

const tagOf = (r: DB['tags']): Tag => ({ ...r, usedBy: json<string[]>(r.usedBy), createdAt: num(r.createdAt) });

const attachmentOf = (r: DB['tagAttachments']): TagAttachment => ({ ...r, createdAt: num(r.createdAt) });

/** JSON columns of a patch, encoded; other members as they are. */
function encode<T extends { associableTypes?: string[]; usedBy?: string[] }>(patch: T) {
  const out: Record<string, unknown> = { ...patch };
  if (patch.associableTypes) out.associableTypes = JSON.stringify(patch.associableTypes);
  if (patch.usedBy) out.usedBy = JSON.stringify(patch.usedBy);
  return out;
}

export function tagRepo(db: Db): TagRepo {
  return {
    async insertCategory(c) {
      await db.insertInto('tagCategories').values({ ...c, associableTypes: JSON.stringify(c.associableTypes), usedBy: JSON.stringify(c.usedBy) }).execute();
    },
    async getCategory(id) {
      const r = await db.selectFrom('tagCategories').selectAll().where('id', '=', id).executeTakeFirst();
      return r && categoryOf(r);
    },
    async getCategoryByName(name) {
      const r = await db.selectFrom('tagCategories').selectAll().where('name', '=', name).executeTakeFirst();
      return r && categoryOf(r);
    },
    async listCategories() {
      return (await db.selectFrom('tagCategories').selectAll().orderBy('createdAt').orderBy('id').execute()).map(categoryOf);
    },
    async updateCategory(id, patch) {
      if (Object.keys(patch).length === 0) return;
      await db.updateTable('tagCategories').set(encode(patch)).where('id', '=', id).execute();
    },
    async deleteCategory(id) {
      await db.deleteFrom('tagAttachments').where('tagId', 'in', db.selectFrom('tags').select('id').where('categoryId', '=', id)).execute();
      await db.deleteFrom('tags').where('categoryId', '=', id).execute();
      await db.deleteFrom('tagCategories').where('id', '=', id).execute();
    },
    async insertTag(t) {
      await db.insertInto('tags').values({ ...t, usedBy: JSON.stringify(t.usedBy) }).execute();
    },
    async getTag(id) {
      const r = await db.selectFrom('tags').selectAll().where('id', '=', id).executeTakeFirst();
      return r && tagOf(r);
    },
    async listTags(categoryId) {
      let q = db.selectFrom('tags').selectAll();
      if (categoryId !== undefined) q = q.where('categoryId', '=', categoryId);
      return (await q.orderBy('createdAt').orderBy('id').execute()).map(tagOf);
    },
    async getTags(ids) {
      if (ids.length === 0) return [];
      return (await db.selectFrom('tags').selectAll().where('id', 'in', [...new Set(ids)]).execute()).map(tagOf);
    },
    async updateTag(id, patch) {
      if (Object.keys(patch).length === 0) return;
      await db.updateTable('tags').set(encode(patch)).where('id', '=', id).execute();
    },
    async deleteTag(id) {
      await db.deleteFrom('tagAttachments').where('tagId', '=', id).execute();
      await db.deleteFrom('tags').where('id', '=', id).execute();
    },
    async attach(a) {
      const r = await db.insertInto('tagAttachments').values(a).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async detach(tagId, objectType, objectId) {
      const r = await db.deleteFrom('tagAttachments').where('tagId', '=', tagId).where('objectType', '=', objectType).where('objectId', '=', objectId).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    async ofObjects(objectType, objectIds) {
      if (objectIds.length === 0) return [];
      const rows = await db.selectFrom('tagAttachments').selectAll().where('objectType', '=', objectType).where('objectId', 'in', [...new Set(objectIds)])
        .orderBy('createdAt').orderBy('tagId').orderBy(sql`length(object_id)`).orderBy('objectId').execute();
      return rows.map(attachmentOf);
    },
    async ofTags(tagIds) {
      if (tagIds.length === 0) return [];
      const rows = await db.selectFrom('tagAttachments').selectAll().where('tagId', 'in', [...new Set(tagIds)])
        .orderBy('createdAt').orderBy(sql`length(object_id)`).orderBy('objectId').orderBy('tagId').execute();
      return rows.map(attachmentOf);
    },
  };
}
