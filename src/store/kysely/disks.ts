import { sql } from 'kysely';
import type { Disk, DiskSnapshot, SnapshotType, VmSnapshot } from '../../domain/model.ts';
import type { BlockEntry, DiskRepo, LayerRepo, SnapshotPageQuery, SnapshotStats, VmSnapshotRepo } from '../store.ts';
import { NONE, num, type Db } from './core.ts';
import type { DB } from './schema.ts';

function diskOf(r: DB['disks']): Disk {
  return { ...r, capacityBytes: num(r.capacityBytes), headLayerId: num(r.headLayerId), epoch: num(r.epoch) };
}

export function diskRepo(db: Db): DiskRepo {
  return {
    async insert(disk) {
      await db.insertInto('disks').values(disk).execute();
    },
    async get(vmId, diskKey) {
      const r = await db.selectFrom('disks').selectAll().where('vmId', '=', vmId).where('diskKey', '=', diskKey).executeTakeFirst();
      return r && diskOf(r);
    },
    async listForVm(vmId) {
      const rows = await db.selectFrom('disks').selectAll().where('vmId', '=', vmId).orderBy('diskKey').execute();
      return rows.map(diskOf);
    },
    async update(vmId, diskKey, patch) {
      await db.updateTable('disks').set(patch).where('vmId', '=', vmId).where('diskKey', '=', diskKey).execute();
    },
    async deleteForVm(vmId) {
      await db.deleteFrom('disks').where('vmId', '=', vmId).execute();
    },
  };
}

export function layerRepo(db: Db): LayerRepo {
  return {
    async create(parentId) {
      const r = await db.insertInto('layers').values({ parentId }).returning('id').executeTakeFirstOrThrow();
      return num(r.id);
    },
    async parentOf(id) {
      const r = await db.selectFrom('layers').select('parentId').where('id', '=', id).executeTakeFirst();
      return r === undefined ? undefined : r.parentId === null ? null : num(r.parentId);
    },
    async chain(id) {
      const rows = await sql<{ id: number | string }>`
        with recursive up(id, parent_id) as (
          select id, parent_id from layers where id = ${id}
          union all
          select l.id, l.parent_id from layers l join up on l.id = up.parent_id
        )
        select id from up order by id desc`.execute(db);
      return rows.rows.map((r) => num(r.id));
    },
    async writeBlock(layerId, blockNo, data) {
      await db.insertInto('layerBlocks').values({ layerId, blockNo, data })
        .onConflict((oc) => oc.columns(['layerId', 'blockNo']).doUpdateSet({ data })).execute();
    },
    async readBlock(chain, blockNo) {
      if (chain.length === 0) return undefined;
      const r = await db.selectFrom('layerBlocks').select('data')
        .where('layerId', 'in', chain).where('blockNo', '=', blockNo)
        .orderBy('layerId', 'desc').limit(1).executeTakeFirst();
      return r?.data;
    },
    async blocks(chain) {
      if (chain.length === 0) return [];
      const rows = await db.selectFrom('layerBlocks').select(['blockNo', 'layerId', 'data'])
        .where('layerId', 'in', chain).orderBy('blockNo').orderBy('layerId', 'desc').execute();
      const out: BlockEntry[] = [];
      let last = -1;
      for (const r of rows) {
        const blockNo = num(r.blockNo);
        if (blockNo === last) continue;
        last = blockNo;
        out.push({ blockNo, data: r.data });
      }
      return out;
    },
    async countBlocks(layerIds) {
      if (layerIds.length === 0) return 0;
      const r = await db.selectFrom('layerBlocks')
        .select((eb) => eb.fn.count<number | string>('blockNo').distinct().as('n'))
        .where('layerId', 'in', layerIds).executeTakeFirstOrThrow();
      return num(r.n);
    },
    async references(id) {
      const heads = await db.selectFrom('disks').select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('headLayerId', '=', id).executeTakeFirstOrThrow();
      const snaps = await db.selectFrom('diskSnapshots').select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('layerId', '=', id).executeTakeFirstOrThrow();
      const children = await db.selectFrom('layers').select('id').where('parentId', '=', id).orderBy('id').execute();
      return { heads: num(heads.n), snapshots: num(snaps.n), children: children.map((c) => num(c.id)) };
    },
    async delete(id) {
      await db.deleteFrom('layerBlocks').where('layerId', '=', id).execute();
      await db.deleteFrom('layers').where('id', '=', id).execute();
    },
    async mergeIntoChild(id, childId) {
      // The child's own writes are newer, so only blocks it lacks move down.
      await sql`
        update layer_blocks set layer_id = ${childId}
        where layer_id = ${id}
          and not exists (select 1 from layer_blocks c where c.layer_id = ${childId} and c.block_no = layer_blocks.block_no)`.execute(db);
      const parent = await db.selectFrom('layers').select('parentId').where('id', '=', id).executeTakeFirst();
      await db.updateTable('layers').set({ parentId: parent?.parentId ?? null }).where('id', '=', childId).execute();
      await db.deleteFrom('layerBlocks').where('layerId', '=', id).execute();
      await db.deleteFrom('layers').where('id', '=', id).execute();
    },
    async stats() {
      const l = await db.selectFrom('layers').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
      const b = await db.selectFrom('layerBlocks')
        .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.sum<number | string | null>(sql`length(data)`).as('bytes')])
        .executeTakeFirstOrThrow();
      return { layers: num(l.n), blocks: num(b.n), bytes: num(b.bytes ?? 0) };
    },
  };
}

