import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable, scratchDatabase } from '../store-contract/pg-harness.ts';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';

/**
 * The whole server on the PostgreSQL adapter: the store contract proves the repositories; this
 * proves the pieces that lean on the engine together (task claims, the admission and scheduler
 * locks, transactions spanning the disk engine) on a fresh database.
 */
const available = await postgresAvailable();
if (!available) console.warn('PostgreSQL app test skipped: no server reachable (see test/store-contract/pg-harness.ts)');

describe.skipIf(!available)('the server on PostgreSQL', () => {
  let t: TestApp;
  let db: Awaited<ReturnType<typeof scratchDatabase>> | undefined;
  let I: Awaited<ReturnType<typeof ids>>;
  beforeAll(async () => {
    db = await scratchDatabase('app');
    t = await makeApp({ store: db.url.toString(), taskDelayMs: 1000, taskQueueMs: 0 });
    I = await ids(t);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('reverts VMs to exactly their snapshot data, with the cap holding under concurrency', async () => {
    const url = `/api/snapservice/clusters/${I.clusterA}/virtual-machines`;
    const names = ['web-01', 'web-02', 'web-03', 'db-01', 'db-02', 'app-01'];
    const plans = await Promise.all(names.map(async (name) => {
      const vm = I.vm(name);
      const [s] = (await t.req({ method: 'GET', url: `${url}/${vm}/snapshots?names=daily-1` })).json().items;
      const wanted = (await t.req({ method: 'GET', url: `/api/sim/vms/${vm}/snapshots/${s.snapshot}/disks/2001` })).json().digest;
      return { vm, snapshot: s.snapshot as string, wanted: wanted as string };
    }));
    const submits = await Promise.all(plans.map((p) =>
      t.req({ method: 'POST', url: `${url}/${p.vm}?action=revert&vmw-task=true`, payload: { snapshot: p.snapshot } })));
    const accepted = plans.filter((_, i) => submits[i].statusCode === 202);
    expect(accepted).toHaveLength(4);
    for (const r of submits.filter((x) => x.statusCode !== 202)) expect(r.json().error_type).toBe('NOT_ALLOWED_IN_CURRENT_STATE');
    await t.advance(1500);
    for (const [i, p] of plans.entries()) {
      if (submits[i].statusCode !== 202) continue;
      expect((await t.req({ method: 'GET', url: `/api/snapservice/tasks/${submits[i].json()}` })).json().status).toBe('SUCCEEDED');
      expect((await t.req({ method: 'GET', url: `/api/sim/vms/${p.vm}/disks/2001` })).json().digest).toBe(p.wanted);
    }
  });

  it('schedules and expires group snapshots', async () => {
    const base = `/api/snapservice/clusters/${I.clusterA}/protection-groups`;
    const res = await t.req({ method: 'POST', url: `${base}?vmw-task=true`, payload: {
      name: 'pg-on-pg', target_entities: { vm_name_patterns: ['cache-*'] },
      snapshot_policies: [{ name: 'h', schedule: { unit: 'HOUR', interval: 1 }, retention: { unit: 'HOUR', duration: 2 } }],
    } });
    await t.advance(1500);
    const pg = (await t.req({ method: 'GET', url: `/api/snapservice/tasks/${res.json()}` })).json().result;
    await t.advance(5 * 3600_000);
    const snaps = (await t.req({ method: 'GET', url: `${base}/${pg}/snapshots` })).json().snapshots;
    expect(snaps).toHaveLength(2);
  });
});
