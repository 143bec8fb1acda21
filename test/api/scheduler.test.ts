import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock/clock.ts';
import { testConfig } from '../../src/config/config.ts';
import { createRuntime } from '../../src/runtime.ts';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';

const H = 3600_000;
let t: TestApp;
let I: Awaited<ReturnType<typeof ids>>;
beforeEach(async () => {
  t = await makeApp({ taskDelayMs: 0, taskQueueMs: 0 });
  I = await ids(t);
});
afterEach(() => t.close());

const base = () => `/api/snapservice/clusters/${I.clusterA}/protection-groups`;

async function createGroup(spec: Record<string, unknown>): Promise<string> {
  const res = await t.req({ method: 'POST', url: `${base()}?vmw-task=true`, payload: spec });
  await t.advance(0);
  return (await t.req({ method: 'GET', url: `/api/snapservice/tasks/${res.json()}` })).json().result;
}

const scheduledOf = async (vm: string) =>
  (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}/snapshots?snapshot_type=SCHEDULED` })).json().items;

describe('the scheduler', () => {
  it('takes SCHEDULED snapshots every interval, aligned to creation, and expires them after retention', async () => {
    const created = t.clock.now();
    const pg = await createGroup({
      name: 'web', target_entities: { vm_name_patterns: ['web-*'] },
      snapshot_policies: [{ name: 'hourly', schedule: { unit: 'HOUR', interval: 1 }, retention: { unit: 'HOUR', duration: 4 } }],
    });
    await t.advance(3 * H + 60_000);
    for (const name of ['web-01', 'web-02', 'web-03']) {
      const snaps = await scheduledOf(I.vm(name));
      expect(snaps.map((s: any) => s.info.created_at)).toEqual([1, 2, 3].map((k) => new Date(created + k * H).toISOString()));
      expect(snaps[0].info.pg).toBe(pg);
      expect(snaps[0].info.expires_at).toBe(new Date(created + 5 * H).toISOString());
      expect(snaps[0].info.name).toMatch(/^web-hourly-\d{8}T\d{6}Z$/);
    }
    const pgSnaps = (await t.req({ method: 'GET', url: `${base()}/${pg}/snapshots` })).json().snapshots;
    expect(pgSnaps).toHaveLength(3);
    expect(pgSnaps[0].info).toMatchObject({ snapshot_type: 'SCHEDULED', pg });
    expect(pgSnaps[0].info.vm_snapshots).toHaveLength(3);
    const info = (await t.req({ method: 'GET', url: `${base()}/${pg}` })).json();
    expect(info.snapshots).toEqual(pgSnaps.map((s: any) => s.snapshot));
    expect(info.oldest_snapshot_time).toBe(new Date(created + H).toISOString());

    await t.advance(5 * H);
    const left = (await scheduledOf(I.vm('web-01'))).map((s: any) => s.info.created_at);
    expect(left).toEqual([5, 6, 7, 8].map((k) => new Date(created + k * H).toISOString()));
  });

  it('follows renames: membership is evaluated at each snapshot', async () => {
    await createGroup({
      name: 'g', target_entities: { vm_name_patterns: ['db-*'] },
      snapshot_policies: [{ name: 'h', schedule: { unit: 'HOUR', interval: 1 }, retention: { unit: 'DAY', duration: 1 } }],
    });
    await t.advance(H);
    await t.runtime.deps.store.repos.vms.update(I.vm('cache-01'), { name: 'db-cache' });
    await t.advance(H);
    expect(await scheduledOf(I.vm('db-01'))).toHaveLength(2);
    expect(await scheduledOf(I.vm('cache-01'))).toHaveLength(1);
  });

  it('pause stops creation and expiry; resume continues from now', async () => {
    const pg = await createGroup({
      name: 'g', target_entities: { vms: [I.vm('db-01')] },
      snapshot_policies: [{ name: 'h', schedule: { unit: 'HOUR', interval: 1 }, retention: { unit: 'HOUR', duration: 2 } }],
    });
    await t.advance(2 * H);
    expect(await scheduledOf(I.vm('db-01'))).toHaveLength(2);
    await t.req({ method: 'POST', url: `${base()}/${pg}?action=pause&vmw-task=true` });
    await t.advance(10 * H);
    expect(await scheduledOf(I.vm('db-01'))).toHaveLength(2);
    await t.req({ method: 'POST', url: `${base()}/${pg}?action=resume&vmw-task=true` });
    await t.advance(0);
    expect(await scheduledOf(I.vm('db-01'))).toHaveLength(0);
    await t.advance(H);
    expect(await scheduledOf(I.vm('db-01'))).toHaveLength(1);
  });

  it('exposes and moves the clock through the simulation API', async () => {
    const now = (await t.req({ method: 'GET', url: '/api/sim/clock' })).json().now;
    expect(now).toBe(new Date(t.clock.now()).toISOString());
    const res = await t.req({ method: 'POST', url: '/api/sim/clock?action=advance', payload: { seconds: 90 } });
    expect(res.json().now).toBe(new Date(Date.parse(now) + 90_000).toISOString());
    expect((await t.req({ method: 'POST', url: '/api/sim/clock?action=advance', payload: { seconds: -1 } })).statusCode).toBe(400);
    expect((await t.req({ method: 'POST', url: '/api/sim/clock?action=advance', payload: { seconds: 1 }, as: 'readonly' })).statusCode).toBe(403);
  });
});

describe('after a restart', () => {
  it('catches up with ONE snapshot per policy, not one per missed run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sched-'));
    const start = Date.UTC(2026, 10, 27, 9);
    const config = testConfig({ dataDir: dir, seed: 'demo', taskDelayMs: 0, taskQueueMs: 0 });
    let rt = await createRuntime(config, { clock: new ManualClock(start) });
    const repos = () => rt.deps.store.repos;
    const cluster = (await repos().inventory.listClusters())[0];
    await rt.deps.store.transaction((tx) => tx.groups.insert({
      id: 'pg-1', clusterId: cluster.id, name: 'g', status: 'ACTIVE', locked: false, createdAt: start, scheduleAnchor: start,
      targetEntities: { vmNamePatterns: ['web-01'] },
      policies: [{ name: 'h', schedule: { unit: 'HOUR', interval: 1 }, retention: { unit: 'DAY', duration: 2 } }],
    }));
    rt.scheduler.notify();
    await (rt.clock as ManualClock).advance(H);
    expect((await repos().groupSnapshots.list('pg-1')).length).toBe(1);
    await rt.close();

    rt = await createRuntime(config, { clock: new ManualClock(start + 10.5 * H) });
    await (rt.clock as ManualClock).advance(0);
    const after = await repos().groupSnapshots.list('pg-1');
    expect(after.map((s) => s.startTime)).toEqual([start + H, start + 10.5 * H]);
    await (rt.clock as ManualClock).advance(H);
    expect((await repos().groupSnapshots.list('pg-1')).map((s) => s.startTime).at(-1)).toBe(start + 11 * H);
    await rt.close();
  });
});
