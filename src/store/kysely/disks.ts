import { sql } from 'kysely';
import type { Disk, DiskSnapshot, SnapshotType, VmSnapshot } from '../../domain/model.ts';
import type { BlockEntry, DiskRepo, LayerRepo, SnapshotPageQuery, SnapshotStats, VmSnapshotRepo } from '../store.ts';
import { NONE, num, ONE, wholeRowValues, type Db } from './core.ts';
import type { DB } from './schema.ts';
import { changes, rows } from './prepared.ts';

function diskOf(r: DB['disks']): Disk {
  return { ...r, capacityBytes: num(r.capacityBytes), headLayerId: num(r.headLayerId), epoch: num(r.epoch) };
}

export function diskRepo(db: Db): DiskRepo {
  return {
    async insert(disk) {
      await db.insertInto('disks').values(disk).execute();
    },
    async get(vmId, diskKey) {
      const [r] = await rows(db, 'disks.get', (d, a) => d.selectFrom('disks').selectAll().where('vmId', '=', a(0)).where('diskKey', '=', a(1)), [vmId, diskKey]);
      return r && diskOf(r);
    },
    async listForVm(vmId) {
      const found = await rows(db, 'disks.listForVm', (d, a) => d.selectFrom('disks').selectAll().where('vmId', '=', a(0)).orderBy('diskKey'), [vmId]);
      return found.map(diskOf);
    },
    async update(vmId, diskKey, patch) {
      const cols = (Object.keys(patch) as Array<keyof typeof patch>).filter((c) => patch[c] !== undefined);
      if (cols.length === 0) return;
      await changes(db, `disks.update:${cols.join()}`,
        (d, a) => d.updateTable('disks').set(Object.fromEntries(cols.map((c, i) => [c, a(i + 2)]))).where('vmId', '=', a(0)).where('diskKey', '=', a(1)),
        [vmId, diskKey, ...cols.map((c) => patch[c])]);
    },
    async deleteForVm(vmId) {
      await db.deleteFrom('disks').where('vmId', '=', vmId).execute();
    },
  };
}

