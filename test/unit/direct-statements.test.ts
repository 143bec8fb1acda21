import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.ts';
import type { Store } from '../../src/store/store.ts';

/**
 * On SQLite the compiled hot-path statements skip Kysely's executor (src/store/sqlite/sqlite.ts). What must hold: the rows are the ones Kysely would give, every
 * statement is still observed, and a statement never sees another call's uncommitted writes.
 */
describe('direct statements on SQLite', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  async function open(onQuery?: (kind: string, seconds: number, failed: boolean) => void): Promise<Store> {
    store = openSqliteStore({ dataDir: ':memory:', onQuery });
    await store.migrate();
    await store.repos.users.insert({ name: 'alice', passwordHash: 'h', createdAt: 1 });
    return store;
  }

  it('answers outside a transaction without waiting for Kysely, rows in camel case, each statement observed', async () => {
    const seen: string[] = [];
    const s = await open((kind) => seen.push(kind));
    await s.repos.sessions.insert({ tokenHash: 't', user: 'alice', createdAt: 5, lastAccessedAt: 6 });
    seen.length = 0;
    let answered = false;
    const read = s.repos.sessions.get('t').then((r) => {
      answered = true;
      return r;
    });
    // Kysely's executor takes many more promise steps than these (connection mutex, plugins).
    for (let i = 0; i < 4; i++) await Promise.resolve();
    expect(answered).toBe(true);
    expect(await read).toEqual({ tokenHash: 't', user: 'alice', createdAt: 5, lastAccessedAt: 6 });
    await s.repos.sessions.touch('t', 9);
    expect((await s.repos.sessions.get('t'))?.lastAccessedAt).toBe(9);
    expect(seen).toEqual(['other', 'other', 'other']);
  });

  it('never sees another call\'s uncommitted writes: while a transaction is open it queues behind it', async () => {
    const s = await open();
    let during: Promise<unknown> | undefined;
    let answeredDuring = false;
    await s.transaction(async (tx) => {
      await tx.sessions.insert({ tokenHash: 'u', user: 'alice', createdAt: 1, lastAccessedAt: 1 });
      during = s.repos.sessions.get('u').then((r) => {
        answeredDuring = true;
        return r;
      });
      await tx.sessions.touch('u', 2);
      // The transaction's own read sees its write; the other call's still waits.
      expect((await tx.sessions.get('u'))?.lastAccessedAt).toBe(2);
      for (let i = 0; i < 20; i++) await Promise.resolve();
      expect(answeredDuring).toBe(false);
      throw new Error('rolled back');
    }).catch((err: unknown) => expect((err as Error).message).toBe('rolled back'));
    expect(await during).toBeUndefined();
  });

  it('inside a transaction answers at once, in the transaction, its own statements in order', async () => {
    const s = await open();
    await s.transaction(async (tx) => {
      await tx.sessions.insert({ tokenHash: 'v', user: 'alice', createdAt: 1, lastAccessedAt: 1 });
      await tx.sessions.touch('v', 3);
      let answered = false;
      const read = tx.sessions.get('v').then((r) => {
        answered = true;
        return r;
      });
      for (let i = 0; i < 4; i++) await Promise.resolve();
      expect(answered).toBe(true);
      expect((await read)?.lastAccessedAt).toBe(3);
    });
    expect((await s.repos.sessions.get('v'))?.lastAccessedAt).toBe(3);
  });
});
