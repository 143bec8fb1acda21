import { hostname } from 'node:os';
import { whenQuiet } from '../clock/clock.ts';
import type { Deps, TaskSignal } from '../context.ts';
import type { Message, Task, TaskKind, Vm } from '../domain/model.ts';
import { newId } from '../domain/ids.ts';
import type { Repos } from '../store/store.ts';
import { errors, VapiError } from '../errors.ts';
import { canMove, nextProgress } from './lifecycle.ts';

/** Thrown inside an executor when the runner is stopping: the task is left for recovery. */
export class Abandoned extends Error {}

/** The work of a task run inside its admission failed: the admission is rolled back with it. */
export class WithinFailed extends Error {
  constructor(readonly error: unknown) {
    super('task failed inside its admission');
  }
}

/** What an executor gets: its task, and the only ways to change it. */
export interface TaskRun {
  readonly task: Task;
  readonly deps: Deps;
  readonly signal: AbortSignal;
  /**
   * The admission's transaction, when the task runs inside it (TaskType.within): the executor
   * does all its work there, and the task ends when that transaction commits.
   */
  readonly within?: Repos;
  /** Run within its admission: the task's VM as the admission read it in `within`. */
  readonly admittedVm?: Vm;
  /**
   * Sets the total work and a message (completed stays where it was: 0, or a recovered task's).
   * With `tx`, a task with nothing to wait for starts and ends in that one transaction: the
   * two are then written with the task's next write (its end, in `tx`), one statement fewer.
   */
  begin(total: number, message: Message, tx?: Repos): Promise<void>;
  /** Reports progress (never backwards) and persists it. */
  progress(completed: number): Promise<void>;
  /** Persists a checkpoint so that a recovered run resumes after it. */
  checkpoint(step: number, tx?: Repos): Promise<void>;
  /** Waits on the service clock; throws Abandoned if the runner stops meanwhile. */
  sleep(ms: number): Promise<void>;
  /** Inside the executor's final transaction: SUCCEEDED with `result`, atomically with its effects. */
  succeed(tx: Repos, result?: unknown): Promise<void>;
  /** An injected failure for one member VM of this task (group snapshots), if a fault rule planned one. */
  memberFault(vmId: string): VapiError | undefined;
}

export type Executor = (run: TaskRun) => Promise<void>;

/**
 * Claims PENDING tasks, runs their executors and ends them SUCCEEDED or FAILED. Several
 * runners (processes) may share one store: claims are compare-and-set, ownership is kept
 * alive by heartbeats, and tasks of a runner that died are taken over and resumed.
 */
export class TaskRunner implements TaskSignal {
  readonly id = newId();
  private readonly abort = new AbortController();
  private running = new Map<string, Promise<void>>();
  private busy = 0;
  private pumping = false;
  private again = false;
  private stops: Array<() => void> = [];
  private wake?: AbortController;
  private started = false;

  constructor(private readonly deps: Deps, private readonly executors: Partial<Record<TaskKind, Executor>>) {}

  async start(): Promise<void> {
    const { store, config } = this.deps;
    const now = this.deps.wall.now();
    await store.repos.instances.register({ id: this.id, hostname: hostname(), pid: process.pid, startedAt: now, heartbeatAt: now });
    this.stops.push(this.deps.wall.every(Math.max(50, Math.floor(config.taskLeaseMs / 3)), () => void this.tick()));
    await this.recover();
    this.started = true;
    this.notify();
  }

  /** New work may be due: claim it now. */
  notify(): void {
    void this.pump();
  }

  /**
   * Runs a task that admission stored as RUNNING under this runner. A stopping runner leaves
   * it to recovery, like any task it owned.
   */
  adopter(): string | undefined {
    return this.started && !this.abort.signal.aborted ? this.id : undefined;
  }

  adopt(task: Task): void {
    if (this.abort.signal.aborted) return;
    this.launch(task);
  }

  /**
   * The task's work inside its admission's transaction, so that admission and work commit
   * once: with nothing to wait for, a client could not have seen the task between them.
   */
  async runWithin(task: Task, tx: Repos, vm?: Vm): Promise<Task> {
    const executor = this.executors[task.kind];
    this.busy++;
    try {
      if (!executor) throw errors.internal();
      const run = this.makeRun(task, tx, vm);
      await executor(run);
      if (run.task.status !== 'SUCCEEDED') throw new Error(`task ${task.id} did not end in its admission`);
      return run.task;
    } catch (err) {
      throw new WithinFailed(err);
    } finally {
      this.busy--;
    }
  }

  /** Resolves once no executor is doing work (sleeping on the clock counts as idle). */
  idle(): Promise<void> {
    return whenQuiet(() => this.busy === 0 && !this.pumping);
  }

