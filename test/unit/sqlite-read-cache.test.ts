import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { keyOf, ReadCache } from '../../src/store/sqlite/read-cache.ts';
import type { Store } from '../../src/store/store.ts';
import { task } from '../store-contract/fixtures.ts';
import { nextTask, storesWithOtherConnection } from '../helpers/other-connection.ts';

/**
 * The direct path's read cache on SQLite (src/store/sqlite/read-cache.ts): a read answered from
 * it must be the one the store would answer. Another connection on the same file stands for
 * another process (SQLite tells them apart by connection, not by process).
 */
describe('read cache of direct statements on SQLite', () => {
  const files = storesWithOtherConnection('read-cache-');

  async function open(): Promise<{ store: Store; statements: string[]; other: Database.Database }> {
    const statements: string[] = [];
    const { store, other } = await files.open(async (s) => {
      await s.repos.users.insert({ name: 'alice', passwordHash: 'h', createdAt: 1 });
      for (const t of ['x', 'z']) await s.repos.sessions.insert({ tokenHash: t, user: 'alice', createdAt: 1, lastAccessedAt: 1 });
    }, (kind) => statements.push(kind));
    return { store, statements, other };
  }
  const touchedAt = async (s: Store, token: string): Promise<number | undefined> => (await s.repos.sessions.get(token))?.lastAccessedAt;

  it('answers a repeated read from the cache, without a statement', async () => {
    const { store, statements } = await open();
    await nextTask();
    statements.length = 0;
    expect(await touchedAt(store, 'x')).toBe(1);
    expect(await touchedAt(store, 'x')).toBe(1);
    await nextTask();
    expect(await touchedAt(store, 'x')).toBe(1);
    expect(statements).toEqual(['other']);
  });

  it('sees another connection\'s commit in the next macrotask', async () => {
    const { store, other } = await open();
    expect(await touchedAt(store, 'x')).toBe(1);
    await nextTask();
    expect(await touchedAt(store, 'x')).toBe(1);
    other.prepare('update sessions set last_accessed_at = 2 where token_hash = ?').run('x');
    await nextTask();
    expect(await touchedAt(store, 'x')).toBe(2);
  });

  it('never answers older than a read it already answered', async () => {
    const { store, other } = await open();
    expect(await touchedAt(store, 'x')).toBe(1);
    await nextTask();
    expect(await touchedAt(store, 'x')).toBe(1);
    // Committed after this macrotask's check: a read that runs now sees it, and from then on
    // the cached rows (older) may not be answered without checking again.
    other.prepare('update sessions set last_accessed_at = 3').run();
    expect(await touchedAt(store, 'z')).toBe(3);
    expect(await touchedAt(store, 'x')).toBe(3);
    other.prepare('update sessions set last_accessed_at = 4').run();
    other.prepare('update users set password_hash = ?').run('h4');
    expect((await store.repos.users.get('alice'))?.passwordHash).toBe('h4');
    expect(await touchedAt(store, 'x')).toBe(4);
  });

  it('sees its own writes at once, on the direct path and Kysely\'s: insert, update, delete, RETURNING', async () => {
    const { store } = await open();
    // Direct update.
    expect(await touchedAt(store, 'x')).toBe(1);
    await store.repos.sessions.touch('x', 5);
    expect(await touchedAt(store, 'x')).toBe(5);
    // Kysely's insert and delete.
    expect(await touchedAt(store, 'y')).toBeUndefined();
    await store.repos.sessions.insert({ tokenHash: 'y', user: 'alice', createdAt: 1, lastAccessedAt: 6 });
    expect(await touchedAt(store, 'y')).toBe(6);
    await store.repos.sessions.delete('y');
    expect(await touchedAt(store, 'y')).toBeUndefined();
    // Direct insert and update.
    expect(await store.repos.tasks.get('t1')).toBeUndefined();
    await store.repos.tasks.insert(task('t1'));
    expect((await store.repos.tasks.get('t1'))?.status).toBe('PENDING');
    await store.repos.tasks.update('t1', { status: 'RUNNING' }, null);
    expect((await store.repos.tasks.get('t1'))?.status).toBe('RUNNING');
    // Direct insert ... RETURNING (a reader that writes).
    const first = await store.repos.layers.create(null);
    expect(await store.repos.layers.parentOf(first + 1)).toBeUndefined();
    const second = await store.repos.layers.create(first);
    expect(second).toBe(first + 1);
    expect(await store.repos.layers.parentOf(second)).toBe(first);
  });

  it('never caches nor answers from the cache inside a transaction', async () => {
    const { store, statements } = await open();
    expect(await touchedAt(store, 'x')).toBe(1);
    await store.transaction(async (tx) => {
      statements.length = 0;
      expect((await tx.sessions.get('x'))?.lastAccessedAt).toBe(1);
      expect((await tx.sessions.get('x'))?.lastAccessedAt).toBe(1);
      expect(statements).toEqual(['other', 'other']);
    });
  });

  it('a rollback leaves no stale rows', async () => {
    const { store } = await open();
    expect(await touchedAt(store, 'x')).toBe(1);
    await store.transaction(async (tx) => {
      await tx.sessions.touch('x', 7);
      expect((await tx.sessions.get('x'))?.lastAccessedAt).toBe(7);
      throw new Error('rolled back');
    }).catch((err: unknown) => expect((err as Error).message).toBe('rolled back'));
    expect(await touchedAt(store, 'x')).toBe(1);
  });

  it('keeps at most its bound of rows, frozen', () => {
    const raw = new Database(':memory:');
    files.closeAfter(() => raw.close());
    const cache = new ReadCache(raw, 3);
    const a = { rows: new Map<string, readonly unknown[]>() };
    const b = { rows: new Map<string, readonly unknown[]>() };
    expect(cache.get(a, 'k')).toBeUndefined();
    const kept = cache.put(a, 'k', [{ n: 1 }, { n: 2 }]);
    expect(Object.isFrozen(kept) && Object.isFrozen(kept[0])).toBe(true);
    expect(() => ((kept[0] as { n: number }).n = 3)).toThrow(TypeError);
    expect(cache.get(a, 'k')).toBe(kept);
    cache.put(b, 'k', [{ n: 3 }, { n: 4 }]);
    expect(cache.get(a, 'k')).toBeUndefined();
    expect(cache.get(b, 'k')).toHaveLength(2);
  });

  it('gives no two parameter lists one key; a lone string is its own key', () => {
    const lists: unknown[][] = [
      [], [''], ['a'], ['\u0000'], ['\u0000a'], ['\u0000s1:a'], ['s1:a'], ['n1;'], ['\u0000n1;'], [1], ['1'], [-0], [0], [1n], [true], ['t;'],
      [null], ['N;'], ['a', 'b'], ['a,b'], ['s1:a', 'b'], ['\u0000s1:as1:b'], [1, 2], ['n1;n2;'], ['\u0000n1;n2;'],
    ];
    const keys = lists.map((l) => keyOf(l));
    expect(new Set(keys).size).toBe(lists.length);
    const token = 'ab'.repeat(32);
    expect(keyOf([token])).toBe(token);
    expect(keyOf([Buffer.from('a')])).toBeUndefined();
  });
});
