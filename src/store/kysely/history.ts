import { sql, SqliteAdapter } from 'kysely';
import type { AttemptKind, AttemptStatus, AttemptView, SnapshotAttempt } from '../../domain/history.ts';
import type { Message, SnapshotType } from '../../domain/model.ts';
import type { HistoryFilter, HistoryRepo } from '../store.ts';
import { NONE, num, type Db } from './core.ts';
import { changes } from './prepared.ts';
import type { DB } from './schema.ts';

/** Rows per INSERT: well under SQLite's 32766 bound variables at 15 columns a row. */
const CHUNK = 500;

export function attemptRow(a: SnapshotAttempt): DB['snapshotHistory'] {
  return { ...a, reasons: JSON.stringify(a.reasons) };
}

/** Every column, so that the one compiled insert fits every attempt (an unset column is NULL). */
const HISTORY_COLUMNS: ReadonlyArray<keyof DB['snapshotHistory']> = [
  'id', 'kind', 'clusterId', 'pgId', 'pgName', 'pgSnapshotId', 'vmId', 'vmName', 'snapshotId', 'name', 'type', 'status', 'startedAt', 'expiresAt', 'reasons',
];

/** Every kind, checked against AttemptKind: a kind missing here would never be purged. */
const KIND_SET: Record<AttemptKind, true> = { PG: true, VM: true };
const KINDS = Object.keys(KIND_SET).map((k) => sql.lit(k));

/**
 * The clusters with history, found by skipping from one to the next in
 * snapshot_history_cluster (clusters are few, attempts many). With them the oldest attempt
 * and the purge by start time search that index group by group, instead of an index of
 * their own on started_at that every revert and scheduled snapshot wrote an entry into.
 */
const CLUSTERS = sql`with recursive c(id) as (
    select min(cluster_id) from snapshot_history
    union all
    select (select min(n.cluster_id) from snapshot_history n where n.cluster_id > c.id) from c where c.id is not null
  )`;

type Row = DB['snapshotHistory'] & { liveId: string | null; liveExpiresAt: number | string | null };

function viewOf(r: Row): AttemptView {
  const expiresAt = r.expiresAt === null ? null : num(r.expiresAt);
  const live = r.liveId !== null;
  return {
    id: r.id,
    kind: r.kind as AttemptKind,
    clusterId: r.clusterId,
    pgId: r.pgId,
    pgName: r.pgName,
    pgSnapshotId: r.pgSnapshotId,
    vmId: r.vmId,
    vmName: r.vmName,
    snapshotId: r.snapshotId,
    name: r.name,
    type: r.type as SnapshotType,
    status: r.status as AttemptStatus,
    startedAt: num(r.startedAt),
    expiresAt,
    reasons: JSON.parse(r.reasons) as Message[][],
    live,
    currentExpiresAt: live ? (r.liveExpiresAt === null ? null : num(r.liveExpiresAt)) : expiresAt,
  };
}

