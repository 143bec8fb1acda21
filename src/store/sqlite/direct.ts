import type Database from 'better-sqlite3';
import type { QueryResult } from 'kysely';
import type { QueryObserver } from '../kysely/observe.ts';
import type { Direct } from '../kysely/prepared.ts';
import { changesData, keyOf, type ReadCache, type Slot } from './read-cache.ts';
import { rowShape, type RowShape } from './row-shape.ts';

/** A direct statement: its own prepared statement (raw mode if it returns rows, so not shared with Kysely's path). */
interface Compiled {
  stmt: Database.Statement;
  /** Set when it returns rows. */
  shape: RowShape | undefined;
  changes: boolean;
  /** Set when its rows may be cached: a read that changes nothing. */
  slot: Slot | undefined;
}

/**
 * The compiled hot-path statements (`prepared.ts`) run straight on the connection. Outside a
 * transaction, only while none is open on it: SQLite has one connection per store, so an open
 * transaction is some request's, and a statement run then would see (or join) its uncommitted
 * writes; Kysely's path queues behind it instead, so the direct path declines. Inside a
 * transaction, only while one is open: a transaction holds the one connection from BEGIN to
 * COMMIT, so the open one is the caller's own. Rows have the camel-case plugin's keys (built
 * per statement, `row-shape.ts`); reads outside a transaction are answered from `cache` while
 * valid (`read-cache.ts`). Statements run are reported to the observer as Kysely's path reports
 * a compiled one ('other'); answers from the cache ran no statement and are not reported.
 */
export function directPath(raw: Database.Database, camelCase: (column: string) => string, cache: ReadCache, observe: QueryObserver | undefined): Direct {
  const compiled = new Map<string, Compiled>();
  const compile = (source: string): Compiled => {
    const stmt = raw.prepare(source);
    const changes = changesData(stmt, source);
    let shape: RowShape | undefined;
    if (stmt.reader) {
      shape = rowShape(stmt.columns().map((c) => camelCase(c.name)));
      stmt.raw(true);
    }
    const c: Compiled = { stmt, shape, changes, slot: shape && !changes ? { rows: new Map() } : undefined };
    if (compiled.size > 2000) compiled.clear();
    compiled.set(source, c);
    return c;
  };
  const execute = (c: Compiled, parameters: readonly unknown[]): QueryResult<unknown> => {
    cache.ran(c.changes);
    if (c.shape) {
      const values = c.stmt.all(parameters) as unknown[][];
      const rows: unknown[] = [];
      for (const v of values) rows.push(c.shape(v));
      return { rows };
    }
    const { changes, lastInsertRowid } = c.stmt.run(parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  };
  const observed = (c: Compiled, parameters: readonly unknown[]): QueryResult<unknown> => {
    if (!observe) return execute(c, parameters);
    const start = performance.now();
    try {
      const result = execute(c, parameters);
      observe('other', (performance.now() - start) / 1000, false);
      return result;
    } catch (err) {
      observe('other', (performance.now() - start) / 1000, true);
      throw err;
    }
  };
  return (source, parameters, inTransaction) => {
    if (raw.inTransaction !== inTransaction) return undefined;
    const c = compiled.get(source) ?? compile(source);
    const key = c.slot && !inTransaction ? keyOf(parameters) : undefined;
    if (key === undefined) return observed(c, parameters);
    const slot = c.slot as Slot;
    const hit = cache.get(slot, key);
    if (hit) return { rows: hit as unknown[] };
    const result = observed(c, parameters);
    return { rows: cache.put(slot, key, result.rows as unknown[]) as unknown[] };
  };
}
