import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let I: Awaited<ReturnType<typeof ids>>;
beforeEach(async () => {
  t = await makeApp({ taskDelayMs: 0, taskQueueMs: 0, limits: { minIntervalMinutes: 1 } });
  I = await ids(t);
});
afterEach(() => t.close());

const base = () => `/api/snapservice/clusters/${I.clusterA}/protection-groups`;
const hourly = { name: 'hourly', schedule: { unit: 'HOUR', interval: 1 }, retention: { unit: 'HOUR', duration: 3 } };

async function task(id: string) {
  await t.advance(0);
  return (await t.req({ method: 'GET', url: `/api/snapservice/tasks/${id}` })).json();
}

async function create(spec: Record<string, unknown>): Promise<string> {
  const res = await t.req({ method: 'POST', url: `${base()}?vmw-task=true`, payload: spec });
  expect(res.statusCode, res.body).toBe(202);
  const info = await task(res.json());
  expect(info.status, JSON.stringify(info)).toBe('SUCCEEDED');
  return info.result as string;
}

function expectError(res: { statusCode: number; json(): any }, status: number, kind: string, text?: string) {
  expect(res.statusCode, JSON.stringify(res.json())).toBe(status);
  expect(res.json().error_type).toBe(kind);
  if (text) expect(res.json().messages[0].default_message).toContain(text);
}

