import { afterAll, describe, expect, it } from 'vitest';
import { countQueries } from '../helpers/query-count.ts';
import { planOf, withStoreFile } from '../helpers/query-plans.ts';
import { task } from '../store-contract/fixtures.ts';

const counter = countQueries();
afterAll(() => counter.restore());

/**
 * tasks_status and tasks_vm hold unfinished tasks only (migration 0012): a finished task, each
 * revert's among them, leaves both. Every query that looks tasks up by status or VM must still
 * search them (SQLite uses a partial index only when the query has its predicate as a term),
 * and the purge of finished tasks must not scan the table.
 */
describe('the partial task indexes', () => {
  it('hold only unfinished tasks, and every status and VM lookup still searches them', async () => {
    await withStoreFile(counter, {
      setup: async ({ repos: { tasks } }) => {
        await tasks.insert(task('pending'));
        await tasks.insert(task('running', { status: 'RUNNING', owner: 'gone' }));
        await tasks.insert(task('done', { status: 'SUCCEEDED', endTime: 2000 }));
      },
      work: async ({ repos: { tasks } }) => {
        await tasks.admissionState('vm-1', ['vm.revert'], ['vm.revert']);
        await tasks.admissionState('vm-1', ['vm.revert'], ['vm.revert'], 'snap-1');
        await tasks.activeForVm('vm-1', ['vm.revert']);
        await tasks.activeForTarget('vm-1', ['vm.revert']);
        await tasks.countActive(['vm.revert']);
        await tasks.nextDue();
        await tasks.orphaned(['live']);
        await tasks.list({ statuses: ['RUNNING'] }, 10);
        await tasks.claimNext('me', Date.UTC(2030, 0, 1));
        await tasks.purgeFinished(1);
      },
      inspect: (db, sqlite) => {
        for (const index of ['tasks_status', 'tasks_vm']) {
          const { sql } = db.prepare('select sql from sqlite_master where name = ?').get(index) as { sql: string };
          expect(sql).toMatch(/ where "status" in \('PENDING', 'RUNNING', 'BLOCKED'\)$/);
          const held = db.prepare(`select id from tasks indexed by ${index} where status in ('PENDING', 'RUNNING', 'BLOCKED') order by id`).all();
          expect(held).toEqual([{ id: 'pending' }, { id: 'running' }]);
        }
        const plan = (q: string) => planOf(db, q).join(' | ');
        const lookups = sqlite.filter((q) => /from "?tasks"? where/.test(q) && !/"created_at" </.test(q));
        expect(lookups.length).toBe(9);
        for (const q of lookups) expect(plan(q)).toMatch(/SEARCH tasks USING (COVERING )?INDEX tasks_(status|vm) \((status|vm_id)=/);
        // The snapshot an admission reads with its state: by its key.
        const withSnapshot = lookups.filter((l) => /vm_snapshots/.test(l));
        expect(withSnapshot.length).toBe(1);
        expect(plan(withSnapshot[0])).toMatch(/SEARCH vm_snapshots USING INDEX sqlite_autoindex_vm_snapshots_1 \(id=\?\)/);
        const purge = sqlite.filter((q) => /^delete from "tasks"/.test(q));
        expect(purge.length).toBe(1);
        expect(plan(purge[0])).toMatch(/SEARCH tasks USING INDEX tasks_created \(created_at<\?\)/);
      },
    });
  });
});