/** A row as read (`ownExpiry` is storage only and stays behind). */
function snapshotOf({ ownExpiry: _own, ...r }: Omit<DB['vmSnapshots'], 'ownExpiry'> & { ownExpiry?: unknown }): VmSnapshot {
  return {
    ...r,
    type: r.type as SnapshotType,
    createdAt: num(r.createdAt),
    expiresAt: r.expiresAt === null ? null : num(r.expiresAt),
    memoryMib: num(r.memoryMib),
  };
}

function diskSnapshotOf(r: DB['diskSnapshots']): DiskSnapshot {
  return { ...r, capacityBytes: num(r.capacityBytes), layerId: num(r.layerId), epoch: num(r.epoch) };
}

export function vmSnapshotRepo(db: Db): VmSnapshotRepo {
  return {
    async insert(snapshot, disks) {
      await db.insertInto('vmSnapshots').values(snapshot).execute();
      if (disks.length > 0) await db.insertInto('diskSnapshots').values(disks).execute();
    },
    async get(id) {
      const r = await db.selectFrom('vmSnapshots').selectAll().where('id', '=', id).executeTakeFirst();
      return r && snapshotOf(r);
    },
    async list(f) {
      let q = db.selectFrom('vmSnapshots').selectAll();
      if (f.vmId !== undefined) q = q.where('vmId', '=', f.vmId);
      if (f.clusterId !== undefined) q = q.where('clusterId', '=', f.clusterId);
      if (f.pgId !== undefined) q = q.where('pgId', '=', f.pgId);
      if (f.pgSnapshotId !== undefined) q = q.where('pgSnapshotId', '=', f.pgSnapshotId);
      if (f.ids) q = f.ids.length > 0 ? q.where('id', 'in', f.ids) : q.where(NONE);
      if (f.names) q = f.names.length > 0 ? q.where('name', 'in', f.names) : q.where(NONE);
      if (f.type !== undefined) q = q.where('type', '=', f.type);
      if (f.createdAfter !== undefined) q = q.where('createdAt', '>', f.createdAfter);
      if (f.createdBefore !== undefined) q = q.where('createdAt', '<', f.createdBefore);
      if (f.expiresAfter !== undefined) q = q.where('expiresAt', '>', f.expiresAfter);
      if (f.expiresBefore !== undefined) q = q.where('expiresAt', '<', f.expiresBefore);
      const rows = await q.orderBy('createdAt').orderBy('id').execute();
      return rows.map(snapshotOf);
    },
    async disks(snapshotId) {
      const rows = await db.selectFrom('diskSnapshots').selectAll().where('snapshotId', '=', snapshotId).orderBy('diskKey').execute();
      return rows.map(diskSnapshotOf);
    },
    async disksOf(ids) {
      const out = new Map<string, DiskSnapshot[]>(ids.map((id) => [id, []]));
      if (ids.length === 0) return out;
      const rows = await db.selectFrom('diskSnapshots').selectAll().where('snapshotId', 'in', ids)
        .orderBy('snapshotId').orderBy('diskKey').execute();
      for (const r of rows) out.get(r.snapshotId)?.push(diskSnapshotOf(r));
      return out;
    },
    async statsByVm(clusterId) {
      const rows = await db.selectFrom('vmSnapshots')
        .select((eb) => ['vmId', eb.fn.countAll<number | string>().as('n'), eb.fn.min('createdAt').as('oldest'), eb.fn.max('createdAt').as('latest')])
        .where('clusterId', '=', clusterId).groupBy('vmId').execute();
      const out = new Map<string, SnapshotStats>();
      for (const r of rows) out.set(r.vmId, { count: num(r.n), oldest: num(r.oldest), latest: num(r.latest) });
      return out;
    },
    async countForVm(vmId) {
      const r = await db.selectFrom('vmSnapshots').select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('vmId', '=', vmId).executeTakeFirstOrThrow();
      return num(r.n);
    },
    async expired(now, limit) {
      const rows = await db.selectFrom('vmSnapshots').selectAll().where('expiresAt', '<=', now)
        .orderBy('expiresAt').orderBy('id').limit(limit).execute();
      return rows.map(snapshotOf);
    },
    async expiredStandalone(now, limit, excludeGroups = []) {
      const [alone, own] = await Promise.all(ownExpiry(db, excludeGroups).map((q) =>
        q.selectAll().where('expiresAt', '<=', now).orderBy('expiresAt').orderBy('id').limit(limit).execute()));
      const cmp = (a: { expiresAt: unknown; id: string }, b: { expiresAt: unknown; id: string }) =>
        num(a.expiresAt as number) - num(b.expiresAt as number) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
      return [...alone, ...own].sort(cmp).slice(0, limit).map(snapshotOf);
    },
    async nextStandaloneExpiry(excludeGroups = []) {
      // Each walks an index from the earliest expiry and stops at the first match.
      const firsts = await Promise.all(ownExpiry(db, excludeGroups).map((q) =>
        q.select('expiresAt').where('expiresAt', 'is not', null).orderBy('expiresAt').limit(1).executeTakeFirst()));
      const times = firsts.flatMap((r) => (r?.expiresAt === null || r?.expiresAt === undefined ? [] : [num(r.expiresAt)]));
      return times.length > 0 ? Math.min(...times) : undefined;
    },
    async delete(id) {
      await db.deleteFrom('diskSnapshots').where('snapshotId', '=', id).execute();
      await db.deleteFrom('vmSnapshots').where('id', '=', id).execute();
    },
    async update(id, patch) {
      if (Object.keys(patch).length === 0) return;
      const own = patch.expiresAt !== undefined ? { ownExpiry: 1 } : {};
      await db.updateTable('vmSnapshots').set({ ...patch, ...own }).where('id', '=', id).execute();
    },
    page: (q) => snapshotPage(db, q),
  };
}

