import { afterEach, beforeEach, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.ts';
import type { Store } from '../../src/store/store.ts';

/**
 * Group commit: what a lone call's answer starts at once (an admitted revert's execution) runs
 * before the event loop reads new requests, so that a client polling its task right after the
 * answer does not read it before its execution could start. Calls of a batch of several still
 * wait a turn, to share a commit with what arrives meanwhile.
 */
let store: Store;
beforeEach(async () => {
  store = openSqliteStore({ dataDir: ':memory:' });
  await store.migrate();
});
afterEach(() => store.close());

const followUp = (order: string[], first: Promise<unknown>) =>
  first.then(() => {
    setImmediate(() => order.push('turn'));
    return store.batched(async (tx) => {
      order.push('follow-up');
      await tx.meta.set('f', '1');
    });
  });

it('a lone call\'s follow-up runs before the next turn of the event loop', async () => {
  const order: string[] = [];
  await followUp(order, store.batched((tx) => tx.meta.set('a', '1')));
  await new Promise((r) => setImmediate(r));
  expect(order).toEqual(['follow-up', 'turn']);
  expect(await store.repos.meta.get('f')).toBe('1');
});

it('follow-ups of a batch of several wait for the next turn of the event loop', async () => {
  const order: string[] = [];
  await Promise.all([1, 2].map((i) => followUp(order, store.batched((tx) => tx.meta.set(`b${i}`, '1')))));
  await new Promise((r) => setImmediate(r));
  // The first follow-up's setImmediate comes after the first 'turn' and before the second.
  expect(order).toEqual(['turn', 'follow-up', 'follow-up', 'turn']);
});
