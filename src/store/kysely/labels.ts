import { sortLabels, type SnapshotLabel } from '../../domain/labels.ts';
import type { SnapshotLabelRepo } from '../store.ts';
import { num, type Db } from './core.ts';

export function labelRepo(db: Db): SnapshotLabelRepo {
  return {
    async of(ids) {
      const out = new Map<string, SnapshotLabel[]>(ids.map((id) => [id, []]));
      if (ids.length === 0) return out;
      const rows = await db.selectFrom('vmSnapshotLabels').selectAll().where('snapshotId', 'in', [...new Set(ids)])
        .orderBy('snapshotId').orderBy('category').orderBy('name').execute();
      for (const r of rows) out.get(r.snapshotId)?.push({ category: r.category, name: r.name });
      // The engines agree on this order (binary text), but sorting here keeps it one rule.
      for (const [id, labels] of out) out.set(id, sortLabels(labels));
      return out;
    },
    async add(snapshotId, label) {
      const r = await db.insertInto('vmSnapshotLabels').values({ snapshotId, ...label })
        .onConflict((oc) => oc.columns(['snapshotId', 'category', 'name']).doNothing()).executeTakeFirst();
      return num(r.numInsertedOrUpdatedRows ?? 0n) > 0;
    },
    async remove(snapshotId, label) {
      const r = await db.deleteFrom('vmSnapshotLabels').where('snapshotId', '=', snapshotId)
        .where('category', '=', label.category).where('name', '=', label.name).executeTakeFirst();
      return num(r.numDeletedRows) > 0;
    },
    async setCategory(snapshotId, category, names) {
      await db.deleteFrom('vmSnapshotLabels').where('snapshotId', '=', snapshotId).where('category', '=', category).execute();
      const unique = [...new Set(names)];
      if (unique.length > 0) await db.insertInto('vmSnapshotLabels').values(unique.map((name) => ({ snapshotId, category, name }))).execute();
    },
    async deleteForSnapshot(snapshotId) {
      await db.deleteFrom('vmSnapshotLabels').where('snapshotId', '=', snapshotId).execute();
    },
  };
}
