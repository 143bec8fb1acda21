import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskKind } from '../../src/domain/model.ts';
import { makeApp, type TestApp, type Who } from '../helpers/app.ts';
import { activeTask, demo, expectError, expectOk, finishTask, ODD_IDS } from './vcenter-helpers.ts';

let t: TestApp;
let D: Awaited<ReturnType<typeof demo>>;
beforeAll(async () => {
  t = await makeApp();
  D = await demo(t);
});
afterAll(() => t.close());

const power = (vm: string, action: string, as: Who | null = 'admin', extra = '') =>
  t.req({ method: 'POST', url: `/api/vcenter/vm/${vm}/power?action=${action}${extra}`, as });
const state = async (vm: string) => expectOk(await t.req({ method: 'GET', url: `/api/vcenter/vm/${vm}/power` })).state;

describe('POST /api/vcenter/vm/{vm}/power?action=...', () => {
  it('walks a VM through every transition, 204 with no body, as vCenter does', async () => {
    const vm = D.vm('web-03');
    expect(await state(vm)).toBe('POWERED_OFF');
    const started = await power(vm, 'start');
    expectOk(started, 204);
    expect(started.body).toBe('');
    expect(await state(vm)).toBe('POWERED_ON');
    expectOk(await power(vm, 'reset'), 204);
    expect(await state(vm)).toBe('POWERED_ON');
    expectOk(await power(vm, 'suspend'), 204);
    expect(await state(vm)).toBe('SUSPENDED');
    expect(expectOk(await t.req({ method: 'GET', url: `/api/vcenter/vm?vms=${vm}` }))[0].power_state).toBe('SUSPENDED');
    expectOk(await power(vm, 'start'), 204);
    expect(await state(vm)).toBe('POWERED_ON');
    expectOk(await power(vm, 'suspend'), 204);
    expectOk(await power(vm, 'stop'), 204);
    expect(await state(vm)).toBe('POWERED_OFF');
    expect(expectOk(await t.req({ method: 'GET', url: `/api/vcenter/vm/${vm}` })).power_state).toBe('POWERED_OFF');
  });

  it('ALREADY_IN_DESIRED_STATE for a no-op', async () => {
    expectError(await power(D.vm('web-01'), 'start'), 'ALREADY_IN_DESIRED_STATE', 'already powered on');
    expectError(await power(D.vm('db-02'), 'stop'), 'ALREADY_IN_DESIRED_STATE', 'already powered off');
    const vm = D.vm('app-01');
    expectOk(await power(vm, 'suspend'), 204);
    expectError(await power(vm, 'suspend'), 'ALREADY_IN_DESIRED_STATE', 'already suspended');
    expectOk(await power(vm, 'start'), 204);
  });

  it('NOT_ALLOWED_IN_CURRENT_STATE for impossible transitions, and the state is unchanged', async () => {
    const off = D.vm('db-02');
    expectError(await power(off, 'suspend'), 'NOT_ALLOWED_IN_CURRENT_STATE', 'powered off');
    expectError(await power(off, 'reset'), 'NOT_ALLOWED_IN_CURRENT_STATE', 'powered off');
    expect(await state(off)).toBe('POWERED_OFF');
    const vm = D.vm('cache-01');
    expectOk(await power(vm, 'start'), 204);
    expectOk(await power(vm, 'suspend'), 204);
    expectError(await power(vm, 'reset'), 'NOT_ALLOWED_IN_CURRENT_STATE', 'suspended');
    expect(await state(vm)).toBe('SUSPENDED');
    expectOk(await power(vm, 'stop'), 204);
  });

  it('403 naming the privilege each action needs; readonly may do none', async () => {
    const on = D.vm('web-02');
    const off = D.vm('web-03');
    expectError(await power(off, 'start', 'readonly'), 'UNAUTHORIZED', 'VirtualMachine.Interact.PowerOn');
    expectError(await power(on, 'stop', 'readonly'), 'UNAUTHORIZED', 'VirtualMachine.Interact.PowerOff');
    expectError(await power(on, 'suspend', 'readonly'), 'UNAUTHORIZED', 'VirtualMachine.Interact.Suspend');
    expectError(await power(on, 'reset', 'readonly'), 'UNAUTHORIZED', 'VirtualMachine.Interact.Reset');
    expect(await state(on)).toBe('POWERED_ON');
    // The operator's role has PowerOff on Cluster-A only.
    expectError(await power(off, 'start', 'operator'), 'UNAUTHORIZED', 'VirtualMachine.Interact.PowerOn');
    expectError(await power(D.vm('build-01'), 'stop', 'operator'), 'UNAUTHORIZED', 'VirtualMachine.Interact.PowerOff');
    expectError(await power(D.vm('build-01'), 'start', 'operator'), 'UNAUTHORIZED');
    expectOk(await power(on, 'stop', 'operator'), 204);
    expect(await state(on)).toBe('POWERED_OFF');
    expectOk(await power(on, 'start'), 204);
  });

  it('privileges are checked before the power state', async () => {
    expectError(await power(D.vm('web-01'), 'start', 'readonly'), 'UNAUTHORIZED');
  });

  it('401 without credentials, before the VM is looked up', async () => {
    expectError(await power(D.vm('web-01'), 'stop', null), 'UNAUTHENTICATED');
    expectError(await power('vm-99999', 'stop', null), 'UNAUTHENTICATED');
    expect(await state(D.vm('web-01'))).toBe('POWERED_ON');
  });

  it('404 for unknown, odd and deleted VMs, before privileges', async () => {
    expectError(await power('vm-99999', 'start'), 'NOT_FOUND', 'vm-99999');
    expectError(await power('vm-99999', 'start', 'readonly'), 'NOT_FOUND');
    for (const odd of ODD_IDS) expectError(await power(odd, 'stop'), 'NOT_FOUND');
  });

  it('dispatch errors: unknown or missing action, task variant, body and query keys', async () => {
    const vm = D.vm('web-01');
    expectError(await power(vm, 'reboot'), 'OPERATION_NOT_FOUND', 'reboot');
    expectError(await t.req({ method: 'POST', url: `/api/vcenter/vm/${vm}/power` }), 'OPERATION_NOT_FOUND');
    expectError(await power(vm, 'stop', 'admin', '&vmw-task=true'), 'OPERATION_NOT_FOUND');
    expectError(await power(vm, 'stop', 'admin', '&action=start'), 'INVALID_REQUEST');
    expectError(await power(vm, 'stop', 'admin', '&force=true'), 'INVALID_ARGUMENT', 'force');
    expectError(await t.req({ method: 'GET', url: `/api/vcenter/vm/${vm}/power?action=start` }), 'OPERATION_NOT_FOUND');
    expectError(await t.req({ method: 'PUT', url: `/api/vcenter/vm/${vm}/power` }), 'OPERATION_NOT_FOUND');
    expect(await state(vm)).toBe('POWERED_ON');
  });
});

