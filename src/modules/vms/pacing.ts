import type { TaskRun } from '../../tasks/runner.ts';

/**
 * Waits out a task's modelled duration on the service clock in up to 20 steps, reporting
 * progress towards the total set by `run.begin` on the way (the last step is the caller's).
 */
export async function paced(run: TaskRun, durationMs: number): Promise<void> {
  const total = run.task.progressTotal;
  const ticks = durationMs > 0 ? Math.min(20, Math.max(1, Math.floor(durationMs / 100))) : 0;
  for (let i = 1; i <= ticks; i++) {
    await run.sleep(durationMs / ticks);
    if (i < ticks) await run.progress((total * i) / ticks);
  }
}
