import type Database from 'better-sqlite3';
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Rows of the direct path's auto-commit reads, kept while nothing can have changed them.
 *
 * A task GET reads the same session, privileges and task again and again; each read costs a
 * read transaction (two WAL lock calls) and a row build. What can change them:
 * - this connection's own statements: every one that is not `readonly` (RETURNING included),
 *   transaction control (SQLite calls BEGIN/COMMIT/ROLLBACK/SAVEPOINT read-only), pragmas and
 *   `exec`, on the direct path and on Kysely's, drop every cached row (`ran(true)`);
 * - other connections' commits (other processes, worker threads): `PRAGMA data_version` on
 *   this connection changes when another connection has committed; a change drops every row.
 * Reads inside a transaction are never cached nor answered from the cache: they must see the
 * transaction's own writes (the caller decides, `get`/`put` are only called outside one).
 *
 * data_version is read at most once per macrotask: the check is reused until Node has drained
 * the microtask queue after it (a microtask queues the reset with process.nextTick), which is
 * after the whole promise chain of the request that made it, as direct reads resolve at once.
 * The reads of one macrotask then read the store as of that check, no weaker than auto-commit
 * reads taken one after another, and a request that was sent after another process's commit is
 * read after it: its bytes were read from the socket when its macrotask began, before the check. (Once per event-loop iteration, reset by
 * setImmediate, would not hold that: a read in the timers phase would check before the poll
 * phase reads requests sent after a commit.) Any statement run on the connection since the
 * check (a miss, a Kysely read) may have seen a newer state than the cached rows, so the next
 * hit checks again: no read answers older than one already answered.
 *
 * Cached rows are frozen (a caller mutating one throws in strict mode) and their number is
 * bounded.
 */
export interface Slot {
  rows: Map<string, readonly unknown[]>;
}

const SETTLED = Promise.resolve();

