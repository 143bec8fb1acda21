import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import type { Harness } from './suite.ts';

/** Remembers what a test opened or created so that cleanup() can undo it, stores first. */
export class Tracker {
  private stores: Store[] = [];
  private undo: Array<() => Promise<void>> = [];

  /** Returns `store` with an idempotent close(), to be closed at cleanup. */
  store(store: Store): Store {
    let closing: Promise<void> | undefined;
    const once: Store = { ...store, close: () => (closing ??= store.close()) };
    this.stores.push(once);
    return once;
  }

  /** Runs `fn` at cleanup, after every store is closed, latest first. */
  later(fn: () => Promise<void>): void {
    this.undo.push(fn);
  }

  async cleanup(): Promise<void> {
    const stores = this.stores.splice(0);
    const undo = this.undo.splice(0).reverse();
    await Promise.allSettled(stores.map((s) => s.close()));
    for (const fn of undo) await fn();
  }
}

export function sqliteMemoryHarness(): Harness {
  const t = new Tracker();
  return {
    peersInProcess: false,
    async fresh() {
      const store = t.store(openSqliteStore({ dataDir: ':memory:' }));
      await store.migrate();
      return store;
    },
    cleanup: () => t.cleanup(),
  };
}

export function sqliteFileHarness(): Harness {
  const t = new Tracker();
  const location = async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'snapservice-contract-'));
    t.later(() => rm(dataDir, { recursive: true, force: true }));
    return { target: { store: 'sqlite', dataDir }, open: () => t.store(openSqliteStore({ dataDir })) };
  };
  return {
    peersInProcess: false,
    location,
    async fresh() {
      const store = (await location()).open();
      await store.migrate();
      return store;
    },
    cleanup: () => t.cleanup(),
  };
}
