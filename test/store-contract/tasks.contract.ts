import { describe, expect, it } from 'vitest';
import type { Task, TaskKind } from '../../src/domain/model.ts';
import type { TaskFilter } from '../../src/store/store.ts';
import { AWKWARD_IDS, BIG, binary, FAR, scrambled, snapshot, task, type Ctx } from './fixtures.ts';

const rich = task('t-rich', {
  kind: 'pg.snapshot', status: 'RUNNING', cancelable: true, user: null, targetType: null, targetId: null, clusterId: null,
  input: { spec: { name: "O'Brien ünï", tags: ['a', 'b'], nested: { n: 1.5, ok: true, none: null } }, count: BIG },
  progressTotal: BIG, progressCompleted: 3, progressMessage: { id: 'p', defaultMessage: 'step {0}', args: ['1'] },
  result: ['r', 1, false], error: { error_type: 'NOT_FOUND', messages: [] }, createdAt: FAR, notBefore: FAR + 1,
  startTime: FAR + 2, endTime: FAR + 3, owner: 'runner-1', step: 7,
});

export function tasksContract(ctx: Ctx): void {
  describe('tasks', () => {
    it('round-trips every field: JSON, booleans, nulls and large times', async () => {
      const { tasks } = ctx.store.repos;
      await tasks.insert(rich);
      await tasks.insert(task('t-plain'));
      await tasks.insert(task('t-string', { input: 'just text', result: 42, error: 'boom' }));
      expect(await tasks.get('t-rich')).toEqual(rich);
      expect(await tasks.get('t-plain')).toEqual(task('t-plain'));
      expect(await tasks.get('t-string')).toEqual(task('t-string', { input: 'just text', result: 42, error: 'boom' }));
      expect(await tasks.get('nope')).toBeUndefined();
    });

    it('lists newest first (creation time, then id) up to the limit, with filters', async () => {
      const { tasks } = ctx.store.repos;
      const rows = AWKWARD_IDS.map((id, i) => task(id, { createdAt: i % 2 ? FAR : 5 }));
      for (const t of scrambled(rows)) await tasks.insert(t);
      const newest = [...rows].sort((a, b) => b.createdAt - a.createdAt || binary(b.id, a.id)).map((t) => t.id);
      expect((await tasks.list({}, 100)).map((t) => t.id)).toEqual(newest);
      expect((await tasks.list({}, 3)).map((t) => t.id)).toEqual(newest.slice(0, 3));
      expect((await tasks.list({}, 3, 2)).map((t) => t.id)).toEqual(newest.slice(2, 5));
      expect(await tasks.list({}, 3, 1000)).toEqual([]);

      await tasks.insert(task('f-1', { kind: 'pg.create', operation: 'create', service: 'svc.pg', status: 'SUCCEEDED', user: 'alice', createdAt: 1 }));
      await tasks.insert(task('f-2', { kind: 'vm.create', operation: 'create', service: 'svc.vm', status: 'FAILED', user: null, createdAt: 2 }));
      await tasks.insert(task('f-3', { kind: 'pg.delete', operation: 'delete', service: 'svc.pg', status: 'RUNNING', user: 'bob', createdAt: 3 }));
      const ids = async (f: TaskFilter) => (await tasks.list(f, 100)).map((t) => t.id);
      expect(await ids({ ids: ['f-1', 'f-3', 'zz'] })).toEqual(['f-3', 'f-1']);
      expect(await ids({ operations: ['create'] })).toEqual(['f-2', 'f-1']);
      expect(await ids({ kinds: ['pg.create', 'pg.delete'] })).toEqual(['f-3', 'f-1']);
      expect(await ids({ services: ['svc.pg'] })).toEqual(['f-3', 'f-1']);
      expect(await ids({ statuses: ['FAILED', 'RUNNING'] })).toEqual(['f-3', 'f-2']);
      expect(await ids({ users: ['alice', 'bob'] })).toEqual(['f-3', 'f-1']);
      expect(await ids({ services: ['svc.pg'], statuses: ['SUCCEEDED'] })).toEqual(['f-1']);
      for (const key of ['ids', 'kinds', 'operations', 'services', 'statuses', 'users'] as const) expect(await ids({ [key]: [] })).toEqual([]);
    });

    it('answers an admission as activeForVm and countActive would', async () => {
      const { tasks } = ctx.store.repos;
      await tasks.insert(task('p', { kind: 'vm.revert', status: 'PENDING', vmId: 'vm-1', createdAt: 3 }));
      await tasks.insert(task('r', { kind: 'vm.restore', status: 'RUNNING', vmId: 'vm-1', createdAt: 2 }));
      await tasks.insert(task('s', { kind: 'vm.revert', status: 'SUCCEEDED', vmId: 'vm-2' }));
      await tasks.insert(task('q', { kind: 'pg.create', status: 'PENDING', vmId: null }));
      const cases: Array<[string, TaskKind[], TaskKind[]]> = [
        ['vm-1', ['vm.revert', 'vm.restore', 'vm.linked_clone'], ['vm.revert']],
        ['vm-1', ['vm.revert'], ['vm.revert', 'vm.restore']],
        ['vm-1', ['vm.linked_clone'], ['pg.create']],
        ['vm-2', ['vm.revert'], ['vm.linked_clone']],
        ['vm-3', ['vm.revert'], ['vm.revert']],
        ['vm-1', [], ['vm.revert']],
        ['vm-1', ['vm.revert'], []],
      ];
      for (const [vm, vmKinds, capKinds] of cases) {
        const busy = await tasks.activeForVm(vm, vmKinds);
        expect(await tasks.admissionState(vm, vmKinds, capKinds)).toEqual({ busy: busy && { id: busy.id, operation: busy.operation }, active: await tasks.countActive(capKinds) });
      }
      expect((await tasks.admissionState('vm-1', ['vm.revert', 'vm.restore'], ['vm.revert'])).busy?.id).toBe('r');
      expect((await tasks.admissionState('vm-1', ['vm.revert', 'vm.restore'], ['vm.revert'])).active).toBe(1);
    });

    it('reads the snapshot an admission names with its state, as snapshots.get would', async () => {
      const { tasks, snapshots } = ctx.store.repos;
      await tasks.insert(task('p', { kind: 'vm.revert', status: 'PENDING', vmId: 'vm-1', createdAt: 3 }));
      await snapshots.insert(snapshot('s-1', { vmId: 'vm-2', name: "daily O'Brien" }), []);
      const cases: Array<[string, TaskKind[], TaskKind[]]> = [
        ['vm-1', ['vm.revert', 'vm.restore'], ['vm.revert']],
        ['vm-2', ['vm.revert'], ['vm.revert']],
        ['vm-1', [], ['vm.revert']],
        ['vm-1', ['vm.revert'], []],
      ];
      for (const [vm, vmKinds, capKinds] of cases) {
        const plain = await tasks.admissionState(vm, vmKinds, capKinds);
        expect(await tasks.admissionState(vm, vmKinds, capKinds, 's-1')).toStrictEqual({ ...plain, snapshot: { vmId: 'vm-2', name: "daily O'Brien" } });
        expect(await tasks.admissionState(vm, vmKinds, capKinds, 'nope')).toStrictEqual({ ...plain, snapshot: undefined });
      }
    });

    it('counts and finds active tasks by kind and VM', async () => {
      const { tasks } = ctx.store.repos;
      await tasks.insert(task('p', { kind: 'vm.revert', status: 'PENDING', vmId: 'vm-1', createdAt: 3 }));
      await tasks.insert(task('r', { kind: 'vm.restore', status: 'RUNNING', vmId: 'vm-1', createdAt: 2 }));
      await tasks.insert(task('s', { kind: 'vm.revert', status: 'SUCCEEDED', vmId: 'vm-2' }));
      await tasks.insert(task('f', { kind: 'pg.create', status: 'FAILED', vmId: null }));
      await tasks.insert(task('q', { kind: 'pg.create', status: 'PENDING', vmId: null }));
      expect(await tasks.countActive(['vm.revert', 'vm.restore'])).toBe(2);
      expect(await tasks.countActive(['vm.revert'])).toBe(1);
      expect(await tasks.countActive(['pg.create'])).toBe(1);
      expect(await tasks.countActive(['vm.linked_clone'])).toBe(0);
      expect(await tasks.countActive([])).toBe(0);
      expect((await tasks.activeForVm('vm-1', ['vm.revert']))?.id).toBe('p');
      expect((await tasks.activeForVm('vm-1', ['vm.restore']))?.id).toBe('r');
      expect((await tasks.activeForVm('vm-1', ['vm.revert', 'vm.restore']))?.id).toBe('r');
      expect(await tasks.activeForVm('vm-2', ['vm.revert'])).toBeUndefined();
      expect(await tasks.activeForVm('vm-1', [])).toBeUndefined();
      expect(await tasks.activeForVm('vm-1', ['vm.linked_clone'])).toEqual(undefined);
      expect(await tasks.activeForVm('vm-1', ['vm.revert'])).toEqual(task('p', { kind: 'vm.revert', status: 'PENDING', vmId: 'vm-1', createdAt: 3 }));
      const counts = await tasks.countByKindAndStatus();
      expect(counts.map((c) => `${c.kind} ${c.status} ${c.count}`).sort(binary)).toEqual(
        ['pg.create FAILED 1', 'pg.create PENDING 1', 'vm.restore RUNNING 1', 'vm.revert PENDING 1', 'vm.revert SUCCEEDED 1'].sort(binary),
      );
      expect(counts.every((c) => typeof c.count === 'number')).toBe(true);
    });

    it('countByKindAndStatus() is empty without tasks', async () => {
      expect(await ctx.store.repos.tasks.countByKindAndStatus()).toEqual([]);
    });

    it('activeForTarget() finds the oldest active task of these kinds on the target', async () => {
      const { tasks } = ctx.store.repos;
      const on = (id: string, over: Partial<Task>) => task(id, { kind: 'pg.update', targetType: 'ProtectionGroup', vmId: null, ...over });
      await tasks.insert(on('done', { targetId: 'pg-1', status: 'SUCCEEDED', createdAt: 1 }));
      await tasks.insert(on('x_b', { targetId: 'pg-1', status: 'RUNNING', createdAt: 5 }));
      await tasks.insert(on('x-b', { targetId: 'pg-1', status: 'PENDING', createdAt: 5 }));
      await tasks.insert(on('del', { targetId: 'pg-1', kind: 'pg.delete', status: 'PENDING', createdAt: 2 }));
      await tasks.insert(on('other', { targetId: 'pg-2', status: 'PENDING', createdAt: 0 }));
      expect(await tasks.activeForTarget('pg-1', ['pg.update'])).toEqual(on('x-b', { targetId: 'pg-1', status: 'PENDING', createdAt: 5 }));
      expect((await tasks.activeForTarget('pg-1', ['pg.update', 'pg.delete']))?.id).toBe('del');
      expect((await tasks.activeForTarget('pg-2', ['pg.update']))?.id).toBe('other');
      expect(await tasks.activeForTarget('pg-1', ['pg.pause'])).toBeUndefined();
      expect(await tasks.activeForTarget('pg-1', [])).toBeUndefined();
      expect(await tasks.activeForTarget('pg-9', ['pg.update'])).toBeUndefined();
    });

    it('claimNext() takes the oldest due PENDING task, respecting notBefore', async () => {
      const { tasks } = ctx.store.repos;
      expect(await tasks.claimNext('o-1', FAR)).toBeUndefined();
      await tasks.insert(task('later', { notBefore: 500, createdAt: 1 }));
      await tasks.insert(task('x-b', { notBefore: 100, createdAt: 9 }));
      await tasks.insert(task('x_a', { notBefore: 100, createdAt: 9 }));
      await tasks.insert(task('x-a', { notBefore: 100, createdAt: 9 }));
      await tasks.insert(task('old', { notBefore: 100, createdAt: 2 }));
      await tasks.insert(task('running', { status: 'RUNNING', owner: 'o-0', notBefore: 0, createdAt: 0 }));
      expect(await tasks.claimNext('o-1', 99)).toBeUndefined();
      const first = await tasks.claimNext('o-1', 100);
      expect(first).toEqual(task('old', { notBefore: 100, createdAt: 2, status: 'RUNNING', owner: 'o-1', startTime: 100 }));
      expect(await tasks.get('old')).toEqual(first);
      const order: string[] = [];
      for (let t; (t = await tasks.claimNext('o-2', 499)); ) order.push(t.id);
      expect(order).toEqual(['x-a', 'x-b', 'x_a']);
      expect((await tasks.claimNext('o-3', FAR))?.id).toBe('later');
      expect(await tasks.claimNext('o-3', FAR)).toBeUndefined();
      expect((await tasks.get('running'))?.owner).toBe('o-0');
    });

    it('claimNext() hands each task to exactly one of many concurrent claimers', async () => {
      const { tasks } = ctx.store.repos;
      const ids = Array.from({ length: 12 }, (_, i) => `t-${String(i).padStart(2, '0')}`);
      for (const id of ids) await tasks.insert(task(id, { createdAt: 10, notBefore: 10 }));
      const claimed: string[] = [];
      for (let round = 0; round < 50 && claimed.length < ids.length; round++) {
        const got = await Promise.all(Array.from({ length: 5 }, (_, i) => tasks.claimNext(`o-${i}`, 10)));
        for (const t of got) if (t) claimed.push(t.id);
      }
      expect([...claimed].sort()).toEqual(ids);
      for (const id of ids) expect((await tasks.get(id))?.status).toBe('RUNNING');
    });

    it('orphaned() and takeOver() find and move tasks of dead owners (compare-and-set)', async () => {
      const { tasks } = ctx.store.repos;
      await tasks.insert(task('live', { status: 'RUNNING', owner: 'alive', createdAt: 1 }));
      await tasks.insert(task('dead', { status: 'RUNNING', owner: 'gone', createdAt: 3 }));
      await tasks.insert(task('none', { status: 'RUNNING', owner: null, createdAt: 2 }));
      await tasks.insert(task('pending', { status: 'PENDING', owner: null }));
      await tasks.insert(task('done', { status: 'SUCCEEDED', owner: 'gone' }));
      expect((await tasks.orphaned(['alive'])).map((t) => t.id)).toEqual(['none', 'dead']);
      expect((await tasks.orphaned([])).map((t) => t.id)).toEqual(['live', 'none', 'dead']);
      expect((await tasks.orphaned(['alive', 'gone']))[0]).toEqual(task('none', { status: 'RUNNING', owner: null, createdAt: 2 }));

      expect(await tasks.takeOver('dead', 'someone-else', 'me')).toBe(false);
      expect(await tasks.takeOver('dead', 'gone', 'me')).toBe(true);
      expect(await tasks.takeOver('dead', 'gone', 'you')).toBe(false);
      expect((await tasks.get('dead'))?.owner).toBe('me');
      expect(await tasks.takeOver('none', null, 'me')).toBe(true);
      expect((await tasks.get('none'))?.owner).toBe('me');
      expect(await tasks.takeOver('pending', null, 'me')).toBe(false);
      expect(await tasks.takeOver('done', 'gone', 'me')).toBe(false);
      expect(await tasks.takeOver('missing', null, 'me')).toBe(false);
      expect((await tasks.orphaned(['alive'])).map((t) => t.id)).toEqual(['none', 'dead']);
      expect(await tasks.orphaned(['alive', 'me'])).toEqual([]);

      const racers = await Promise.all(['a', 'b', 'c', 'd'].map((to) => tasks.takeOver('dead', 'me', to)));
      expect(racers.filter(Boolean)).toHaveLength(1);
    });

    it('update() applies a patch only while the owner still holds the task', async () => {
      const { tasks } = ctx.store.repos;
      await tasks.insert(task('t', { status: 'RUNNING', owner: 'o-1' }));
      const patch: Partial<Task> = { progressCompleted: 5, progressMessage: { id: 'm', defaultMessage: 'half', args: [] }, step: 2, cancelable: true };
      expect(await tasks.update('t', patch, 'o-2')).toBe(false);
      expect(await tasks.get('t')).toEqual(task('t', { status: 'RUNNING', owner: 'o-1' }));
      expect(await tasks.update('t', patch, 'o-1')).toBe(true);
      expect(await tasks.get('t')).toEqual(task('t', { status: 'RUNNING', owner: 'o-1', ...patch }));
      const done: Partial<Task> = { status: 'FAILED', error: { kind: 'x' }, result: null, progressMessage: null, endTime: FAR, owner: null, cancelable: false, user: null };
      expect(await tasks.update('t', done, 'o-1')).toBe(true);
      expect(await tasks.get('t')).toEqual(task('t', { status: 'RUNNING', owner: 'o-1', ...patch, ...done }));
      expect(await tasks.update('t', { step: 9 }, 'o-1')).toBe(false);
      expect(await tasks.update('t', { step: 9, input: { again: [1, 2] } }, null)).toBe(true);
      expect(await tasks.get('t')).toMatchObject({ step: 9, input: { again: [1, 2] } });
      expect(await tasks.update('missing', { step: 1 }, null)).toBe(false);
    });

    it('update() leaves out undefined fields; an empty patch only checks ownership', async () => {
      const { tasks } = ctx.store.repos;
      const held = task('t', { status: 'RUNNING', owner: 'o-1', input: { keep: true }, progressMessage: { id: 'm', defaultMessage: 'x', args: [] } });
      await tasks.insert(held);
      expect(await tasks.update('t', { input: undefined, progressMessage: undefined, user: undefined, step: 3 }, 'o-1')).toBe(true);
      expect(await tasks.get('t')).toEqual({ ...held, step: 3 });
      expect(await tasks.update('t', {}, 'o-1')).toBe(true);
      expect(await tasks.update('t', { result: undefined }, 'o-1')).toBe(true);
      expect(await tasks.update('t', {}, 'o-2')).toBe(false);
      expect(await tasks.update('t', {}, null)).toBe(true);
      expect(await tasks.update('missing', {}, null)).toBe(false);
      expect(await tasks.get('t')).toEqual({ ...held, step: 3 });
    });

    it('purgeFinished() deletes tasks that ended strictly before the time', async () => {
      const { tasks } = ctx.store.repos;
      // A task ends after it was created: the purge searches by creation time.
      await tasks.insert(task('ok-old', { status: 'SUCCEEDED', createdAt: 5, endTime: 10 }));
      await tasks.insert(task('failed-old', { status: 'FAILED', createdAt: 5, endTime: 99 }));
      await tasks.insert(task('edge', { status: 'SUCCEEDED', createdAt: 5, endTime: 100 }));
      await tasks.insert(task('recent', { status: 'FAILED', endTime: FAR }));
      await tasks.insert(task('running', { status: 'RUNNING', endTime: null }));
      await tasks.insert(task('pending', { status: 'PENDING' }));
      expect(await tasks.purgeFinished(100)).toBe(2);
      expect((await tasks.list({}, 100)).map((t) => t.id).sort()).toEqual(['edge', 'pending', 'recent', 'running']);
      expect(await tasks.purgeFinished(100)).toBe(0);
      expect(await tasks.purgeFinished(FAR + 1)).toBe(2);
    });

    it('nextDue() is the earliest notBefore among PENDING tasks', async () => {
      const { tasks } = ctx.store.repos;
      expect(await tasks.nextDue()).toBeUndefined();
      await tasks.insert(task('run', { status: 'RUNNING', notBefore: 1 }));
      await tasks.insert(task('done', { status: 'SUCCEEDED', notBefore: 2 }));
      expect(await tasks.nextDue()).toBeUndefined();
      await tasks.insert(task('far', { notBefore: FAR }));
      expect(await tasks.nextDue()).toBe(FAR);
      await tasks.insert(task('near', { notBefore: 300 }));
      expect(await tasks.nextDue()).toBe(300);
    });
  });
}
