import { describe, expect, it } from 'vitest';
import { taskAnswer } from '../../src/modules/tasks/schemas.ts';
import type { Store } from '../../src/store/store.ts';
import { answerJson, stableAnswer } from '../../src/vapi/answers.ts';
import { task } from '../store-contract/fixtures.ts';
import { nextTask, storesWithOtherConnection } from '../helpers/other-connection.ts';

/**
 * What is made once per cached row (store/kysely/shared-rows.ts, modules/tasks taskAnswer,
 * vapi/answers.ts) must follow the row: a changed row, by this connection or another one
 * (another process), gives a new task, a new answer and a new text. Another connection on the
 * same file stands for another process, as in sqlite-read-cache.test.ts.
 */
describe('answers shared while a task row is unchanged', () => {
  const files = storesWithOtherConnection('shared-answers-');
  const open = () => files.open((s) => s.repos.tasks.insert(task('t1', { status: 'RUNNING', startTime: 2000, input: { disks: [{ key: 1 }] }, progressTotal: 4 })));
  const text = async (s: Store): Promise<string> => answerJson(taskAnswer((await s.repos.tasks.get('t1'))!));

  it('hands out one deep-frozen task, answer and text while the row is cached', async () => {
    const { store } = await open();
    await nextTask();
    const a = await store.repos.tasks.get('t1');
    await nextTask();
    const b = await store.repos.tasks.get('t1');
    expect(b).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen((a!.input as { disks: object[] }).disks[0])).toBe(true);
    expect(() => {
      (a as { status: string }).status = 'FAILED';
    }).toThrow(TypeError);
    expect(taskAnswer(b!)).toBe(taskAnswer(a!));
    expect(Object.isFrozen((taskAnswer(a!).progress as { message: object }).message)).toBe(true);
    expect(taskAnswer(a!, { excludeResult: true })).not.toBe(taskAnswer(a!));
    expect(await text(store)).toBe(await text(store));
    expect(JSON.parse(await text(store))).toMatchObject({ status: 'RUNNING', progress: { total: 4, completed: 0 } });
  });

  it('follows another connection\'s commit in the next macrotask', async () => {
    const { store, other } = await open();
    const before = await store.repos.tasks.get('t1');
    const beforeText = await text(store);
    other.prepare('update tasks set status = ?, end_time = ?, progress_completed = 4 where id = ?').run('SUCCEEDED', 3000, 't1');
    await nextTask();
    const after = await store.repos.tasks.get('t1');
    expect(after).not.toBe(before);
    expect(after).toMatchObject({ status: 'SUCCEEDED', endTime: 3000 });
    const afterText = await text(store);
    expect(afterText).not.toBe(beforeText);
    expect(JSON.parse(afterText)).toMatchObject({ status: 'SUCCEEDED', end_time: '1970-01-01T00:00:03.000Z', progress: { completed: 4 } });
  });

  it('follows its own writes at once', async () => {
    const { store } = await open();
    const before = await store.repos.tasks.get('t1');
    expect(await store.repos.tasks.update('t1', { status: 'FAILED', endTime: 3000, error: { kind: 'boom' } }, null)).toBe(true);
    const after = await store.repos.tasks.get('t1');
    expect(after).not.toBe(before);
    expect(JSON.parse(await text(store))).toMatchObject({ status: 'FAILED', error: { kind: 'boom' } });
  });

  it('maps a read inside a transaction on every read, as a task of its own', async () => {
    const { store } = await open();
    await store.transaction(async (tx) => {
      const a = await tx.tasks.get('t1');
      const b = await tx.tasks.get('t1');
      expect(a).toEqual(b);
      expect(a).not.toBe(b);
      expect(Object.isFrozen(a)).toBe(false);
      expect(taskAnswer(a!)).not.toBe(taskAnswer(a!));
    });
  });

  it('serializes an answer that is not marked stable on every call', () => {
    const answer: Record<string, unknown> = { status: 'RUNNING' };
    expect(answerJson(answer)).toBe('{"status":"RUNNING"}');
    answer.status = 'SUCCEEDED';
    expect(answerJson(answer)).toBe('{"status":"SUCCEEDED"}');
    const stable = stableAnswer({ status: 'RUNNING', progress: { completed: 1 } });
    expect(Object.isFrozen(stable.progress)).toBe(true);
    expect(answerJson(stable)).toBe('{"status":"RUNNING","progress":{"completed":1}}');
    expect(answerJson(stable)).toBe(answerJson(stable));
    expect(answerJson('task-1')).toBe('"task-1"');
  });
});
