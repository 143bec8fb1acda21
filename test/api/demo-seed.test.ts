import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';

const H = 3600_000;
let t: TestApp;
let I: Awaited<ReturnType<typeof ids>>;
beforeAll(async () => {
  t = await makeApp({ seed: 'demo', taskDelayMs: 0, taskQueueMs: 0 });
  I = await ids(t);
});
afterAll(() => t.close());

const groups = async (cluster: string) => (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${cluster}/protection-groups` })).json().items;
const snaps = async (cluster: string, pg: string) => (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${cluster}/protection-groups/${pg}/snapshots` })).json().snapshots;

describe('the demo seed', () => {
  it('has a pattern group with history, a locked group and a paused group', async () => {
    const a = await groups(I.clusterA);
    expect(a.map((g: any) => [g.info.name, g.info.status, g.info.locked])).toEqual([['web-tier', 'ACTIVE', false], ['databases', 'ACTIVE', true]]);
    const [web, db] = a;
    expect(web.info.vms).toEqual([I.vm('web-01'), I.vm('web-02'), I.vm('web-03')]);
    const webSnaps = await snaps(I.clusterA, web.pg);
    expect(webSnaps).toHaveLength(9);
    expect(webSnaps.every((s: any) => s.info.snapshot_type === 'SCHEDULED' && s.info.vm_snapshots.length === 3)).toBe(true);
    expect(await snaps(I.clusterA, db.pg)).toHaveLength(6);
    const [analytics] = await groups(I.clusterB);
    expect(analytics.info).toMatchObject({ name: 'analytics', status: 'PAUSED' });
    expect(await snaps(I.clusterB, analytics.pg)).toHaveLength(3);

    const vm = (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${I.vm('web-01')}` })).json();
    expect(vm).toMatchObject({ local_protection_enabled: true, protection_groups: [web.pg], snapshot_count: 11 });
    const paused = (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterB}/virtual-machines/${I.vm('analytics-01')}` })).json();
    expect(paused.local_protection_enabled).toBe(false);
  });

  it('has labelled snapshots, shown by the 9.1 listing, of every kind the listing covers', async () => {
    const all = (await t.req({ method: 'GET', url: '/api/snapservice/virtual-machines/snapshots?page_size=1000' })).json();
    const labelled = all.snapshots.filter((s: any) => s.labels.length > 0).map((s: any) => [s.vm, s.name, s.labels]);
    // Snapshots taken at one instant are in id order, and ids are random.
    expect(labelled).toHaveLength(3);
    expect(labelled).toEqual(expect.arrayContaining([
      [I.vm('db-01'), 'daily-1', [{ category: 'retention', name: 'legal-hold' }]],
      [I.vm('web-01'), 'daily-2', [{ category: 'change', name: 'CHG-1042' }, { category: 'environment', name: 'production' }]],
      [I.vm('build-01'), 'daily-2', [{ category: 'environment', name: 'ci' }]],
    ]));
    expect(new Set(all.snapshots.map((s: any) => s.snapshot_type))).toEqual(new Set(['SCHEDULED', 'ONE_TIME']));
  });

  it('keeps running: an hour later web-tier has a new hourly snapshot and lost its oldest', async () => {
    const [web] = await groups(I.clusterA);
    const before = (await snaps(I.clusterA, web.pg)).map((s: any) => s.snapshot);
    await t.advance(H);
    const after = (await snaps(I.clusterA, web.pg)).map((s: any) => s.snapshot);
    expect(after).toHaveLength(9);
    expect(after.filter((s: string) => !before.includes(s))).toHaveLength(1);
  });
});