/**
 * Snapshots that expire on their own, as two index-driven queries: those outside any group
 * snapshot, and members given their own expiry (9.1 update) before their group snapshot's.
 * The other members expire with their group snapshot. Snapshots of the excluded (paused)
 * groups wait.
 */
function ownExpiry(db: Db, excludeGroups: string[]) {
  let alone = db.selectFrom('vmSnapshots').where('pgSnapshotId', 'is', null);
  let own = db.selectFrom('vmSnapshots').where('ownExpiry', '=', 1).where('pgSnapshotId', 'is not', null)
    .where((eb) => eb.exists(eb.selectFrom('pgSnapshots as p').select('p.id').whereRef('p.id', '=', 'vmSnapshots.pgSnapshotId')
      .where((e) => e.or([e('p.expiresAt', 'is', null), e('p.expiresAt', '>', e.ref('vmSnapshots.expiresAt'))]))));
  if (excludeGroups.length > 0) {
    alone = alone.where((eb) => eb.or([eb('pgId', 'is', null), eb('pgId', 'not in', excludeGroups)]));
    own = own.where('pgId', 'not in', excludeGroups);
  }
  return [alone, own] as const;
}

/**
 * The filtered snapshots, and when `perVm` is set only each VM's newest ones (a window over
 * the VM's matches), as a subquery that both the page and the count read.
 */
function matching(db: Db, q: SnapshotPageQuery) {
  let base = db.selectFrom('vmSnapshots').selectAll();
  if (q.vmIds) base = q.vmIds.length > 0 ? base.where('vmId', 'in', q.vmIds) : base.where(NONE);
  if (q.clusterIds) base = q.clusterIds.length > 0 ? base.where('clusterId', 'in', q.clusterIds) : base.where(NONE);
  if (q.ids) base = q.ids.length > 0 ? base.where('id', 'in', q.ids) : base.where(NONE);
  if (q.createdAfter !== undefined) base = base.where('createdAt', '>', q.createdAfter);
  if (q.createdBefore !== undefined) base = base.where('createdAt', '<', q.createdBefore);
  const perVm = q.perVm ?? Number.MAX_SAFE_INTEGER;
  const ranked = base.select(sql<number>`row_number() over (partition by vm_id order by created_at desc, id desc)`.as('rank'));
  return q.perVm === undefined
    ? db.selectFrom(base.as('m')).selectAll()
    : db.selectFrom(ranked.as('m')).selectAll().where('m.rank', '<=', perVm);
}

async function snapshotPage(db: Db, q: SnapshotPageQuery): Promise<{ items: VmSnapshot[]; total: number }> {
  const rows = await matching(db, q).orderBy('m.createdAt').orderBy('m.id').limit(q.limit).offset(q.offset).execute();
  const count = await db.selectFrom(matching(db, q).as('c')).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  // The window's rank column, when there is one, is not part of a snapshot.
  return { items: rows.map((r) => { const { rank: _rank, ...row } = r as typeof r & { rank?: number }; return snapshotOf(row); }), total: num(count.n) };
}
