import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VmSnapshot } from '../../src/domain/model.ts';
import { ids, makeApp, type TestApp, type Who } from '../helpers/app.ts';
import { expectError } from './snapshot-helpers.ts';

/** Delete and update of single VM snapshots (9.1): admission, task lifecycle, re-checks, expiry. */
let t: TestApp;
let I: Awaited<ReturnType<typeof ids>>;
beforeEach(async () => {
  // The demo groups too: web-tier (hourly, kept 6 h), databases (locked), analytics (paused).
  t = await makeApp({ seed: 'demo', taskDelayMs: 1000, taskQueueMs: 500 });
  I = await ids(t);
});
afterEach(() => t.close());

const ONE = (id: string, q = 'vmw-task=true') => `/api/snapservice/virtual-machines/snapshots/${id}?${q}`;
const HOUR = 3_600_000;
const repos = () => t.runtime.deps.store.repos;

async function snap(vmName: string, pick: (s: VmSnapshot) => boolean = () => true): Promise<VmSnapshot> {
  const all = await repos().snapshots.list({ vmId: I.vm(vmName) });
  const s = all.find(pick);
  if (!s) throw new Error(`no such snapshot of ${vmName}`);
  return s;
}

async function submit(method: 'DELETE' | 'PATCH', id: string, payload?: unknown, as: Who = 'admin'): Promise<string> {
  const res = await t.req({ method, url: ONE(id), ...(payload === undefined ? {} : { payload: payload as object }), as });
  expect(res.statusCode, res.payload).toBe(202);
  return res.json();
}

const task = async (id: string) => (await t.req({ method: 'GET', url: `/api/snapservice/tasks/${id}` })).json();

async function finished(id: string) {
  await t.advance(500);
  expect((await task(id)).status).toBe('RUNNING');
  await t.advance(1000);
  return task(id);
}