export function historyRepo(db: Db): HistoryRepo {
  // PostgreSQL hashes "in (select ...)" against a scan of the table; over an array of the
  // clusters it searches the index for each.
  const inClusters = db.getExecutor().adapter instanceof SqliteAdapter
    ? sql`cluster_id in (select id from c where id is not null)`
    : sql`cluster_id = any(array(select id from c where id is not null))`;
  const matching = (f: HistoryFilter) => {
    let q = db.selectFrom('snapshotHistory as h')
      .where('h.clusterId', '=', f.clusterId).where('h.kind', '=', f.kind)
      .where('h.startedAt', '>=', f.from).where('h.startedAt', '<=', f.to);
    if (f.pgIds) q = f.pgIds.length > 0 ? q.where('h.pgId', 'in', f.pgIds) : q.where(NONE);
    if (f.vmIds) q = f.vmIds.length > 0 ? q.where('h.vmId', 'in', f.vmIds) : q.where(NONE);
    if (f.inGroup) q = q.where('h.pgId', 'is not', null);
    return q;
  };

  return {
    async insert(attempts) {
      if (attempts.length === 1) {
        // One row per revert and per scheduled VM snapshot: compiled once, not built each time.
        const row = attemptRow(attempts[0]);
        await changes(db, 'history.insert', (d, a) => d.insertInto('snapshotHistory').values(Object.fromEntries(HISTORY_COLUMNS.map((c, i) => [c, a(i)])) as never),
          HISTORY_COLUMNS.map((c) => row[c] ?? null));
        return;
      }
      for (let i = 0; i < attempts.length; i += CHUNK) {
        await db.insertInto('snapshotHistory').values(attempts.slice(i, i + CHUNK).map(attemptRow)).execute();
      }
    },
    async page(f, limit, offset) {
      const base = matching(f);
      // Whether the snapshot still exists, and its expiry now, come from the live tables:
      // whoever deletes or updates a snapshot, history cannot disagree with it.
      const joined = f.kind === 'PG'
        ? base.leftJoin('pgSnapshots as s', 's.id', 'h.snapshotId')
        : base.leftJoin('vmSnapshots as s', 's.id', 'h.snapshotId');
      const rows = await joined.selectAll('h').select(['s.id as liveId', 's.expiresAt as liveExpiresAt'])
        .orderBy('h.startedAt').orderBy('h.id').limit(limit).offset(offset).execute();
      const count = await base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
      return { items: (rows as Row[]).map(viewOf), total: num(count.n) };
    },
    async countByStatus(f, by) {
      const key = by === 'pg' ? sql<string>`${sql.ref('h.pgId')}`
        : by === 'vm' ? sql<string>`${sql.ref('h.vmId')}`
          // Literals, not parameters: PostgreSQL must see the same expression in GROUP BY.
          : sql<number | string>`(${sql.ref('h.startedAt')} - ${sql.lit(f.from)}) / ${sql.lit(by.sliceMs)}`;
      const rows = await matching(f)
        .select([key.as('k'), 'h.status', (eb) => eb.fn.countAll<number | string>().as('n')])
        .groupBy([sql`1`, 'h.status']).orderBy(sql`1`).orderBy('h.status').execute();
      return rows.map((r) => ({
        key: typeof by === 'object' ? num(r.k as number | string) : (r.k as string),
        status: r.status as AttemptStatus,
        count: num(r.n),
      }));
    },
    async names(clusterId, kind, from) {
      const [idCol, nameCol] = kind === 'PG' ? (['pgId', 'pgName'] as const) : (['vmId', 'vmName'] as const);
      const latest = db.selectFrom('snapshotHistory')
        .select([`${idCol} as id`, (eb) => eb.fn.max('startedAt').as('at')])
        .where('clusterId', '=', clusterId).where('kind', '=', kind).where('startedAt', '>=', from).where(idCol, 'is not', null)
        .groupBy(idCol);
      const rows = await db.selectFrom('snapshotHistory as h')
        .innerJoin(latest.as('l'), (j) => j.onRef('l.id', '=', `h.${idCol}`).onRef('l.at', '=', 'h.startedAt'))
        .select(['l.id as id', `h.${nameCol} as name`])
        .where('h.clusterId', '=', clusterId).where('h.kind', '=', kind)
        .orderBy('l.id').orderBy('h.id').execute();
      const seen = new Map<string, string>();
      for (const r of rows) if (!seen.has(r.id as string)) seen.set(r.id as string, (r.name ?? r.id) as string);
      return [...seen].map(([id, name]) => ({ id, name }));
    },
    async oldest() {
      const { rows: [r] } = await sql<{ t: number | string | null }>`${CLUSTERS}
        select min((select min(h.started_at) from snapshot_history h where h.cluster_id = c.id and h.kind = k.kind)) as t
        from c cross join (${sql.join(KINDS.map((k) => sql`select ${k} as kind`), sql` union all `)}) k where c.id is not null`.execute(db);
      return r?.t === null || r?.t === undefined ? undefined : num(r.t);
    },
    async purge(before) {
      const r = await sql`${CLUSTERS}
        delete from snapshot_history where ${inClusters} and kind in (${sql.join(KINDS)}) and started_at < ${before}`.execute(db);
      return Number(r.numAffectedRows ?? 0);
    },
  };
}
