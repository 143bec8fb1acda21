import { RawNode, type Compilable, type CompiledQuery, type QueryResult, type RawBuilder, type RootOperationNode } from 'kysely';
import type { Db } from './core.ts';

/**
 * Hot-path queries, built and compiled by Kysely once per store instead of on every call.
 *
 * Building a query (frozen operation nodes), running it through the camel-case plugin's node
 * transformer and compiling it cost about as much as executing it on SQLite. A query is
 * built here once with stand-ins for its arguments; the compiled SQL is kept and each call
 * only swaps the stand-ins for the arguments. Result rows still go through the plugins, so
 * callers see the same camel-case rows as from any other Kysely query.
 *
 * `key` names the query's shape: queries whose SQL text depends on an argument (an IN list of
 * n values) put n in the key.
 */

/** Stand-in for argument `i` while the query is built. Never sent to the database. */
export type Arg = (i: number) => never;

/** A query builder's query, or a `sql` template. */
export type Build<R> = (db: Db, a: Arg) => Compilable<R> | RawBuilder<R>;

interface Prepared {
  sql: string;
  query: RootOperationNode;
  /** Per compiled parameter: the argument index it stands for, or -1 for a constant. */
  slots: number[];
  constants: readonly unknown[];
  /** The compiled parameters are the arguments in order: a call's arguments are its parameters. */
  identity: boolean;
}

const MARK = '\u0000snapservice:arg:';
const arg: Arg = (i) => `${MARK}${i}` as never;

/**
 * Runs compiled SQL on the store's connection without Kysely's executor (connection queue,
 * async plugin pass), with result rows shaped as Kysely's would be. Returns undefined when it
 * may not run now: then the statement takes Kysely's path and its queue.
 */
export type Direct = (sql: string, parameters: readonly unknown[], inTransaction: boolean) => QueryResult<unknown> | undefined;

/**
 * Keyed by the executor's adapter: one per store, shared by its transactions, and the thing
 * that decides the SQL dialect. One entry holds both, so that a call looks up one.
 */
interface StoreQueries {
  prepared: Map<string, Prepared>;
  direct: Direct | undefined;
}

const stores = new WeakMap<object, StoreQueries>();

function storeQueries(db: Db): StoreQueries {
  const adapter = db.getExecutor().adapter;
  let s = stores.get(adapter);
  if (!s) {
    s = { prepared: new Map(), direct: undefined };
    stores.set(adapter, s);
  }
  return s;
}

/** Lets the store's prepared statements bypass Kysely's executor. */
export function useDirect(db: Db, direct: Direct): void {
  storeQueries(db).direct = direct;
}

function prepare(db: Db, cache: Map<string, Prepared>, key: string, build: Build<unknown>): Prepared {
  let p = cache.get(key);
  if (!p) {
    // A builder's compile() takes no argument; a sql template's needs the executor's owner.
    const compiled = build(db, arg).compile(db);
    const slots = compiled.parameters.map((v) => (typeof v === 'string' && v.startsWith(MARK) ? Number(v.slice(MARK.length)) : -1));
    p = { sql: compiled.sql, query: RawNode.createWithSql(compiled.sql), slots, constants: compiled.parameters, identity: slots.every((s, i) => s === i) };
    cache.set(key, p);
  }
  return p;
}

/**
 * The query's result; a direct one is returned as it is, not in a promise, so that the hot
 * reads cost no promise and no async frame of their own (the caller awaits a plain value).
 * Errors are thrown by the direct path and rejected by Kysely's, so callers await either way.
 */
function execute<R>(db: Db, key: string, build: Build<unknown>, args: readonly unknown[]): QueryResult<R> | Promise<QueryResult<R>> {
  const store = storeQueries(db);
  const p = prepare(db, store.prepared, key, build);
  const parameters = p.identity && args.length === p.slots.length ? args : p.slots.map((s, i) => (s < 0 ? p.constants[i] : args[s]));
  // The store decides whether it may run now: outside a transaction only while none is open,
  // inside one only while it is open. Inside a transaction a direct statement runs when called,
  // ahead of any of the transaction's statements still in Kysely's queue: those can only be
  // reads issued together with it (Promise.all), as a transaction's writes are awaited one by
  // one, and reads of one transaction see the same data in any order.
  if (store.direct) {
    const result = store.direct(p.sql, parameters, db.isTransaction);
    if (result) return result as QueryResult<R>;
  }
  const q: CompiledQuery<R> = { sql: p.sql, query: p.query, parameters, queryId: { queryId: '' } };
  return db.executeQuery(q);
}

/** Rows of a prepared select (or `returning`). */
export async function rows<R>(db: Db, key: string, build: Build<R>, args: readonly unknown[]): Promise<R[]> {
  return (await execute<R>(db, key, build, args)).rows;
}

/** Rows changed by a prepared insert, update or delete. */
export async function changes(db: Db, key: string, build: Build<unknown>, args: readonly unknown[]): Promise<number> {
  const r = await execute(db, key, build, args);
  return Number(r.numAffectedRows ?? 0n);
}
