import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/domain/ids.ts';
import type { Task } from '../../src/domain/model.ts';
import { PG_CREATE } from '../../src/modules/groups/tasks.ts';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let I: Awaited<ReturnType<typeof ids>>;
const revert = async (cluster: string, vmName: string, as: 'admin' | 'operator' = 'admin') => {
  const vm = I.vm(vmName);
  const snap = (await t.runtime.deps.store.repos.snapshots.list({ vmId: vm }))[0].id;
  const res = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${cluster}/virtual-machines/${vm}?action=revert&vmw-task=true`, payload: { snapshot: snap }, as });
  expect(res.statusCode).toBe(202);
  return res.json() as string;
};

let taskA: string;
let taskB: string;
beforeAll(async () => {
  t = await makeApp({ taskDelayMs: 1000, taskQueueMs: 0 });
  I = await ids(t);
  taskA = await revert(I.clusterA, 'web-03', 'operator');
  await t.advance(2000);
  taskB = await revert(I.clusterB, 'test-01');
});
afterAll(() => t.close());

describe('snapservice tasks', () => {
  it('lists newest first with vendor fields', async () => {
    const items = (await t.req({ method: 'GET', url: '/api/snapservice/tasks' })).json().items;
    expect(items.map((i: any) => i.task)).toEqual([taskB, taskA]);
    const [b, a] = items.map((i: any) => i.info);
    expect(a).toMatchObject({
      service: 'com.vmware.snapservice.clusters.virtual_machines', operation: 'revert', status: 'SUCCEEDED', cancelable: false,
      user: 'operator@vsphere.local', description: { id: 'com.vmware.snapservice.vm.revert', default_message: 'Revert virtual machine', args: [] },
    });
    expect(b.status).toBe('RUNNING');
    expect(b.end_time).toBeUndefined();
    expect(b.progress.completed).toBeLessThanOrEqual(b.progress.total);
  });

  it('filters by tasks, operations, services, status and users (AND)', async () => {
    const got = async (q: string) => (await t.req({ method: 'GET', url: `/api/snapservice/tasks${q}` })).json().items.map((i: any) => i.task);
    expect(await got(`?tasks=${taskA}`)).toEqual([taskA]);
    expect(await got('?status=SUCCEEDED')).toEqual([taskA]);
    expect(await got('?status=SUCCEEDED&status=RUNNING')).toEqual([taskB, taskA]);
    expect(await got('?users=operator@vsphere.local')).toEqual([taskA]);
    expect(await got('?operations=revert&services=com.vmware.snapservice.clusters.virtual_machines')).toEqual([taskB, taskA]);
    expect(await got('?operations=create')).toEqual([]);
    expect(await got(`?tasks=${taskA}&status=RUNNING`)).toEqual([]);
    const bad = await t.req({ method: 'GET', url: '/api/snapservice/tasks?status=DONE' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error_type).toBe('INVALID_ARGUMENT');
  });

  it('shows a caller only tasks on objects they may read, 403 on get of another', async () => {
    const mine = (await t.req({ method: 'GET', url: '/api/snapservice/tasks', as: 'operator' })).json().items.map((i: any) => i.task);
    expect(mine).toEqual([taskA]);
    const other = await t.req({ method: 'GET', url: `/api/snapservice/tasks/${taskB}`, as: 'operator' });
    expect(other.statusCode).toBe(403);
    expect(other.json().error_type).toBe('UNAUTHORIZED');
    expect((await t.req({ method: 'GET', url: `/api/snapservice/tasks/${taskB}`, as: 'readonly' })).statusCode).toBe(200);
  });

  it('404 for unknown tasks, 401 without credentials', async () => {
    const nf = await t.req({ method: 'GET', url: '/api/snapservice/tasks/no-such-task' });
    expect(nf.statusCode).toBe(404);
    expect(nf.json().error_type).toBe('NOT_FOUND');
    expect((await t.req({ method: 'GET', url: '/api/snapservice/tasks', as: null })).statusCode).toBe(401);
  });

  it('answers RESOURCE_INACCESSIBLE when more than 1000 tasks match', async () => {
    const description = { id: 'com.vmware.snapservice.protection_group.create', defaultMessage: 'Create protection group', args: [] };
    await t.runtime.deps.store.transaction(async (tx) => {
      for (let i = 0; i < 1001; i++) {
        const task: Task = {
          id: newId(), kind: PG_CREATE.kind, service: 'com.vmware.snapservice.clusters.protection_groups', operation: 'create', description,
          status: 'SUCCEEDED', cancelable: false, user: 'administrator@vsphere.local', targetType: null, targetId: null,
          clusterId: I.clusterB, vmId: null, input: null, progressTotal: 1, progressCompleted: 1, progressMessage: null,
          result: 'x', error: null, createdAt: 1, notBefore: 1, startTime: 1, endTime: t.clock.now(), owner: null, step: 0,
        };
        await tx.tasks.insert(task);
      }
    });
    const res = await t.req({ method: 'GET', url: '/api/snapservice/tasks' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error_type).toBe('RESOURCE_INACCESSIBLE');
    const narrowed = await t.req({ method: 'GET', url: '/api/snapservice/tasks?operations=revert' });
    expect(narrowed.statusCode).toBe(200);
  });
});

describe('cis tasks', () => {
  it('serves the same tasks at /api/cis/tasks', async () => {
    const a = await t.req({ method: 'GET', url: `/api/cis/tasks/${taskA}` });
    expect(a.statusCode).toBe(200);
    expect(a.json()).toMatchObject({ status: 'SUCCEEDED', operation: 'revert', user: 'operator@vsphere.local' });
    expect(a.json().vc_task).toBeUndefined();
    const list = await t.req({ method: 'POST', url: '/api/cis/tasks?action=list', payload: { filter_spec: { tasks: [taskA, taskB] } } });
    expect(list.statusCode).toBe(200);
    expect(Object.keys(list.json()).sort()).toEqual([taskA, taskB].sort());
    const byTarget = await t.req({ method: 'POST', url: '/api/cis/tasks?action=list', payload: { filter_spec: { tasks: [taskA, taskB], targets: [{ type: 'VirtualMachine', id: I.vm('web-03') }] } } });
    expect(Object.keys(byTarget.json())).toEqual([taskA]);
    expect((await t.req({ method: 'POST', url: '/api/cis/tasks?action=list', payload: { filter_spec: { bogus: 1 } } })).statusCode).toBe(400);
    expect((await t.req({ method: 'GET', url: `/api/cis/tasks/${taskA}?return_all=true&exclude_result=true` })).statusCode).toBe(200);
  });
});