  /**
   * Stops claiming work and interrupts executors at their next wait; their tasks stay RUNNING
   * and are taken over by the next runner on this store.
   */
  async stop(): Promise<void> {
    this.abort.abort();
    this.wake?.abort();
    for (const s of this.stops) s();
    await Promise.allSettled([...this.running.values()]);
    await this.deps.store.repos.instances.remove(this.id).catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.abort.signal.aborted) return;
    const { store, clock, config, log } = this.deps;
    try {
      await store.repos.instances.heartbeat(this.id, this.deps.wall.now());
      await this.recover();
      await store.repos.tasks.purgeFinished(clock.now() - config.taskRetentionMs);
      this.notify();
    } catch (err) {
      log.warn({ err }, 'task runner housekeeping failed');
    }
  }

  /**
   * Takes over RUNNING tasks whose owner is gone (crashed, or stopped without finishing).
   * Liveness is judged on real time: simulated time jumps must not look like a dead runner.
   */
  private async recover(): Promise<void> {
    const { store, config, log } = this.deps;
    const now = this.deps.wall.now();
    const host = hostname();
    const live: string[] = [];
    for (const i of await store.repos.instances.list()) {
      const dead = (i.hostname === host && !pidAlive(i.pid)) || now - i.heartbeatAt > config.taskLeaseMs;
      if (dead && i.id !== this.id) await store.repos.instances.remove(i.id);
      else live.push(i.id);
    }
    for (const t of await store.repos.tasks.orphaned(live)) {
      if (this.abort.signal.aborted) return;
      if (await store.repos.tasks.takeOver(t.id, t.owner, this.id)) {
        log.info({ task: t.id, kind: t.kind, from: t.owner }, 'recovering task');
        this.launch({ ...t, owner: this.id });
      }
    }
  }

  private async pump(): Promise<void> {
    if (this.abort.signal.aborted) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      // A nudge that arrives while we claim or arm the wake-up (the store may be slow, as
      // PostgreSQL is) must cause another round, or its task would wait for the next one.
      do {
        this.again = false;
        for (;;) {
          const t = await this.deps.store.repos.tasks.claimNext(this.id, this.deps.clock.now());
          if (!t) break;
          this.launch(t);
        }
        await this.armWake();
      } while (this.again && !this.abort.signal.aborted);
    } catch (err) {
      this.deps.log.error({ err }, 'task runner could not claim work');
    } finally {
      this.pumping = false;
    }
  }

  /** Sleeps until the earliest PENDING task is due (queued tasks wait `taskQueueMs`). */
  private async armWake(): Promise<void> {
    const due = await this.deps.store.repos.tasks.nextDue();
    this.wake?.abort();
    if (due === undefined) return;
    const wake = new AbortController();
    this.wake = wake;
    void this.deps.clock.sleep(Math.max(0, due - this.deps.clock.now()), wake.signal).then(() => {
      if (!wake.signal.aborted) this.notify();
    });
  }

  private launch(task: Task): void {
    const done = this.execute(task).finally(() => this.running.delete(task.id));
    this.running.set(task.id, done);
  }

  private async execute(task: Task): Promise<void> {
    const { store, log } = this.deps;
    const executor = this.executors[task.kind];
    this.busy++;
    try {
      if (!executor) throw errors.internal();
      await executor(this.makeRun(task));
    } catch (err) {
      if (err instanceof Abandoned || this.abort.signal.aborted) return;
      const e = err instanceof VapiError ? err : errors.internal();
      if (!(err instanceof VapiError)) log.error({ err, task: task.id }, 'task failed unexpectedly');
      const now = this.deps.clock.now();
      await store.repos.tasks
        .update(task.id, { status: 'FAILED', error: e.toBody(), endTime: now, owner: null }, this.id)
        .catch((e2: unknown) => log.error({ err: e2, task: task.id }, 'could not record task failure'));
    } finally {
      this.busy--;
      this.deps.faults.forget(task.id);
    }
  }

  private makeRun(initial: Task, within?: Repos, admittedVm?: Vm): TaskRun {
    const runner = this;
    const { store, clock } = this.deps;
    let task = initial;
    // Where a fault rule planned this task's failure, it is thrown at the first point at or
    // past the planned one, as any failure of the work itself would be.
    const at = (point: { progress?: number; step?: number }) => this.deps.faults.taskPoint(task.id, point);
    // What begin(.., tx) set, not written yet: it goes with the next write.
    let deferred: Partial<Task> = {};
    const save = async (patch: Partial<Task>, tx: Repos = store.repos) => {
      if (patch.status && !canMove(task.status, patch.status)) throw new Error(`task ${task.id}: ${task.status} -> ${patch.status}`);
      const all = { ...deferred, ...patch };
      // Run within its admission, the task is not stored yet: it is stored once, as it ended.
      if (tx !== within && !(await tx.tasks.update(task.id, all, runner.id))) throw new Abandoned('task taken over by another runner');
      deferred = {};
      task = { ...task, ...all };
    };
    return {
      get task() {
        return task;
      },
      deps: this.deps,
      signal: this.abort.signal,
      within,
      admittedVm,
      // A recovered task keeps the progress it had reported: completed never goes back.
      async begin(total, message, tx) {
        const patch = { progressTotal: Math.max(1, total, task.progressCompleted), progressMessage: message };
        if (tx) {
          deferred = patch;
          task = { ...task, ...patch };
        } else await save(patch);
        at({ progress: task.progressCompleted / task.progressTotal });
      },
      async progress(completed) {
        const next = nextProgress(task, completed);
        if (next > task.progressCompleted) await save({ progressCompleted: next });
        at({ progress: next / Math.max(1, task.progressTotal) });
      },
      async checkpoint(step, tx) {
        at({ step });
        await save({ step }, tx);
      },
      async sleep(ms) {
        runner.busy--;
        try {
          await clock.sleep(ms, runner.abort.signal);
        } finally {
          runner.busy++;
        }
        if (runner.abort.signal.aborted) throw new Abandoned('runner stopping');
      },
      async succeed(tx, result) {
        at({ progress: 1 });
        await save({ status: 'SUCCEEDED', result: result ?? null, endTime: clock.now(), progressCompleted: task.progressTotal, owner: null }, tx);
      },
      memberFault: (vmId) => this.deps.faults.memberFault(task.id, vmId),
    };
  }
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
