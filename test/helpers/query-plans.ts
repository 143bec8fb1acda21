import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import type { countQueries } from './query-count.ts';

/**
 * For index tests: a migrated SQLite store in a temporary directory. `setup` fills it, `work`
 * runs the queries under test (their SQL is collected by `counter`), then `inspect` gets the
 * closed file opened read-only, to read its schema and explain those statements.
 */
export async function withStoreFile(
  counter: ReturnType<typeof countQueries>,
  steps: {
    setup?: (store: Store) => Promise<void>;
    work: (store: Store) => Promise<void>;
    inspect: (db: Database.Database, statements: string[]) => void;
  },
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'snapservice-plans-'));
  try {
    const store = openSqliteStore({ dataDir: dir });
    await store.migrate();
    await steps.setup?.(store);
    const { sqlite } = await counter.during(() => steps.work(store));
    await store.close();
    const db = new Database(join(dir, 'snapservice.db'), { readonly: true });
    try {
      steps.inspect(db, sqlite);
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The EXPLAIN QUERY PLAN lines of a statement, every parameter bound to 0. */
export function planOf(db: Database.Database, q: string): string[] {
  const args = (q.match(/\?/g) ?? []).map(() => 0);
  return (db.prepare(`explain query plan ${q}`).all(...args) as Array<{ detail: string }>).map((r) => r.detail);
}