describe('a VM with a recovery task pending or running', () => {
  const kinds: TaskKind[] = ['vm.revert', 'vm.restore', 'vm.linked_clone'];

  it('refuses every power change with RESOURCE_BUSY naming the task, and reads still work', async () => {
    for (const [i, kind] of kinds.entries()) {
      const vm = D.vm('db-01');
      const task = await activeTask(t, vm, kind, i === 1 ? 'RUNNING' : 'PENDING');
      for (const action of ['stop', 'suspend', 'reset']) expectError(await power(vm, action), 'RESOURCE_BUSY', task.id);
      expectError(await power(vm, 'start'), 'RESOURCE_BUSY');
      expect(await state(vm)).toBe('POWERED_ON');
      expectOk(await t.req({ method: 'GET', url: `/api/vcenter/vm/${vm}` }));
      await finishTask(t, task);
    }
    expectOk(await power(D.vm('db-01'), 'stop'), 204);
    expectOk(await power(D.vm('db-01'), 'start'), 204);
  });

  it('a task on another VM does not matter; privileges still come first', async () => {
    const task = await activeTask(t, D.vm('db-01'));
    expectOk(await power(D.vm('web-01'), 'reset'), 204);
    expectError(await power(D.vm('db-01'), 'stop', 'readonly'), 'UNAUTHORIZED');
    await finishTask(t, task);
  });
});