describe('DELETE .../virtual-machines/snapshots/{snapshot} (delete$task)', () => {
  it('runs PENDING -> RUNNING -> SUCCEEDED, removes the snapshot and frees its layers; later snapshots keep their data', async () => {
    const s = await snap('web-02', (x) => x.name === 'daily-1');
    const later = await snap('web-02', (x) => x.name === 'daily-2');
    const digest = async () => (await t.req({ method: 'GET', url: `/api/sim/vms/${later.vmId}/snapshots/${later.id}/disks/2001` })).json().digest;
    const before = { digest: await digest(), layers: (await repos().layers.stats()).layers };
    const id = await submit('DELETE', s.id);
    expect((await task(id)).status).toBe('PENDING');
    const done = await finished(id);
    expect(done).toMatchObject({
      status: 'SUCCEEDED', service: 'com.vmware.snapservice.virtual_machines.snapshots', operation: 'delete',
      target: { type: 'com.vmware.snapservice.vm.snapshot', id: s.id },
    });
    expect(await repos().snapshots.get(s.id)).toBeUndefined();
    expectError(await t.req({ method: 'GET', url: `/api/snapservice/clusters/${s.clusterId}/virtual-machines/${s.vmId}/snapshots/${s.id}` }), 404, 'NOT_FOUND');
    expect(await digest()).toBe(before.digest);
    expect((await repos().layers.stats()).layers).toBeLessThan(before.layers);
    expectError(await t.req({ method: 'DELETE', url: ONE(s.id) }), 404, 'NOT_FOUND', s.id);
  });

  it('a group member goes from its group snapshot too; the others stay', async () => {
    const s = await snap('web-01', (x) => x.pgSnapshotId !== null);
    const pgs = s.pgSnapshotId!;
    const members = (await repos().snapshots.list({ pgSnapshotId: pgs })).length;
    expect((await finished(await submit('DELETE', s.id))).status).toBe('SUCCEEDED');
    const res = await t.req({ method: 'GET', url: `/api/snapservice/clusters/${s.clusterId}/protection-groups/${s.pgId}/snapshots/${pgs}` });
    expect(res.statusCode, res.payload).toBe(200);
    expect(res.json().vm_snapshots.map((v: any) => v.snapshot)).not.toContain(s.id);
    expect(res.json().vm_snapshots).toHaveLength(members - 1);
  });

  it('401, 404, 403 in that order; missing vmw-task is OPERATION_NOT_FOUND', async () => {
    const b = await snap('build-02');
    expectError(await t.req({ method: 'DELETE', url: ONE('nope'), as: null }), 401, 'UNAUTHENTICATED');
    expectError(await t.req({ method: 'DELETE', url: ONE('nope'), as: 'operator' }), 404, 'NOT_FOUND', 'nope');
    expectError(await t.req({ method: 'DELETE', url: ONE(b.id), as: 'operator' }), 403, 'UNAUTHORIZED', 'System.Read');
    expectError(await t.req({ method: 'DELETE', url: ONE(b.id, '') }), 404, 'OPERATION_NOT_FOUND', 'task');
    expectError(await t.req({ method: 'DELETE', url: ONE(b.id, 'vmw-task=true&force=1') }), 400, 'INVALID_ARGUMENT', 'force');
    expect(await repos().snapshots.get(b.id)).toBeDefined();
  });

  it('a locked group\'s snapshot cannot be deleted on its own: 400 UNSUPPORTED', async () => {
    const s = await snap('db-01', (x) => x.pgId !== null);
    expectError(await t.req({ method: 'DELETE', url: ONE(s.id) }), 400, 'UNSUPPORTED', 'locked');
  });

  it('refuses a snapshot that a pending revert, restore or clone uses, and a second delete', async () => {
    const s = await snap('web-03', (x) => x.name === 'daily-1');
    const revert = await t.req({
      method: 'POST', url: `/api/snapservice/clusters/${s.clusterId}/virtual-machines/${s.vmId}?action=revert&vmw-task=true`, payload: { snapshot: s.id },
    });
    expect(revert.statusCode, revert.payload).toBe(202);
    expectError(await t.req({ method: 'DELETE', url: ONE(s.id) }), 400, 'NOT_ALLOWED_IN_CURRENT_STATE', 'in use');
    await t.advance(5000);
    expect((await task(revert.json())).status).toBe('SUCCEEDED');
    const vm = I.vms.find((v) => v.id === s.vmId)!;
    const types = (await t.req({ method: 'GET', url: `/api/snapservice/virtual-machines/snapshots?vm_bios_uuids=${vm.biosUuid}` })).json().snapshots.map((x: any) => x.snapshot_type);
    expect(new Set(types)).toEqual(new Set(['ONE_TIME', 'SCHEDULED', 'SYSTEM_CREATED']));
    const del = await submit('DELETE', s.id);
    expectError(await t.req({ method: 'DELETE', url: ONE(s.id) }), 400, 'NOT_ALLOWED_IN_CURRENT_STATE', 'being deleted');
    expectError(await t.req({ method: 'PATCH', url: ONE(s.id), payload: { delete_after: { unit: 'DAY', duration: 1 } } }), 400, 'NOT_ALLOWED_IN_CURRENT_STATE', 'being deleted');
    expect((await finished(del)).status).toBe('SUCCEEDED');
  });

  it('re-checks in the task: a revert admitted meanwhile keeps its snapshot, the delete FAILS', async () => {
    const s = await snap('web-02', (x) => x.name === 'daily-1');
    const del = await submit('DELETE', s.id);
    await t.advance(500);
    const revert = await t.req({
      method: 'POST', url: `/api/snapservice/clusters/${s.clusterId}/virtual-machines/${s.vmId}?action=revert&vmw-task=true`, payload: { snapshot: s.id },
    });
    expect(revert.statusCode, revert.payload).toBe(202);
    await t.advance(1000);
    const failed = await task(del);
    expect(failed.status).toBe('FAILED');
    expect(failed.error.error_type).toBe('NOT_ALLOWED_IN_CURRENT_STATE');
    expect(await repos().snapshots.get(s.id)).toBeDefined();
    await t.advance(5000);
    expect((await task(revert.json())).status).toBe('SUCCEEDED');
  });
});