describe('protection groups', () => {
  it('creates by pattern and explicit VMs; lists and gets with resolved membership', async () => {
    const pg = await create({ name: 'web', target_entities: { vm_name_patterns: ['web-*'], vms: [I.vm('db-01')] }, snapshot_policies: [hourly] });
    const info = (await t.req({ method: 'GET', url: `${base()}/${pg}` })).json();
    expect(info).toEqual({
      name: 'web', status: 'ACTIVE', locked: false,
      target_entities: { vm_name_patterns: ['web-*'], vms: [I.vm('db-01')] },
      snapshot_policies: [hourly],
      vms: [I.vm('web-01'), I.vm('web-02'), I.vm('web-03'), I.vm('db-01')].sort((a, b) => Number(a.slice(3)) - Number(b.slice(3))),
      snapshots: [],
      guid: pg,
    });
    const list = (await t.req({ method: 'GET', url: base() })).json().items;
    expect(list.map((i: any) => i.pg)).toEqual([pg]);
    const byVm = async (vm: string) => (await t.req({ method: 'GET', url: `${base()}?vms=${vm}` })).json().items.length;
    expect(await byVm(I.vm('web-02'))).toBe(1);
    expect(await byVm(I.vm('db-02'))).toBe(0);
    expect((await t.req({ method: 'GET', url: `${base()}?states=PAUSED` })).json().items).toEqual([]);
    expect((await t.req({ method: 'GET', url: `${base()}?names=web&pgs=${pg}` })).json().items).toHaveLength(1);
    const vmInfo = (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${I.vm('web-01')}` })).json();
    expect(vmInfo.local_protection_enabled).toBe(true);
    expect(vmInfo.protection_groups).toEqual([pg]);
  });

  it('validates specs: names, patterns, VMs, policies, limits', async () => {
    await create({ name: 'dup', target_entities: { vms: [I.vm('db-01')] } });
    const post = (spec: unknown) => t.req({ method: 'POST', url: `${base()}?vmw-task=true`, payload: spec as object });
    expectError(await post({ name: 'dup', target_entities: { vms: [I.vm('db-01')] } }), 400, 'INVALID_ARGUMENT', 'already exists');
    expectError(await post({ name: ' ', target_entities: { vms: [I.vm('db-01')] } }), 400, 'INVALID_ARGUMENT', 'spec.name');
    expectError(await post({ name: 'x', target_entities: {} }), 400, 'INVALID_ARGUMENT', 'spec.target_entities');
    expectError(await post({ name: 'x', target_entities: { vms: [I.vm('build-01')] } }), 400, 'INVALID_ARGUMENT', 'not a virtual machine in cluster');
    expectError(await post({ name: 'x', target_entities: { vm_name_patterns: [''] } }), 400, 'INVALID_ARGUMENT', 'vm_name_patterns');
    expectError(await post({ name: 'x', target_entities: { vms: [I.vm('db-01')] }, snapshot_policies: [hourly, hourly] }), 400, 'INVALID_ARGUMENT', 'duplicate policy name');
    expectError(await post({ name: 'x', target_entities: { vms: [I.vm('db-01')] }, snapshot_policies: [{ ...hourly, schedule: { unit: 'HOUR', interval: 0 } }] }), 400, 'INVALID_ARGUMENT', 'interval');
    expectError(await post({ name: 'x', target_entities: { vms: [I.vm('db-01')] }, snapshot_policies: [{ ...hourly, schedule: { unit: 'FORTNIGHT', interval: 1 } }] }), 400, 'INVALID_ARGUMENT', 'unit');
    const eleven = Array.from({ length: 11 }, (_, i) => ({ ...hourly, name: `p${i}` }));
    expectError(await post({ name: 'x', target_entities: { vms: [I.vm('db-01')] }, snapshot_policies: eleven }), 400, 'INVALID_ARGUMENT', 'at most 10');
    expectError(await post({ name: 'x', target_entities: { vms: [I.vm('db-01')] }, replication_policies: [{ cluster_pair: 'cp' }] }), 400, 'INVALID_ARGUMENT', 'spec.replication_policies');
    expectError(await t.req({ method: 'POST', url: base(), payload: { name: 'x', target_entities: { vms: [I.vm('db-01')] } } }), 404, 'OPERATION_NOT_FOUND', 'only as a task');
    expectError(await t.req({ method: 'POST', url: `${base()}?vmw-task=true`, payload: { name: 'x', target_entities: { vms: [I.vm('db-01')] } }, as: 'readonly' }), 403, 'UNAUTHORIZED', 'Host.Config.Storage');
    expectError(await t.req({ method: 'POST', url: `/api/snapservice/clusters/domain-c0/protection-groups?vmw-task=true`, payload: {} }), 404, 'NOT_FOUND');
    expectError(await t.req({ method: 'GET', url: `${base()}/nope` }), 404, 'NOT_FOUND');
    expectError(await t.req({ method: 'GET', url: base(), as: null }), 401, 'UNAUTHENTICATED');
  });

  it('updates with the merge rules, pauses and resumes', async () => {
    const pg = await create({ name: 'g', target_entities: { vm_name_patterns: ['db-*'] }, snapshot_policies: [hourly] });
    const patch = (spec: unknown) => t.req({ method: 'PATCH', url: `${base()}/${pg}?vmw-task=true`, payload: spec as object });
    let res = await patch({ name: 'g2' });
    expect((await task(res.json())).status).toBe('SUCCEEDED');
    let info = (await t.req({ method: 'GET', url: `${base()}/${pg}` })).json();
    expect(info.name).toBe('g2');
    expect(info.target_entities).toEqual({ vm_name_patterns: ['db-*'] });
    expect(info.snapshot_policies).toEqual([hourly]);
    res = await patch({ target_entities: { vms: [I.vm('app-01')] }, snapshot_policies: [] });
    expect((await task(res.json())).status).toBe('SUCCEEDED');
    info = (await t.req({ method: 'GET', url: `${base()}/${pg}` })).json();
    expect(info.vms).toEqual([I.vm('app-01')]);
    expect(info.snapshot_policies).toEqual([]);

    const action = (a: string) => t.req({ method: 'POST', url: `${base()}/${pg}?action=${a}&vmw-task=true` });
    expectError(await action('resume'), 400, 'ALREADY_IN_DESIRED_STATE');
    expect((await task((await action('pause')).json())).status).toBe('SUCCEEDED');
    expectError(await action('pause'), 400, 'ALREADY_IN_DESIRED_STATE');
    const vmInfo = (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${I.vm('app-01')}` })).json();
    expect(vmInfo.local_protection_enabled).toBe(false);
    expect(vmInfo.protection_groups).toEqual([pg]);
    expect((await task((await action('resume')).json())).status).toBe('SUCCEEDED');
    expectError(await action('explode'), 404, 'OPERATION_NOT_FOUND');
  });

  it('allows one operation at a time per group', async () => {
    const slow = await makeApp({ taskDelayMs: 1000, taskQueueMs: 0 });
    try {
      const J = await ids(slow);
      const url = `/api/snapservice/clusters/${J.clusterA}/protection-groups`;
      const res = await slow.req({ method: 'POST', url: `${url}?vmw-task=true`, payload: { name: 'g', target_entities: { vms: [J.vm('db-01')] } } });
      await slow.advance(1500);
      const pg = (await slow.req({ method: 'GET', url: `/api/snapservice/tasks/${res.json()}` })).json().result;
      expect((await slow.req({ method: 'POST', url: `${url}/${pg}?action=pause&vmw-task=true` })).statusCode).toBe(202);
      expectError(await slow.req({ method: 'PATCH', url: `${url}/${pg}?vmw-task=true`, payload: { name: 'h' } }), 400, 'NOT_ALLOWED_IN_CURRENT_STATE', 'in progress');
      await slow.advance(1500);
    } finally {
      await slow.close();
    }
  });

  it('locked groups refuse change with UNSUPPORTED but take snapshots', async () => {
    const pg = await create({ name: 'vault', locked: true, target_entities: { vm_name_patterns: ['db-*'] } });
    expectError(await t.req({ method: 'PATCH', url: `${base()}/${pg}?vmw-task=true`, payload: { name: 'x' } }), 400, 'UNSUPPORTED', 'locked');
    expectError(await t.req({ method: 'POST', url: `${base()}/${pg}?action=pause&vmw-task=true` }), 400, 'UNSUPPORTED');
    expectError(await t.req({ method: 'POST', url: `${base()}/${pg}?action=resume&vmw-task=true` }), 400, 'UNSUPPORTED');
    expectError(await t.req({ method: 'DELETE', url: `${base()}/${pg}?vmw-task=true&force=true` }), 400, 'UNSUPPORTED');
    const snap = await t.req({ method: 'POST', url: `${base()}/${pg}/snapshots?vmw-task=true`, payload: { name: 'manual' } });
    const result = (await task(snap.json())).result;
    expect(result).toMatchObject({ snapshot_type: 'ONE_TIME', total_vms: 2, successful_vms: 2, failed_vms: 0 });
    expectError(await t.req({ method: 'DELETE', url: `${base()}/${pg}/snapshots/${result.snapshot}` }), 400, 'UNSUPPORTED');
    const one = await t.req({ method: 'GET', url: `${base()}/${pg}/snapshots/${result.snapshot}` });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ name: 'manual', snapshot_type: 'ONE_TIME', pg });
    expect(one.json().expires_at).toBeUndefined();
    expect(one.json().vm_snapshots.map((v: any) => v.vm)).toEqual([I.vm('db-01'), I.vm('db-02')]);
    expectError(await t.req({ method: 'GET', url: `${base()}/${pg}/snapshots/nope` }), 404, 'NOT_FOUND');
  });

  it('soft delete waits for the snapshots to expire; force deletes at once', async () => {
    const soft = await create({ name: 'soft', target_entities: { vm_name_patterns: ['db-*'] } });
    const s = await t.req({ method: 'POST', url: `${base()}/${soft}/snapshots?vmw-task=true`, payload: { name: 'keep', retention: { unit: 'HOUR', duration: 2 } } });
    const pgSnap = (await task(s.json())).result.snapshot;
    const del = await t.req({ method: 'DELETE', url: `${base()}/${soft}?vmw-task=true` });
    expect((await task(del.json())).status).toBe('SUCCEEDED');
    expect((await t.req({ method: 'GET', url: `${base()}/${soft}` })).json().status).toBe('MARKED_FOR_DELETE');
    expectError(await t.req({ method: 'POST', url: `${base()}/${soft}/snapshots?vmw-task=true`, payload: { name: 'x' } }), 400, 'NOT_ALLOWED_IN_CURRENT_STATE');
    expectError(await t.req({ method: 'DELETE', url: `${base()}/${soft}/snapshots/${pgSnap}` }), 400, 'NOT_ALLOWED_IN_CURRENT_STATE');
    await t.advance(2 * 3600_000 + 1000);
    expectError(await t.req({ method: 'GET', url: `${base()}/${soft}` }), 404, 'NOT_FOUND');

    const hard = await create({ name: 'hard', target_entities: { vm_name_patterns: ['web-*'] } });
    await task((await t.req({ method: 'POST', url: `${base()}/${hard}/snapshots?vmw-task=true`, payload: { name: 'k' } })).json());
    const before = await t.runtime.deps.store.repos.snapshots.countForVm(I.vm('web-01'));
    const res = await t.req({ method: 'DELETE', url: `${base()}/${hard}?vmw-task=true`, payload: { spec: { force: true } } });
    expect((await task(res.json())).status).toBe('SUCCEEDED');
    expectError(await t.req({ method: 'GET', url: `${base()}/${hard}` }), 404, 'NOT_FOUND');
    expect(await t.runtime.deps.store.repos.snapshots.countForVm(I.vm('web-01'))).toBe(before - 1);
  });

  it('takes force from the query, spec.force, or a body', async () => {
    for (const [q, body] of [['force=true', undefined], ['spec.force=true', undefined], ['', { force: true }], ['', { spec: { force: true } }]] as const) {
      const pg = await create({ name: `f${q}${JSON.stringify(body)}`, target_entities: { vms: [I.vm('db-01')] } });
      await task((await t.req({ method: 'POST', url: `${base()}/${pg}/snapshots?vmw-task=true`, payload: { name: 'k' } })).json());
      const res = await t.req({ method: 'DELETE', url: `${base()}/${pg}?vmw-task=true${q ? `&${q}` : ''}`, ...(body ? { payload: body } : {}) });
      expect((await task(res.json())).status).toBe('SUCCEEDED');
      expectError(await t.req({ method: 'GET', url: `${base()}/${pg}` }), 404, 'NOT_FOUND');
    }
  });
});