export function layerRepo(db: Db): LayerRepo {
  return {
    async create(parentId) {
      const [r] = await rows(db, 'layers.create', (d, a) => d.insertInto('layers').values({ parentId: a(0) }).returning('id'), [parentId]);
      return num(r.id);
    },
    async parentOf(id) {
      const [r] = await rows(db, 'layers.parentOf', (d, a) => d.selectFrom('layers').select('parentId').where('id', '=', a(0)), [id]);
      return r === undefined ? undefined : r.parentId === null ? null : num(r.parentId);
    },
    async chain(id) {
      const found = await rows(db, 'layers.chain', (_d, a) => sql<{ id: number | string }>`
        with recursive up(id, parent_id) as (
          select id, parent_id from layers where id = ${a(0)}
          union all
          select l.id, l.parent_id from layers l join up on l.id = up.parent_id
        )
        select id from up order by id desc`, [id]);
      return found.map((r) => num(r.id));
    },
    async writeBlock(layerId, blockNo, data) {
      await db.insertInto('layerBlocks').values({ layerId, blockNo, data })
        .onConflict((oc) => oc.columns(['layerId', 'blockNo']).doUpdateSet({ data })).execute();
    },
    async readBlock(chain, blockNo) {
      if (chain.length === 0) return undefined;
      const r = await db.selectFrom('layerBlocks').select('data')
        .where('layerId', 'in', chain).where('blockNo', '=', blockNo)
        .orderBy('layerId', 'desc').limit(ONE).executeTakeFirst();
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
      const [r] = await rows(db, `layers.countBlocks:${layerIds.length}`, (d, a) => d.selectFrom('layerBlocks')
        .select((eb) => eb.fn.count<number | string>('blockNo').distinct().as('n'))
        .where('layerId', 'in', layerIds.map((_, i) => a(i))), layerIds);
      return num(r.n);
    },
    async changedBetween(a, b) {
      // countBlocks(divergentLayers(chain(a), chain(b))) in one statement instead of three: both
      // chains in one walk, a layer on one side only appears once. (Two CTEs joined by NOT IN
      // took 300+ us a run on SQLite; this 5 us, the three statements 10-30 us.)
      const [r] = await rows(db, 'layers.changedBetween', (_d, x) => sql<{ n: number | string }>`
        with recursive up(id, parent_id, side) as (
          select id, parent_id, 0 from layers where id = ${x(0)}
          union all
          select id, parent_id, 1 from layers where id = ${x(1)}
          union all
          select l.id, l.parent_id, up.side from layers l join up on l.id = up.parent_id
        ), one_side(id) as (select id from up group by id having count(*) = 1)
        select count(distinct b.block_no) as n from one_side join layer_blocks b on b.layer_id = one_side.id`, [a, b]);
      return num(r.n);
    },
    async references(id) {
      // One statement: the two counts ride along on every child row (or on a lone row).
      const found = await rows(db, 'layers.references', (_d, a) => sql<{ heads: number | string; snapshots: number | string; child: number | string | null }>`
        select (select count(*) from disks where head_layer_id = ${a(0)}) as heads,
               (select count(*) from disk_snapshots where layer_id = ${a(0)}) as snapshots,
               c.id as child
        from (select 1 as one) one left join layers c on c.parent_id = ${a(0)}
        order by c.id`, [id]);
      const children = found.flatMap((r) => (r.child === null ? [] : [num(r.child)]));
      return { heads: num(found[0].heads), snapshots: num(found[0].snapshots), children };
    },
    async delete(id) {
      await changes(db, 'layers.deleteBlocks', (d, a) => d.deleteFrom('layerBlocks').where('layerId', '=', a(0)), [id]);
      await changes(db, 'layers.delete', (d, a) => d.deleteFrom('layers').where('id', '=', a(0)), [id]);
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

// Whole rows, as takeVmSnapshot writes them, go in by one fixed statement (wholeRowValues).
const SNAPSHOT_COLUMNS: ReadonlyArray<keyof VmSnapshot> = ['id', 'vmId', 'clusterId', 'name', 'type', 'createdAt', 'expiresAt', 'pgId',
  'pgSnapshotId', 'vmName', 'folderId', 'resourcePoolId', 'cpuCount', 'coresPerSocket', 'memoryMib', 'guestOs'];
const DISK_SNAPSHOT_COLUMNS: ReadonlyArray<keyof DiskSnapshot> = ['snapshotId', 'diskKey', 'label', 'capacityBytes', 'blockSize', 'layerId', 'sequenceUuid', 'epoch', 'uri'];

export function vmSnapshotRepo(db: Db): VmSnapshotRepo {
  return {
    async insert(snapshot, disks) {
      const whole = wholeRowValues(snapshot, SNAPSHOT_COLUMNS);
      const dVals = disks.reduce<unknown[] | undefined>((out, ds) => out && wholeRowValues(ds, DISK_SNAPSHOT_COLUMNS, out), []);
      if (whole && dVals) {
        await changes(db, 'vmSnapshots.insert', (d, a) => d.insertInto('vmSnapshots').values(Object.fromEntries(SNAPSHOT_COLUMNS.map((c, i) => [c, a(i)])) as never), whole);
        if (disks.length > 0) await changes(db, `diskSnapshots.insert:${disks.length}`, (d, a) => d.insertInto('diskSnapshots').values(disks.map((_, j) =>
          Object.fromEntries(DISK_SNAPSHOT_COLUMNS.map((c, i) => [c, a(j * DISK_SNAPSHOT_COLUMNS.length + i)]))) as never), dVals);
        return;
      }
      const sCols = (Object.keys(snapshot) as Array<keyof VmSnapshot>).filter((c) => snapshot[c] !== undefined);
      await changes(db, `vmSnapshots.insert:${sCols.join()}`,
        (d, a) => d.insertInto('vmSnapshots').values(Object.fromEntries(sCols.map((c, i) => [c, a(i)])) as never), sCols.map((c) => snapshot[c]));
      if (disks.length === 0) return;
      const dCols = (Object.keys(disks[0]) as Array<keyof DiskSnapshot>).filter((c) => disks.every((ds) => ds[c] !== undefined));
      await changes(db, `diskSnapshots.insert:${disks.length}:${dCols.join()}`,
        (d, a) => d.insertInto('diskSnapshots').values(disks.map((_, j) => Object.fromEntries(dCols.map((c, i) => [c, a(j * dCols.length + i)]))) as never),
        disks.flatMap((ds) => dCols.map((c) => ds[c])));
    },
    async get(id) {
      const [r] = await rows(db, 'vmSnapshots.get', (d, a) => d.selectFrom('vmSnapshots').selectAll().where('id', '=', a(0)), [id]);
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
      const found = await rows(db, 'diskSnapshots.of', (d, a) => d.selectFrom('diskSnapshots').selectAll().where('snapshotId', '=', a(0)).orderBy('diskKey'), [snapshotId]);
      return found.map(diskSnapshotOf);
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
      const [r] = await rows(db, 'vmSnapshots.countForVm', (d, a) => d.selectFrom('vmSnapshots').select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('vmId', '=', a(0)), [vmId]);
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
        q.select('expiresAt').where('expiresAt', 'is not', null).orderBy('expiresAt').limit(ONE).executeTakeFirst()));
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
  let own = db.selectFrom('vmSnapshots').where('ownExpiry', '=', sql.lit(1)).where('pgSnapshotId', 'is not', null)
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
