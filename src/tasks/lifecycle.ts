import type { Task, TaskStatus } from '../domain/model.ts';

/** vAPI task states and the moves between them; a finished task never changes again. */
const NEXT: Record<TaskStatus, TaskStatus[]> = {
  PENDING: ['RUNNING', 'FAILED'],
  RUNNING: ['BLOCKED', 'SUCCEEDED', 'FAILED'],
  BLOCKED: ['RUNNING', 'FAILED'],
  SUCCEEDED: [],
  FAILED: [],
};

export function canMove(from: TaskStatus, to: TaskStatus): boolean {
  return NEXT[from].includes(to);
}

/** Progress can only grow. */
export function nextProgress(task: Pick<Task, 'progressCompleted' | 'progressTotal'>, completed: number): number {
  return Math.min(task.progressTotal, Math.max(task.progressCompleted, Math.floor(completed)));
}