export class ReadCache {
  #version: number;
  #checked = false;
  #ranSinceCheck = false;
  #rows = 0;
  readonly #filled = new Set<Slot>();
  readonly #dataVersion: Database.Statement;
  readonly #reset = (): void => {
    this.#checked = false;
  };
  // A tick queued from a tick callback would run before that callback's promise continuations;
  // one queued from a microtask runs once the microtask queue has drained.
  readonly #resetAfterDrain = (): void => {
    process.nextTick(this.#reset);
  };

  readonly #walIndex: WalIndexHeader | undefined;

  constructor(raw: Database.Database, private readonly maxRows = 20_000) {
    this.#dataVersion = raw.prepare('pragma data_version').pluck();
    this.#version = this.#dataVersion.get() as number;
    this.#walIndex = WalIndexHeader.open(raw);
  }

  /** A statement is about to run on the connection; `changes` if it may change what reads see. */
  ran(changes: boolean): void {
    this.#ranSinceCheck = true;
    if (changes) this.#drop();
  }

  /**
   * The cached rows of a read, or undefined. Only outside a transaction. A miss needs no check:
   * the read runs, and its rows are checked with the others before they are first answered.
   */
  get(slot: Slot, key: string): readonly unknown[] | undefined {
    const rows = slot.rows.get(key);
    if (rows === undefined || (this.#checked && !this.#ranSinceCheck)) return rows;
    // The check may drop every row: read again after it.
    this.#check();
    return slot.rows.get(key);
  }

  /** Keeps a read's rows (read outside a transaction); returns them frozen. */
  put(slot: Slot, key: string, rows: unknown[]): readonly unknown[] {
    for (const r of rows) Object.freeze(r);
    Object.freeze(rows);
    if (rows.length > this.maxRows) return rows;
    if (this.#rows + rows.length > this.maxRows) this.#drop();
    slot.rows.set(key, rows);
    this.#rows += rows.length;
    this.#filled.add(slot);
    return rows;
  }

  #check(): void {
    // The header first: data_version read after it covers every commit the header missed.
    if ((this.#walIndex === undefined || this.#walIndex.changed()) && this.#versionChanged()) this.#drop();
    this.#ranSinceCheck = false;
    if (!this.#checked) {
      this.#checked = true;
      // A reaction on a settled promise is the same microtask queueMicrotask would queue,
      // without the AsyncResource and bound function Node makes for each of those.
      void SETTLED.then(this.#resetAfterDrain);
    }
  }

  #versionChanged(): boolean {
    const v = this.#dataVersion.get() as number;
    if (v === this.#version) return false;
    this.#version = v;
    return true;
  }

  #drop(): void {
    if (this.#filled.size === 0) return;
    for (const s of this.#filled) s.rows.clear();
    this.#filled.clear();
    this.#rows = 0;
  }
}

/**
 * The WAL-index header at the start of the `-shm` file, read without a lock: a cheaper test of
 * "has no connection committed" than `PRAGMA data_version` (a read transaction: two lock calls
 * and a statement step, 5% of a task GET's CPU). Every commit writes it (its change counter,
 * last frame and checksum), and a commit is visible to readers once it is written, so a commit
 * finished before the check always changes it. Unchanged bytes mean no commit since the last
 * read; changed ones (any commit, this connection's own included, a WAL restart, or a read
 * while a writer writes the header's two copies) only send the check on to data_version,
 * which tells other connections' commits from this one's. Only for a WAL database whose -shm
 * file opens; otherwise data_version alone.
 */
class WalIndexHeader {
  static readonly BYTES = 96;
  #seen = new Int32Array(WalIndexHeader.BYTES / 4);
  #read = new Int32Array(WalIndexHeader.BYTES / 4);

  private constructor(private readonly fd: number) {
    this.changed();
  }

  static open(raw: Database.Database): WalIndexHeader | undefined {
    if (raw.memory || String(raw.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return undefined;
    let fd: number;
    try {
      // The constructor's data_version read made the WAL index, so the file exists now.
      fd = openSync(`${raw.name}-shm`, 'r');
    } catch {
      return undefined;
    }
    const header = new WalIndexHeader(fd);
    const close = raw.close;
    Object.defineProperty(raw, 'close', {
      configurable: true,
      writable: true,
      value(this: Database.Database) {
        // Once: a descriptor closed twice may by then be another file's.
        if (this.open) closeSync(fd);
        return close.call(this);
      },
    });
    return header;
  }

  changed(): boolean {
    const read = this.#read;
    const n = readSync(this.fd, read, 0, WalIndexHeader.BYTES, 0);
    const seen = this.#seen;
    let same = n === WalIndexHeader.BYTES;
    for (let i = 0; same && i < read.length; i++) same = read[i] === seen[i];
    if (same) return false;
    this.#read = seen;
    this.#seen = read;
    return true;
  }
}

const TRANSACTION_CONTROL = /^\s*(begin|commit|end|rollback|savepoint|release|pragma)\b/i;

/** Whether running the statement may change what later reads see. */
export function changesData(stmt: Database.Statement, source: string): boolean {
  return !stmt.readonly || TRANSACTION_CONTROL.test(source);
}

/**
 * The cache key of a statement's parameters, or undefined when one is not a plain value
 * (a Buffer: not cached).
 *
 * One string parameter (a lookup by id or by token hash: most reads) is its own key. No key is
 * built, flattened and hashed on every read, and a caller that passes the same string object
 * again (a session's token hash) is found by the hash that string already holds. Every other
 * key starts with NUL, which such a key never does. There each value is tagged with its type,
 * strings with their length, so no two parameter lists share a key; -0 binds as a real, 0 as an
 * integer.
 */
export function keyOf(parameters: readonly unknown[]): string | undefined {
  if (parameters.length === 1) {
    const p = parameters[0];
    if (typeof p === 'string' && p.charCodeAt(0) !== 0) return p;
  }
  let key = '\u0000';
  for (const p of parameters) {
    switch (typeof p) {
      case 'string':
        key += `s${p.length}:${p}`;
        break;
      case 'number':
        key += Object.is(p, -0) ? 'z;' : `n${p};`;
        break;
      case 'bigint':
        key += `b${p};`;
        break;
      case 'boolean':
        key += p ? 't;' : 'f;';
        break;
      default:
        if (p !== null) return undefined;
        key += 'N;';
    }
  }
  return key;
}

/** Own `exec` and `pragma` calls (any code holding the connection) drop the cache too. */
export function trackExec(raw: Database.Database, cache: ReadCache): void {
  for (const name of ['exec', 'pragma'] as const) {
    const method = raw[name] as (...args: unknown[]) => unknown;
    Object.defineProperty(raw, name, {
      configurable: true,
      writable: true,
      value(this: Database.Database, ...args: unknown[]) {
        cache.ran(true);
        return method.apply(this, args);
      },
    });
  }
}
