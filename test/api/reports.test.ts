import { describe, expect, it, vi } from 'vitest';
import { createGroup, DAY, deleteVm, get, H, hourly, I, R, restart, t, useReportsApp } from './reports-helpers.ts';

useReportsApp();

describe('snapshot reports', () => {
  it('report every scheduled attempt of a group and its VMs, paged in creation order', async () => {
    const start = t.clock.now();
    const pg = await createGroup({ name: 'web', target_entities: { vm_name_patterns: ['web-*'] }, snapshot_policies: [hourly] });
    await t.advance(3 * H);

    const all = await get(`${R()}/protection-groups/snapshots`);
    expect(all.total_count).toBe(3);
    expect(all.snapshots.map((s: any) => s.creation_time)).toEqual([1, 2, 3].map((k) => new Date(start + k * H).toISOString()));
    const live = (await get(`/api/snapservice/clusters/${I.clusterA}/protection-groups/${pg}/snapshots`)).snapshots.map((s: any) => s.snapshot);
    expect(all.snapshots.map((s: any) => s.snapshot)).toEqual(live);
    expect(all.snapshots[0]).toEqual({
      pg, name: expect.stringMatching(/^web-hourly-/), snapshot: live[0], status: 'SUCCESS', creation_time: new Date(start + H).toISOString(),
      expiration_time: new Date(start + H + DAY).toISOString(), snapshot_type: 'SCHEDULED', deleted: false,
    });

    const page = await get(`${R()}/protection-groups/snapshots?page_size=2&offset=2`);
    expect(page).toEqual({ snapshots: [all.snapshots[2]], total_count: 3 });
    expect(await get(`${R()}/protection-groups/snapshots?iterate.page_size=1&offset=9`)).toEqual({ snapshots: [], total_count: 3 });
    expect((await get(`${R()}/protection-groups/snapshots?pgs=${pg}&pgs=other`)).total_count).toBe(3);
    expect((await get(`${R()}/protection-groups/snapshots?pgs=other`)).total_count).toBe(0);
    const window = `start_time=${new Date(start + 2 * H).toISOString()}&end_time=${new Date(start + 3 * H).toISOString()}`;
    expect((await get(`${R()}/protection-groups/snapshots?${window}`)).total_count).toBe(2);

    const vms = await get(`${R()}/virtual-machines/snapshots?page_size=1000`);
    expect(vms.total_count).toBe(9);
    expect(vms.snapshots[0]).toMatchObject({ pg, pg_snapshot: live[0], status: 'SUCCESS', snapshot_type: 'SCHEDULED', deleted: false });
    expect((await get(`${R()}/virtual-machines/snapshots?vms=${I.vm('web-01')}`)).total_count).toBe(3);

    expect(await get(`${R()}/protection-groups/snapshot-status-counts?aggregateBy=protection-group`))
      .toEqual({ items: [{ pg, info: { success_count: 3, warning_count: 0, error_count: 0 } }] });
    const byVm = await get(`${R()}/virtual-machines/snapshot-status-counts?aggregateBy=virtual-machine`);
    expect(byVm.items).toHaveLength(3);
    expect(byVm.items[0].info).toEqual({ success_count: 3, error_count: 0 });

    // A day's range is cut into hours; the default 90 days into days.
    const day = await get(`${R()}/protection-groups/snapshot-status-counts?aggregateBy=time-slice&start_time=${new Date(start).toISOString()}&end_time=${new Date(start + DAY).toISOString()}`);
    expect(day.items).toHaveLength(24);
    expect(day.items.slice(0, 4).map((s: any) => s.info.success_count)).toEqual([0, 1, 1, 1]);
    expect(day.items[1]).toEqual({ start_time: new Date(start + H).toISOString(), end_time: new Date(start + 2 * H).toISOString(), info: { success_count: 1, warning_count: 0, error_count: 0 } });
    const quarter = await get(`${R()}/virtual-machines/snapshot-status-counts?aggregateBy=time-slice`);
    expect(quarter.items).toHaveLength(90);
    expect(quarter.items.at(-1).end_time).toBe(new Date(t.clock.now()).toISOString());
    expect(quarter.items.at(-1).info).toEqual({ success_count: 9, error_count: 0 });
  });

  it('record a member VM deleted from the inventory, and one at its snapshot limit, as failures', async () => {
    const [web1, web2] = [I.vm('web-01'), I.vm('web-02')];
    // One more snapshot for web-01 than the demo gave it, then the limit.
    t.runtime.deps.config.limits.snapshotsPerVm = (await t.runtime.deps.store.repos.snapshots.countForVm(web1)) + 1;
    const pg = await createGroup({ name: 'pair', target_entities: { vms: [web1, web2] }, snapshot_policies: [hourly] });
    await deleteVm(web2);
    await t.advance(H);
    const [first] = (await get(`${R()}/protection-groups/snapshots`)).snapshots;
    expect(first).toMatchObject({ pg, status: 'WARNING', snapshot_type: 'SCHEDULED', deleted: false });
    expect(first.warnings).toHaveLength(1);
    expect(first.warnings[0].messages[0]).toMatchObject({ id: 'com.vmware.snapservice.pg.snapshot.vm_gone', args: [web2, I.clusterA] });
    const failed = (await get(`${R()}/virtual-machines/snapshots?vms=${web2}`)).snapshots;
    expect(failed).toEqual([{
      name: first.name, pg_snapshot: first.snapshot, pg, vm: web2, status: 'ERROR', error: first.warnings[0],
      creation_time: first.creation_time, snapshot_type: 'SCHEDULED', deleted: true,
    }]);

    // web-01 now holds its one allowed snapshot: the next run fails for every member.
    await t.advance(H);
    const second = (await get(`${R()}/protection-groups/snapshots`)).snapshots[1];
    expect(second.status).toBe('ERROR');
    expect(second.snapshot).toBeUndefined();
    expect(second.snapshot_type).toBeUndefined();
    expect(second.errors.map((e: any) => e.messages[0].id)).toEqual(['com.vmware.snapservice.vm.snapshot_limit', 'com.vmware.snapservice.pg.snapshot.vm_gone']);
    expect(await get(`${R()}/protection-groups/snapshot-status-counts?aggregateBy=protection-group`))
      .toEqual({ items: [{ pg, info: { success_count: 0, warning_count: 1, error_count: 1 } }] });
    expect((await get(`${R()}/virtual-machines/snapshot-status-counts?aggregateBy=virtual-machine`)).items)
      .toEqual([{ vm: web1, info: { success_count: 1, error_count: 1 } }, { vm: web2, info: { success_count: 0, error_count: 2 } }].sort((a, b) => (a.vm < b.vm ? -1 : 1)));

    const vmList = (await get(`${R()}/virtual-machines`)).items;
    expect(vmList.find((v: any) => v.vm === web2)).toEqual({ vm: web2, info: { name: 'web-02', deleted: true, exists: false } });
    expect(vmList.find((v: any) => v.vm === web1)).toEqual({ vm: web1, info: { name: 'web-01', deleted: false, exists: true } });
  });

  it('record a scheduled run whose transaction fails as one failed attempt, and go on at the next run', async () => {
    const pg = await createGroup({ name: 'web', target_entities: { vm_name_patterns: ['web-*'] }, snapshot_policies: [hourly] });
    const store = t.runtime.deps.store;
    const real = store.transaction.bind(store);
    let armed = true;
    const spy = vi.spyOn(store, 'transaction').mockImplementation((fn: any) => real(async (tx) => {
      const out = await fn(tx);
      if (armed && (await tx.groupSnapshots.list(pg)).length > 0) {
        armed = false;
        throw new Error('simulated write failure');
      }
      return out;
    }));
    await t.advance(H);
    spy.mockRestore();
    await t.advance(H);
    const { snapshots } = await get(`${R()}/protection-groups/snapshots`);
    expect(snapshots.map((s: any) => s.status)).toEqual(['ERROR', 'SUCCESS']);
    expect(snapshots[0]).toMatchObject({ pg, deleted: true, errors: [{ messages: [{ id: 'com.vmware.snapservice.snapshot.failed' }] }] });
    expect(snapshots[0].snapshot).toBeUndefined();
    expect((await get(`/api/snapservice/clusters/${I.clusterA}/protection-groups/${pg}/snapshots`)).snapshots).toHaveLength(1);
  });

  it('record a one-time snapshot whose transaction fails as a failed attempt of a failed task', async () => {
    const pg = await createGroup({ name: 'web', target_entities: { vm_name_patterns: ['web-*'] }, snapshot_policies: [] });
    const store = t.runtime.deps.store;
    const real = store.transaction.bind(store);
    const spy = vi.spyOn(store, 'transaction').mockImplementation((fn: any) => real(async (tx) => {
      const out = await fn(tx);
      if ((await tx.groupSnapshots.list(pg)).length > 0) throw new Error('simulated write failure');
      return out;
    }));
    try {
      const res = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/protection-groups/${pg}/snapshots?vmw-task=true`, payload: { name: 'manual' } });
      expect(res.statusCode, res.payload).toBe(202);
      await t.advance(0);
      expect((await get(`/api/snapservice/tasks/${res.json()}`)).status).toBe('FAILED');
    } finally {
      spy.mockRestore();
    }
    const { snapshots } = await get(`${R()}/protection-groups/snapshots`);
    expect(snapshots).toEqual([{
      pg, name: 'manual', status: 'ERROR', creation_time: expect.any(String), deleted: true,
      errors: [{ messages: [expect.objectContaining({ id: 'com.vmware.snapservice.snapshot.failed' })] }],
    }]);
    const [recorded] = (await store.repos.history.page({ clusterId: I.clusterA, kind: 'PG', from: 0, to: t.clock.now() }, 10, 0)).items;
    expect(recorded).toMatchObject({ type: 'ONE_TIME', snapshotId: null, pgName: 'web' });
  });

  it('keep groups deleted since, with their names and history, and purge history past the retention', async () => {
    await restart({ reportRetentionMs: 3 * H });
    const pg = await createGroup({ name: 'gone', target_entities: { vm_name_patterns: ['web-*'] }, snapshot_policies: [hourly] });
    const kept = await createGroup({ name: 'kept', target_entities: { vm_name_patterns: ['db-*'] }, snapshot_policies: [] });
    await t.advance(2 * H);
    const del = await t.req({ method: 'DELETE', url: `/api/snapservice/clusters/${I.clusterA}/protection-groups/${pg}?vmw-task=true&force=true` });
    expect(del.statusCode, del.payload).toBe(202);
    await t.advance(0);
    expect((await get(`${R()}/protection-groups`)).items).toEqual([
      { pg: kept, info: { name: 'kept', deleted: false, status: 'ACTIVE' } },
      { pg, info: { name: 'gone', deleted: true } },
    ]);
    const { snapshots } = await get(`${R()}/protection-groups/snapshots`);
    expect(snapshots.map((s: any) => [s.status, s.deleted])).toEqual([['SUCCESS', true], ['SUCCESS', true]]);

    await t.advance(2 * H + 60_000); // the first attempt is now older than 3 hours
    expect((await get(`${R()}/protection-groups/snapshots?start_time=2000-01-01T00:00:00Z`)).total_count).toBe(1);
    await t.advance(H);
    expect((await get(`${R()}/protection-groups`)).items).toEqual([{ pg: kept, info: { name: 'kept', deleted: false, status: 'ACTIVE' } }]);
  });

  it('record one-time group snapshots, snapshots of a single VM and the system snapshot before a revert too', async () => {
    const pg = await createGroup({ name: 'db', target_entities: { vm_name_patterns: ['db-*'] }, snapshot_policies: [] });
    const res = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/protection-groups/${pg}/snapshots?vmw-task=true`, payload: { name: 'before-upgrade' } });
    expect(res.statusCode, res.payload).toBe(202);
    await t.advance(0);
    const [one] = (await get(`${R()}/protection-groups/snapshots`)).snapshots;
    expect(one).toMatchObject({ pg, name: 'before-upgrade', snapshot_type: 'ONE_TIME', status: 'SUCCESS' });
    expect(one.expiration_time).toBeUndefined();
    const history = await t.runtime.deps.store.repos.history.page({ clusterId: I.clusterA, kind: 'VM', from: 0, to: t.clock.now() }, 100, 0);
    const mine = history.items.filter((a) => a.pgId === pg);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((a) => a.pgSnapshotId === one.snapshot && a.pgName === 'db')).toBe(true);

    const db1 = I.vm('db-01');
    const manual = await t.req({ method: 'POST', url: `/api/sim/vms/${db1}/snapshots`, payload: { name: 'by hand' } });
    expect(manual.statusCode, manual.payload).toBe(201);
    const all = await t.runtime.deps.store.repos.history.page({ clusterId: I.clusterA, kind: 'VM', from: 0, to: t.clock.now() }, 100, 0);
    expect(all.items.find((a) => a.name === 'by hand')).toMatchObject({ vmId: db1, pgId: null, name: 'by hand', type: 'ONE_TIME', status: 'SUCCESS', live: true });
    // Reports of VM snapshots are about group members (the vendor requires pg and pg_snapshot).
    expect((await get(`${R()}/virtual-machines/snapshots?vms=${db1}`)).total_count).toBe(1);

    const revert = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${db1}?action=revert&vmw-task=true`, payload: { snapshot: manual.json() } });
    expect(revert.statusCode, revert.payload).toBe(202);
    await t.advance(60_000);
    const task = (await get(`/api/snapservice/tasks/${revert.json()}`));
    expect(task.status, JSON.stringify(task)).toBe('SUCCEEDED');
    const after = await t.runtime.deps.store.repos.history.page({ clusterId: I.clusterA, kind: 'VM', from: 0, to: t.clock.now(), vmIds: [db1] }, 100, 0);
    expect(after.items.find((a) => a.type === 'SYSTEM_CREATED')).toMatchObject({ type: 'SYSTEM_CREATED', name: 'system snapshot before revert to by hand', status: 'SUCCESS', pgId: null, live: true });
  });
});

describe('the demo seed', () => {
  it('gives the reports days of history, some of it failed, from the first call', async () => {
    await restart({ seed: 'demo' });
    const counts = (await get(`${R()}/protection-groups/snapshot-status-counts?aggregateBy=protection-group`)).items;
    expect(counts).toHaveLength(2);
    const total = counts.reduce((sum: number, c: any) => sum + c.info.success_count + c.info.warning_count + c.info.error_count, 0);
    expect(total).toBeGreaterThan(70);
    expect(counts.some((c: any) => c.info.warning_count > 0)).toBe(true);
    expect(counts.some((c: any) => c.info.error_count > 0)).toBe(true);
    const { snapshots } = await get(`${R()}/protection-groups/snapshots?page_size=1000`);
    expect(snapshots.filter((s: any) => !s.deleted).length).toBeGreaterThan(0);
    expect(snapshots.filter((s: any) => s.deleted).length).toBeGreaterThan(0);
    const bySlice = (await get(`${R()}/virtual-machines/snapshot-status-counts?aggregateBy=time-slice`)).items;
    expect(bySlice.filter((s: any) => s.info.success_count > 0).length).toBeGreaterThanOrEqual(3);
  });
});
