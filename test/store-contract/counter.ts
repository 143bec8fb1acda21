import type { Store } from '../../src/store/store.ts';

/**
 * One read-modify-write of a counter under the admission lock, yielding between the read and
 * the write so that other transactions get every chance to interleave. Shared by the suite and
 * child.ts (which must not import vitest).
 */
export async function increment(store: Store, key = 'counter'): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.locks.acquire('admission');
    const n = Number((await tx.meta.get(key)) ?? '0');
    await new Promise((resolve) => setImmediate(resolve));
    await tx.meta.set(key, String(n + 1));
  });
}
