import { sql } from 'kysely';
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
      const r = await db.selectFrom('snapshotHistory').select((eb) => eb.fn.min('startedAt').as('t')).executeTakeFirst();
      return r?.t === null || r?.t === undefined ? undefined : num(r.t);
    },
    async purge(before) {
      const r = await db.deleteFrom('snapshotHistory').where('startedAt', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
