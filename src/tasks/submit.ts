import type { Deps } from '../context.ts';
import type { PlannedFailure } from '../faults/injector.ts';
import type { Task, Vm } from '../domain/model.ts';
import { newId } from '../domain/ids.ts';
import type { Repos } from '../store/store.ts';
import { WithinFailed } from './runner.ts';
import type { TaskStarter, TaskType } from './task.ts';

/** The call that starts a task (vapi's Call is one): who calls, and which operation. */
export interface TaskCaller {
  deps: Deps;
  user: string;
  operation: TaskStarter;
  /** A failure a fault rule planned for this task (the simulation plane). */
  plannedFailure?: PlannedFailure;
}

/** What a task is about, and the input its executor gets. */
export interface TaskRequest<I> {
  target?: { type: string; id: string };
  clusterId?: string;
  vmId?: string;
  /** The VM as the checks read it in the transaction: work run within it need not read it again. */
  vm?: Vm;
  input: I;
}

/**
 * The one way a task operation starts its task. In one transaction under the admission lock
 * (so that admissions, also from other processes sharing the store, see each other), `check`
 * runs the state checks and says what the task is about; the task is stored in that same
 * transaction, so it exists exactly when its checks held. Returns the task id: the
 * operation's result.
 *
 * Without a queue delay the task is stored RUNNING, owned by this process's runner, and handed
 * to it once committed: the appliance has started a task by the time its id comes back, and
 * VMware's bindings refuse `progress` on a PENDING task while their samples read it on the
 * first poll. With `--task-queue-ms` the task waits PENDING for any runner to claim it.
 */
export async function admitTask<I>(call: TaskCaller, type: TaskType<I>, check: (tx: Repos) => Promise<TaskRequest<I>>): Promise<string> {
  const op = call.operation;
  if (op.task !== type) throw new Error(`${op.service}.${op.name} does not start task ${type.kind}`);
  const runner = call.deps.tasks;
  const owner = call.deps.config.taskQueueMs === 0 ? runner.adopter?.() : undefined;
  // With nothing to wait for, the work runs in the admission's transaction: one commit, and
  // the task is SUCCEEDED by the time its id comes back. A planned failure needs the task
  // stored before it fails, and so does any failure of the work: such an admission is made
  // again (its checks run again) and the work runs apart, where a failure ends the task FAILED.
  const runWithin = runner.runWithin?.bind(runner);
  if (owner !== undefined && call.plannedFailure === undefined && runWithin && type.within?.(call.deps.config)) {
    try {
      return await admit(call, type, check, owner, runWithin);
    } catch (err) {
      if (!(err instanceof WithinFailed)) throw err;
      call.deps.log.warn({ err: err.error, kind: type.kind }, 'task failed inside its admission: admitted again, to run apart');
    }
  }
  return admit(call, type, check, owner);
}

async function admit<I>(call: TaskCaller, type: TaskType<I>, check: (tx: Repos) => Promise<TaskRequest<I>>, owner: string | undefined, runWithin?: (task: Task, tx: Repos, vm?: Vm) => Promise<Task>): Promise<string> {
  const runner = call.deps.tasks;
  // Admissions arriving together share one commit; the checks still run one at a time.
  const task = await call.deps.store.batched(async (tx) => {
    await tx.locks.acquire('admission');
    const req = await check(tx);
    const task = newTask(call, type, req, owner);
    // Run first and stored once, as it ended: nothing in the transaction reads it meanwhile.
    if (runWithin) {
      await tx.tasks.insert(await runWithin(task, tx, req.vm));
      return task;
    }
    await tx.tasks.insert(task);
    // Planned before the commit, so the runner can never take the task without it.
    if (call.plannedFailure) call.deps.faults.planTask(task.id, call.plannedFailure);
    return task;
  });
  if (runWithin) return task.id;
  if (owner !== undefined) runner.adopt?.(task);
  else runner.notify();
  return task.id;
}

/** The task reports the service and operation (without `$task`) of the operation that started it. */
function newTask<I>(call: TaskCaller, type: TaskType<I>, req: TaskRequest<I>, owner: string | undefined): Task {
  const { clock, config } = call.deps;
  const now = clock.now();
  const task: Task = {
    id: newId(),
    kind: type.kind,
    service: call.operation.service,
    operation: call.operation.name.replace(/\$task$/, ''),
    description: { id: `com.vmware.snapservice.${type.description.id}`, defaultMessage: type.description.text, args: [] },
    status: owner === undefined ? 'PENDING' : 'RUNNING',
    cancelable: false,
    user: call.user,
    targetType: req.target?.type ?? null,
    targetId: req.target?.id ?? null,
    clusterId: req.clusterId ?? null,
    vmId: req.vmId ?? null,
    input: req.input,
    progressTotal: 0,
    progressCompleted: 0,
    progressMessage: null,
    result: null,
    error: null,
    createdAt: now,
    notBefore: now + config.taskQueueMs,
    startTime: owner === undefined ? null : now,
    endTime: null,
    owner: owner ?? null,
    step: 0,
  };
  return task;
}
