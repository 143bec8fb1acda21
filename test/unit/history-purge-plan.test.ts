import { afterAll, describe, expect, it } from 'vitest';
import { countQueries } from '../helpers/query-count.ts';
import { planOf, withStoreFile } from '../helpers/query-plans.ts';

const counter = countQueries();
afterAll(() => counter.restore());

/**
 * snapshot_history has no index on started_at of its own since migration 0012 (every revert
 * wrote an entry into it): the scheduler's oldest attempt and its purge by start time skip
 * through snapshot_history_cluster one cluster at a time instead of reading the table.
 */
describe('the oldest attempt and the history purge', () => {
  it('search snapshot_history_cluster and never scan the table', async () => {
    await withStoreFile(counter, {
      work: async (store) => {
        await store.repos.history.oldest();
        await store.repos.history.purge(100);
      },
      inspect: (db, sqlite) => {
        const found = sqlite.filter((q) => /snapshot_history/.test(q));
        expect(found.length).toBe(2);
        for (const q of found) {
          const plan = planOf(db, q).filter((d) => /snapshot_history/.test(d));
          expect(plan.length).toBeGreaterThan(0);
          // A bare SEARCH on the index is min(cluster_id): its first entry.
          for (const d of plan) expect(d).toMatch(/^SEARCH \w+ USING (COVERING )?INDEX snapshot_history_cluster($| \(cluster_id[=>])/);
        }
      },
    });
  });
});
