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
 * The scheduler asks for the standalone snapshots due to expire on every round. On a store of a
 * million snapshots a plan that reads every standalone one and sorts them costs 100+ ms of a
 * blocked event loop; the index must hand them over in expiry order instead.
 */
describe('standalone snapshot expiry queries', () => {
  it('walk an index in expiry order instead of sorting every standalone snapshot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapservice-expiry-plan-'));
    const store = openSqliteStore({ dataDir: dir });
    await store.migrate();
    const { sqlite } = await counter.during(async () => {
      await store.repos.snapshots.expiredStandalone(Date.UTC(2026, 0, 1), 100);
      await store.repos.snapshots.nextStandaloneExpiry();
    });
    await store.close();
    const db = new Database(join(dir, 'snapservice.db'), { readonly: true });
    const alone = sqlite.filter((q) => /pg_snapshot_id" is null/.test(q));
    expect(alone.length).toBe(2);
    for (const q of alone) {
      const args = (q.match(/\?/g) ?? []).map(() => 0);
      const plan = (db.prepare(`explain query plan ${q}`).all(...args) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
      expect(plan).toMatch(/USING (COVERING )?INDEX vm_snapshots_pgs_expiry \(pg_snapshot_id=\? AND expires_at[<>]\?\)/);
      expect(plan).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
    }
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
