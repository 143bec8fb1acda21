import type Database from 'better-sqlite3';
import type { QueryResult } from 'kysely';
import type { QueryObserver } from '../kysely/observe.ts';
import type { Direct } from '../kysely/prepared.ts';
import { rowShape, type RowShape } from './row-shape.ts';

/** A direct statement: its own prepared statement (raw mode if it returns rows, so not shared with Kysely's path). */
interface Compiled {
  stmt: Database.Statement;
  /** Set when it returns rows. */
  shape: RowShape | undefined;
}

/**
 * The compiled hot-path statements (`prepared.ts`) run straight on the connection. Outside a
 * transaction, only while none is open on it: SQLite has one connection per store, so an open
 * transaction is some request's, and a statement run then would see (or join) its uncommitted
 * writes; Kysely's path queues behind it instead, so the direct path declines. Inside a
 * transaction, only while one is open: a transaction holds the one connection from BEGIN to
 * COMMIT, so the open one is the caller's own. Rows have the camel-case plugin's keys (built
 * per statement, `row-shape.ts`). Statements are reported to the observer as Kysely's path
 * reports a compiled one ('other').
 */
export function directPath(raw: Database.Database, camelCase: (column: string) => string, observe: QueryObserver | undefined): Direct {
  const compiled = new Map<string, Compiled>();
  const compile = (source: string): Compiled => {
    const stmt = raw.prepare(source);
    let shape: RowShape | undefined;
    if (stmt.reader) {
      shape = rowShape(stmt.columns().map((c) => camelCase(c.name)));
      stmt.raw(true);
    }
    const c: Compiled = { stmt, shape };
    if (compiled.size > 2000) compiled.clear();
    compiled.set(source, c);
    return c;
  };
  const execute = (c: Compiled, parameters: readonly unknown[]): QueryResult<unknown> => {
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
    return observed(c, parameters);
  };
}
