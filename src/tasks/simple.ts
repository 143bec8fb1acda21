import type { Repos } from '../store/store.ts';
import type { TaskRun } from './runner.ts';

/**
 * The shape of most tasks: RUNNING for the configured delay, then one transaction that makes
 * the change and ends the task SUCCEEDED with its result, so the change and the task's
 * outcome can never be seen apart.
 */
export async function runThenApply(run: TaskRun, apply: (tx: Repos) => Promise<unknown>): Promise<void> {
  const { config, store } = run.deps;
  await run.begin(1, run.task.description);
  if (config.taskDelayMs > 0) await run.sleep(config.taskDelayMs);
  await store.transaction(async (tx) => {
    const result = await apply(tx);
    await run.succeed(tx, result);
  });
  // Schedules may have changed; the scheduler looks again once the change is committed.
  run.deps.scheduler.notify();
}
