import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ids, makeApp, USERS, type TestApp } from '../helpers/app.ts';
import { call, callError, O, rpc, S, sessionId, userPass } from './client.ts';

const VMS = 'com.vmware.snapservice.clusters.virtual_machines';
const PGS = 'com.vmware.snapservice.clusters.protection_groups';

let t: TestApp;
let I: Awaited<ReturnType<typeof ids>>;
beforeEach(async () => {
  t = await makeApp({ taskDelayMs: 2000, taskQueueMs: 500 });
  I = await ids(t);
});
afterEach(() => t.close());

const digest = async (url: string) => (await t.req({ method: 'GET', url })).json().digest as string;

describe('a revert over JSON-RPC, as the SDK walks it', () => {
  it('login -> VM list -> snapshot list -> revert$task -> poll both task services -> SUCCEEDED, visible over REST', async () => {
    const { reply } = await rpc(t, 'com.vmware.cis.session', 'create', {}, userPass('admin'));
    expect(reply.output?.t).toBe('SECRET');
    const token = (reply.output as { v: string }).v;
    const sec = sessionId(token);
    expect(await call(t, 'com.vmware.cis.session', 'get', {}, sec)).toMatchObject({ user: USERS.admin.user });

    const vms = await call(t, VMS, 'list', { cluster: I.clusterA, filter: O(S(`${VMS}.filter_spec`, { vms: O(), name_patterns: O(['web-0*']), local_protection_enabled: O() })) }, sec);
    const web = vms.items.find((i: any) => i.info.name === 'web-01');
    expect(vms.items.every((i: any) => i.info.name.startsWith('web-0'))).toBe(true);
    const snaps = await call(t, `${VMS}.snapshots`, 'list', { cluster: I.clusterA, vm: web.vm, filter: O() }, sec);
    const target = snaps.items.find((s: any) => s.info.name === 'daily-1');
    const wanted = await digest(`/api/sim/vms/${web.vm}/snapshots/${target.snapshot}/disks/2001`);
    expect(await digest(`/api/sim/vms/${web.vm}/disks/2001`)).not.toBe(wanted);

    const task = await call(t, VMS, 'revert$task', { cluster: I.clusterA, vm: web.vm, spec: S(`${VMS}.revert_spec`, { snapshot: target.snapshot }) }, sec);
    expect(typeof task).toBe('string');
    const poll = async () => ({
      own: await call(t, 'com.vmware.snapservice.tasks', 'get', { task }, sec),
      cis: await call(t, 'com.vmware.cis.tasks', 'get', { task, spec: O() }, sec),
    });
    let p = await poll();
    expect([p.own.status, p.cis.status]).toEqual(['PENDING', 'PENDING']);
    await t.advance(600);
    p = await poll();
    expect([p.own.status, p.cis.status]).toEqual(['RUNNING', 'RUNNING']);
    expect(p.own.progress.total).toBeGreaterThan(0);
    await t.advance(2500);
    p = await poll();
    expect([p.own.status, p.cis.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(p.own.result).toBeUndefined();
    expect(p.own.user).toBe(USERS.admin.user);
    expect(p.cis).toEqual((await t.req({ method: 'GET', url: `/api/cis/tasks/${task}` })).json());
    expect(p.own).toEqual((await t.req({ method: 'GET', url: `/api/snapservice/tasks/${task}` })).json());

    // The same state over REST: the disk holds the snapshot's data, a system snapshot was taken.
    expect(await digest(`/api/sim/vms/${web.vm}/disks/2001`)).toBe(wanted);
    const after = await call(t, `${VMS}.snapshots`, 'list', { cluster: I.clusterA, vm: web.vm, filter: O(S(`${VMS}.snapshots.filter_spec`, { snapshot_type: O('SYSTEM_CREATED') })) }, sec);
    expect(after.items).toHaveLength(1);
    expect(after.items[0].info.name).toBe('system snapshot before revert to daily-1');
    expect(after.items[0].info.pg).toBeUndefined();

    // Task list (a map, map-entry encoded) holds it too; the session then ends.
    const all = await call(t, 'com.vmware.cis.tasks', 'list', {
      filter_spec: O(S('com.vmware.cis.tasks.filter_spec', { tasks: O([task]), services: O(), operations: O(), status: O(['SUCCEEDED']), targets: O(), users: O() })),
      result_spec: O(),
    }, sec);
    expect(Object.keys(all)).toEqual([task]);
    expect((await call(t, 'com.vmware.cis.session', 'delete', {}, sec))).toBeUndefined();
    await callError(t, 'com.vmware.cis.session', 'get', {}, sec, 'UNAUTHENTICATED');
  });

  it('types a task result by its $task operation: an id for a group, a structure for a group snapshot', async () => {
    const sec = userPass('admin');
    const spec = S('com.vmware.snapservice.protection_group_spec', {
      name: 'web', target_entities: S('com.vmware.snapservice.target_entities', { vm_name_patterns: O(['web-*']), vms: O() }),
      snapshot_policies: O([S('com.vmware.snapservice.snapshot_policy', {
        name: 'hourly',
        schedule: S('com.vmware.snapservice.snapshot_schedule', { unit: 'HOUR', interval: 1 }),
        retention: S('com.vmware.snapservice.retention_period', { unit: 'HOUR', duration: 3 }),
      })]),
      locked: O(),
    });
    const created = await call(t, PGS, 'create$task', { cluster: I.clusterA, spec }, sec);
    await t.advance(3000);
    const { res } = await rpc(t, 'com.vmware.snapservice.tasks', 'get', { task: created }, sec);
    const pg = JSON.parse(res.body).result.output.STRUCTURE['com.vmware.snapservice.tasks.info'].result.OPTIONAL;
    expect(typeof pg).toBe('string');
    const info = await call(t, PGS, 'get', { cluster: I.clusterA, pg }, sec);
    expect(info).toEqual((await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/protection-groups/${pg}` })).json());

    const snap = await call(t, `${PGS}.snapshots`, 'create$task', { cluster: I.clusterA, pg, spec: S(`${PGS}.snapshots.create_spec`, { name: 'manual', retention: O() }) }, sec);
    await t.advance(3000);
    const cis = await rpc(t, 'com.vmware.cis.tasks', 'get', { task: snap, spec: O(S('com.vmware.cis.tasks.get_spec', { return_all: O(), exclude_result: O(false) })) }, sec);
    const result = JSON.parse(cis.res.body).result.output.STRUCTURE['com.vmware.cis.task.info'].result.OPTIONAL;
    expect(Object.keys(result.STRUCTURE)).toEqual([`${PGS}.snapshots.create_result`]);
    expect(result.STRUCTURE[`${PGS}.snapshots.create_result`]).toMatchObject({ snapshot_type: 'ONE_TIME', total_vms: 3, policy: { OPTIONAL: null } });
    const typed = await call(t, 'com.vmware.cis.tasks', 'get', { task: snap, spec: O() }, sec);
    expect(typed).toEqual((await t.req({ method: 'GET', url: `/api/cis/tasks/${snap}` })).json());
  });
});