describe('PATCH .../virtual-machines/snapshots/{snapshot} (update$task)', () => {
  const patch = (id: string, payload: unknown) => t.req({ method: 'PATCH', url: ONE(id), payload: payload as object });

  it('sets the expiry from when the change is made; the snapshot then expires on its own', async () => {
    const s = await snap('app-01', (x) => x.name === 'daily-2');
    const id = await submit('PATCH', s.id, { delete_after: { unit: 'HOUR', duration: 2 } });
    const done = await finished(id);
    expect(done).toMatchObject({ status: 'SUCCEEDED', operation: 'update' });
    const at = t.clock.now() + 2 * HOUR;
    const item = (await t.req({ method: 'GET', url: `/api/snapservice/virtual-machines/snapshots?snapshots=${s.id}` })).json().snapshots[0];
    expect(item.expiration_time).toBe(new Date(at).toISOString());
    const info = (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${s.clusterId}/virtual-machines/${s.vmId}/snapshots/${s.id}` })).json();
    expect(info.expires_at).toBe(new Date(at).toISOString());
    await t.advance(2 * HOUR - 1);
    expect(await repos().snapshots.get(s.id)).toBeDefined();
    await t.advance(1);
    expect(await repos().snapshots.get(s.id)).toBeUndefined();
  });

  it('a group member kept longer outlives its group snapshot; one cut shorter goes first', async () => {
    const pg = (await repos().groups.list(I.clusterA, { names: ['web-tier'] }))[0];
    const newest = (await repos().groupSnapshots.list(pg.id)).filter((g) => g.policy === 'hourly').at(-1)!;
    const members = await repos().snapshots.list({ pgSnapshotId: newest.id });
    const by = (vm: string) => members.find((m) => m.vmId === I.vm(vm))!;
    const [longer, shorter, other] = [by('web-01'), by('web-02'), by('web-03')];
    await finished(await submit('PATCH', longer.id, { delete_after: { unit: 'DAY', duration: 3 } }));
    await finished(await submit('PATCH', shorter.id, { delete_after: { unit: 'MINUTE', duration: 1 } }));
    await t.advance(60_000);
    expect(await repos().snapshots.get(shorter.id)).toBeUndefined();
    expect(await repos().groupSnapshots.get(newest.id)).toBeDefined();
    await t.advance(newest.expiresAt! - t.clock.now());
    expect(await repos().groupSnapshots.get(newest.id)).toBeUndefined();
    expect(await repos().snapshots.get(other.id)).toBeUndefined();
    const kept = await repos().snapshots.get(longer.id);
    expect(kept).toMatchObject({ pgId: pg.id, pgSnapshotId: null });
    const info = (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${kept!.clusterId}/virtual-machines/${kept!.vmId}/snapshots/${kept!.id}` })).json();
    expect(info.pg).toBe(pg.id);
    await t.advance(3 * 24 * HOUR);
    expect(await repos().snapshots.get(longer.id)).toBeUndefined();
  });

  it('a paused group\'s snapshots wait for the resume, also with an expiry of their own', async () => {
    const s = await snap('analytics-01', (x) => x.pgId !== null);
    await finished(await submit('PATCH', s.id, { delete_after: { unit: 'MINUTE', duration: 1 } }));
    await t.advance(2 * 60_000);
    expect(await repos().snapshots.get(s.id)).toBeDefined();
    const resume = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterB}/protection-groups/${s.pgId}?action=resume&vmw-task=true` });
    expect(resume.statusCode, resume.payload).toBe(202);
    await t.advance(1500);
    expect((await task(resume.json())).status).toBe('SUCCEEDED');
    expect(await repos().snapshots.get(s.id)).toBeUndefined();
  });

  it('400s: spec validation, then the locked group (UNSUPPORTED)', async () => {
    const s = await snap('app-02');
    expectError(await patch(s.id, {}), 400, 'INVALID_ARGUMENT', 'spec.delete_after');
    expectError(await patch(s.id, { delete_after: { unit: 'DAY', duration: 0 } }), 400, 'INVALID_ARGUMENT', 'spec.delete_after.duration');
    expectError(await patch(s.id, { delete_after: { unit: 'YEAR', duration: 9000 } }), 400, 'INVALID_ARGUMENT', 'spec.delete_after.duration');
    expectError(await patch(s.id, { delete_after: { unit: 'HOUR', duration: 1e300 } }), 400, 'INVALID_ARGUMENT', 'spec.delete_after.duration');
    expectError(await patch(s.id, { delete_after: { unit: 'FORTNIGHT', duration: 1 } }), 400, 'INVALID_ARGUMENT', 'spec.delete_after.unit');
    expectError(await patch(s.id, { delete_after: { unit: 'DAY', duration: '1' } }), 400, 'INVALID_ARGUMENT', 'spec.delete_after.duration');
    expectError(await patch(s.id, { delete_after: { unit: 'DAY', duration: 1 }, name: 'x' }), 400, 'INVALID_ARGUMENT', 'spec.name');
    expectError(await t.req({ method: 'PATCH', url: ONE(s.id), payload: '{"delete_after":', headers: { 'content-type': 'application/json' } }), 400, 'INVALID_ARGUMENT', 'JSON');
    expectError(await t.req({ method: 'PATCH', url: ONE(s.id) }), 400, 'INVALID_ARGUMENT', 'spec');
    const locked = await snap('db-02', (x) => x.pgId !== null);
    expectError(await patch(locked.id, { delete_after: { unit: 'DAY', duration: 1 } }), 400, 'UNSUPPORTED', 'locked');
    expect((await repos().snapshots.get(s.id))!.expiresAt).toBe(s.expiresAt);
  });

  it('401, 404, 403 before the body is read', async () => {
    const b = await snap('build-01');
    expectError(await t.req({ method: 'PATCH', url: ONE('nope'), payload: '{bad', as: null }), 401, 'UNAUTHENTICATED');
    expectError(await t.req({ method: 'PATCH', url: ONE('nope'), payload: {} }), 404, 'NOT_FOUND');
    expectError(await t.req({ method: 'PATCH', url: ONE(b.id), payload: {}, as: 'operator' }), 403, 'UNAUTHORIZED');
  });
});
