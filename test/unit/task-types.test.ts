import { describe, expect, it } from 'vitest';
import { allOperations, everyOperation } from '../../src/modules/index.ts';
import { isNotImplemented } from '../../src/modules/later/operations.ts';
import { defineTask, executorsOf } from '../../src/tasks/task.ts';
import { admitTask, type TaskCaller } from '../../src/tasks/submit.ts';

const noop = defineTask<null>({ kind: 'test.noop', description: { id: 'test.noop', text: 'Nothing' }, run: async () => undefined });

describe('task types beside their operations', () => {
  it('every served $task operation names the task it starts, and nothing else does', () => {
    for (const op of allOperations({ sim: true, release: '9.1' }).filter((o) => !isNotImplemented(o))) {
      expect(op.task !== undefined, `${op.service}.${op.name}`).toBe(op.rest.task === true);
    }
  });

  it('derives one executor per kind from the operation definitions', () => {
    const kinds = Object.keys(executorsOf(everyOperation())).sort();
    expect(kinds).toEqual(['cluster_pair.create', 'cluster_pair.delete', 'cluster_pair.precheck', 'pg.activate', 'pg.create', 'pg.delete', 'pg.demote', 'pg.pause', 'pg.promote',
      'pg.ransomware_recovery.end', 'pg.ransomware_recovery.start', 'pg.resume', 'pg.snapshot', 'pg.update',
      'site.add', 'site.delete', 'site.update', 'vm.linked_clone', 'vm.protection_configuration.update', 'vm.restore', 'vm.revert',
      'vm_snapshot.add_label', 'vm_snapshot.delete', 'vm_snapshot.delete_label', 'vm_snapshot.set_labels', 'vm_snapshot.update']);
  });

  it('refuses a kind started by two operations, or a task on an operation that is not a $task one', () => {
    expect(() => executorsOf([{ service: 's', name: 'a$task', task: noop }, { service: 's', name: 'b$task', task: noop }])).toThrow(
      'task kind test.noop is started by both s.a$task and s.b$task',
    );
    expect(() => executorsOf([{ service: 's', name: 'get', task: noop }])).toThrow('s.get names task test.noop but is not a $task operation');
  });

  it('admits only the task of the operation being called', async () => {
    const other = defineTask<null>({ ...noop, kind: 'test.other' });
    const call = { deps: {}, user: 'u', operation: { service: 's', name: 'a$task', task: noop } } as unknown as TaskCaller;
    await expect(admitTask(call, other, async () => ({ input: null }))).rejects.toThrow('s.a$task does not start task test.other');
  });
});
