import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.ts';
import type { Store } from '../../src/store/store.ts';

export interface StoreAndOther {
  store: Store;
  /** A second connection on the same file: SQLite tells processes apart by connection. */
  other: Database.Database;
}

/**
 * For tests of what the SQLite store caches in memory: `open` makes a migrated store in a
 * temporary directory, fills it with `setup`, and opens another connection on its file, which
 * stands for another process. Everything opened is closed and removed after each test.
 */
export function storesWithOtherConnection(prefix: string): {
  open: (setup?: (store: Store) => Promise<void>, onQuery?: (kind: string) => void) => Promise<StoreAndOther>;
  /** Closes something else the test opened, with the rest. */
  closeAfter: (close: () => unknown) => void;
} {
  let dir: string | undefined;
  const closing: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of closing.splice(0).reverse()) await c();
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return {
    async open(setup, onQuery) {
      dir = mkdtempSync(join(tmpdir(), prefix));
      const store = openSqliteStore({ dataDir: dir, onQuery });
      closing.push(() => store.close());
      await store.migrate();
      await setup?.(store);
      const other = new Database(join(dir, 'snapservice.db'));
      closing.push(() => other.close());
      other.pragma('busy_timeout = 5000');
      return { store, other };
    },
    closeAfter: (close) => {
      closing.push(close);
    },
  };
}

/** The next macrotask: the read cache checks for other connections' commits again. */
export const nextTask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
