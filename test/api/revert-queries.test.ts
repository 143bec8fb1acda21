import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';
import { countQueries } from '../helpers/query-count.ts';

/**
 * What a revert costs in SQL statements, admission and execution together (no modelled
 * duration): a bound, so that the statement count, which is most of a revert's cost, does not
 * creep back up. 69 before the store's hot paths were reworked, 35 after, 36 once the system
 * snapshot entered report history, 32 once the execution stopped reading again what it had
 * read (the VM's disks, the target snapshot) and wrote its progress with its end (web-01 has
 * two disks), 26 once each disk's changed blocks were counted in one statement instead of
 * three (two chain walks and a count), the admission read the VM's busy task and the cap's
 * count in one, and SQLite's admission lock became the transaction's own write lock (BEGIN
 * IMMEDIATE) instead of a row update; 21 once the revert ran inside its admission's transaction
 * (one BEGIN and COMMIT instead of two, and the task inserted as it ended instead of inserted
 * and then updated); 20 once the work, run there, took the VM its admission had just read
 * instead of reading it again; 19 once the admission read the snapshot it names in the
 * statement that reads its busy task and cap. Admissions arriving together also share their
 * BEGIN and COMMIT.
 */
const counter = countQueries();
afterAll(() => counter.restore());

let t: TestApp;
beforeEach(async () => {
  t = await makeApp({ taskDelayMs: 0, taskQueueMs: 0 });
});
afterEach(() => t.close());

describe('revert cost in statements', () => {
  it('a revert, from POST to SUCCEEDED, stays within its statement budget', async () => {
    const I = await ids(t);
    const vm = I.vm('web-01');
    const snaps = (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}/snapshots` })).json().items as Array<{ snapshot: string; info: { name: string } }>;
    const target = snaps.find((s) => s.info.name === 'daily-1')!.snapshot;
    const url = `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}?action=revert&vmw-task=true`;
    const { result: task, queries, sqlite } = await counter.during(async () => {
      const res = await t.req({ method: 'POST', url, payload: { snapshot: target } });
      expect(res.statusCode).toBe(202);
      await t.advance(0);
      return res.json() as string;
    });
    expect((await t.req({ method: 'GET', url: `/api/snapservice/tasks/${task}` })).json().status).toBe('SUCCEEDED');
    expect(queries).toBeLessThanOrEqual(19);
    // SQLite with STAT4 prepares a statement with a bound LIMIT again on every run.
    expect(sqlite.filter((q) => /\blimit\s+\?/i.test(q))).toEqual([]);
  });
});
