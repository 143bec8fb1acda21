import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.ts';
import { countQueries } from '../helpers/query-count.ts';

const counter = countQueries();
afterAll(() => counter.restore());

/**
 * snapshot_history has no index on started_at of its own since migration 0012 (every revert
 * wrote an entry into it): the scheduler's oldest attempt and its purge by start time skip
 * through snapshot_history_cluster one cluster at a time instead of reading the table.
 */
describe('the oldest attempt and the history purge', () => {
  it('search snapshot_history_cluster and never scan the table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapservice-history-plan-'));
    try {
      const store = openSqliteStore({ dataDir: dir });
      await store.migrate();
      const { sqlite } = await counter.during(async () => {
        await store.repos.history.oldest();
        await store.repos.history.purge(100);
      });
      await store.close();
      const db = new Database(join(dir, 'snapservice.db'), { readonly: true });
      try {
        const found = sqlite.filter((q) => /snapshot_history/.test(q));
        expect(found.length).toBe(2);
        for (const q of found) {
          const plan = (db.prepare(`explain query plan ${q}`).all(...(q.match(/\?/g) ?? []).map(() => 0)) as Array<{ detail: string }>)
            .map((r) => r.detail).filter((d) => /snapshot_history/.test(d));
          expect(plan.length).toBeGreaterThan(0);
          // A bare SEARCH on the index is min(cluster_id): its first entry.
          for (const d of plan) expect(d).toMatch(/^SEARCH \w+ USING (COVERING )?INDEX snapshot_history_cluster($| \(cluster_id[=>])/);
        }
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
