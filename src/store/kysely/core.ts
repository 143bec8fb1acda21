import { sql, SqliteAdapter, type Kysely, type SqlBool } from 'kysely';
import type { IdRepo, LockRepo, MetaRepo } from '../store.ts';
import type { DB } from './schema.ts';
import { changes } from './prepared.ts';

export type Db = Kysely<DB>;

export const bool = (v: number | boolean): boolean => v === true || v === 1;
export const int = (v: boolean): number => (v ? 1 : 0);
export const json = <T>(v: string | null): T => (v === null ? (null as T) : (JSON.parse(v) as T));
export const text = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
/** PostgreSQL returns int8 as string unless told otherwise; normalise here once. */
export const num = (v: number | string | bigint): number => (typeof v === 'number' ? v : Number(v));
/**
 * A condition no row meets, for filters given an empty set: `IN ()` is a syntax error on
 * PostgreSQL, and a sentinel value is not safe (PostgreSQL rejects NUL in text).
 */
export const NONE = sql<SqlBool>`1 = 0`;
/**
 * `limit 1` written into the SQL rather than bound. better-sqlite3's SQLite has STAT4, with
 * which a statement whose LIMIT is a bound value is prepared again on every run (the planner
 * reads the value): 15-20 us each time, three to five times the lookup itself.
 */
export const ONE = sql.lit<number>(1);

/**
 * The values of a whole row (every column defined, no other key) in `cols` order, appended to
 * `into`, or undefined. Hot inserts use it to run one fixed statement instead of filtering
 * their columns, joining them into a statement key and hashing that key on every call.
 */
export function wholeRowValues<T extends object>(o: T, cols: ReadonlyArray<keyof T>, into: unknown[] = []): unknown[] | undefined {
  let keys = 0;
  for (const _ in o) keys++;
  if (keys !== cols.length) return undefined;
  for (const c of cols) {
    const v = o[c];
    if (v === undefined) return undefined;
    into.push(v);
  }
  return into;
}

export function metaRepo(db: Db): MetaRepo {
  return {
    async get(key) {
      const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
      return row?.value;
    },
    async delete(key) {
      await db.deleteFrom('meta').where('key', '=', key).execute();
    },
    async set(key, value) {
      await db.insertInto('meta').values({ key, value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute();
    },
  };
}

export function idRepo(db: Db): IdRepo {
  return {
    async next() {
      const row = await db.updateTable('counters').set((eb) => ({ value: eb('value', '+', 1) }))
        .where('name', '=', 'moref').returning('value').executeTakeFirstOrThrow();
      return num(row.value);
    },
  };
}

export function lockRepo(db: Db): LockRepo {
  // A SQLite transaction of ours begins IMMEDIATE (store/sqlite): it holds the database's one
  // write lock, across processes, until it ends, and so every named lock with it. The row
  // update would add a statement and a dirty page to every commit for nothing. On PostgreSQL
  // the row lock is what serialises admissions.
  const held = db.isTransaction && db.getExecutor().adapter instanceof SqliteAdapter;
  return {
    async acquire(name) {
      if (held) return;
      await changes(db, 'locks.acquire', (d, a) => d.updateTable('locks').set((eb) => ({ n: eb('n', '+', 1) })).where('name', '=', a(0)), [name]);
    },
  };
}
