import { afterAll, describe, expect, it } from 'vitest';
import { countQueries } from '../helpers/query-count.ts';
import { planOf, withStoreFile } from '../helpers/query-plans.ts';
import { snapshot } from '../store-contract/fixtures.ts';

const counter = countQueries();
afterAll(() => counter.restore());

/**
 * vm_snapshots_own_expiry indexes only the group members given an expiry of their own
 * (migration 0011): every other snapshot, the system snapshot of each revert among them, no
 * longer writes an entry. The scheduler's two queries for those members must still walk it.
 */
describe('the partial own-expiry index', () => {
  it('holds only own_expiry = 1 rows, and both own-expiry queries still search it', async () => {
    await withStoreFile(counter, {
      setup: async (store) => {
        await store.repos.snapshots.insert(snapshot('plain', { expiresAt: 10 }), []);
        await store.repos.snapshots.insert(snapshot('member', { expiresAt: 20, pgId: 'pg', pgSnapshotId: 'pgs' }), []);
        await store.repos.snapshots.update('member', { expiresAt: 15 });
      },
      work: async (store) => {
        await store.repos.snapshots.expiredStandalone(Date.UTC(2026, 0, 1), 100);
        await store.repos.snapshots.nextStandaloneExpiry();
      },
      inspect: (db, sqlite) => {
        const index = db.prepare("select sql from sqlite_master where name = 'vm_snapshots_own_expiry'").get() as { sql: string };
        expect(index.sql).toMatch(/\("expires_at"\) where "own_expiry" = 1$/);
        const found = db.prepare('select id from vm_snapshots indexed by vm_snapshots_own_expiry where own_expiry = 1 and expires_at > 0').all();
        expect(found).toEqual([{ id: 'member' }]);
        const own = sqlite.filter((q) => /"own_expiry" = 1/.test(q));
        expect(own.length).toBe(2);
        for (const q of own) expect(planOf(db, q).join(' | ')).toMatch(/SEARCH vm_snapshots USING INDEX vm_snapshots_own_expiry \(expires_at[<>]\?\)/);
      },
    });
  });
});
