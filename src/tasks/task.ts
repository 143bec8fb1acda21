import type { Config } from '../config/config.ts';
import type { TaskKind } from '../domain/model.ts';
import type { Executor, TaskRun } from './runner.ts';

/**
 * What a task operation starts, defined once in the module that owns the operation and named
 * by that operation's `task` (vapi/operation.ts). The runner's executors are derived from the
 * operation definitions (`executorsOf`), and a task reports the service and operation of the
 * operation that started it (submit.ts), so no table elsewhere repeats them.
 */
export interface TaskType<I = unknown> {
  /** Stored with every task and read back after a restart: never rename a released kind. */
  readonly kind: TaskKind;
  /** The task's `description`: a message id (under `com.vmware.snapservice.`) and its text. */
  readonly description: { id: string; text: string };
  /** Does the work; `input` is what admission stored for it. */
  run(run: TaskRun, input: I): Promise<void>;
  /**
   * Whether, under this configuration, `run` does all its work in `run.within` when given it,
   * with nothing to wait for: the task may then run inside its admission's transaction.
   */
  within?(config: Config): boolean;
}

export function defineTask<I>(type: TaskType<I>): TaskType<I> {
  return type;
}

/** The part of an operation definition that names its task. */
export interface TaskStarter {
  service: string;
  name: string;
  task?: TaskType;
}

/**
 * The runner's executors by kind, from the operations that start tasks. Every operation starts
 * its own task type; a kind claimed twice, or a task named by an operation that is not a
 * `$task` operation, is a definition mistake and fails startup.
 */
export function executorsOf(operations: Iterable<TaskStarter>): Record<TaskKind, Executor> {
  const out: Record<TaskKind, Executor> = {};
  const owner = new Map<TaskKind, string>();
  for (const op of operations) {
    const type = op.task;
    if (!type) continue;
    const key = `${op.service}.${op.name}`;
    if (!op.name.endsWith('$task')) throw new Error(`${key} names task ${type.kind} but is not a $task operation`);
    const other = owner.get(type.kind);
    if (other !== undefined) throw new Error(`task kind ${type.kind} is started by both ${other} and ${key}`);
    owner.set(type.kind, key);
    out[type.kind] = (run) => type.run(run, run.task.input);
  }
  return out;
}
