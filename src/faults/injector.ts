import { errors, vapiError, type ErrorKind, type VapiError } from '../errors.ts';
import { matches, matchesScheduled, seededRandom, type CallPoint, type FaultMatch, type FaultRule, type FaultRuleSpec } from './rules.ts';

/** A task failure decided when the task's operation was called, applied while it runs. */
export interface PlannedFailure {
  error: VapiError;
  /** Fails once progress reaches this fraction (0..1) of the total... */
  atProgress?: number;
  /** ...or once the task checkpoints this step. Neither: as soon as it starts. */
  atStep?: number;
  /** Only these member VMs fail (group snapshots); the task itself goes on. */
  vms?: Set<string>;
}

/** What rules decided for one call. */
export interface CallFaults {
  error?: VapiError;
  delayMs: number;
  task?: PlannedFailure;
}

/** What rules decided for one scheduled snapshot. */
export interface ScheduledFaults {
  /** The whole attempt fails. */
  error?: VapiError;
  member?: (vmId: string) => VapiError | undefined;
}

/** Plans of tasks whose admission rolled back are never claimed; this bounds them. */
const MAX_PLANS = 10_000;

/**
 * The fault rules of this process (kept in memory: they are test set-up, loaded from
 * `--faults` and the seed at each start) and the task failures they planned.
 */
export class FaultInjector {
  /** Every call point a rule can name (the served operations and the STS), for checking rules. */
  catalogue: CallPoint[] = [];
  private rules: FaultRule[] = [];
  private randoms = new Map<string, () => number>();
  private plans = new Map<string, PlannedFailure>();
  private seq = 0;
  private delayWaiters: Array<() => void> = [];

  add(spec: FaultRuleSpec): FaultRule {
    const rule: FaultRule = { ...structuredClone(spec), id: `fault-${++this.seq}`, matches: 0, hits: 0 };
    this.rules.push(rule);
    this.randoms.set(rule.id, seededRandom(rule.seed));
    return structuredClone(rule);
  }

  list(): FaultRule[] {
    return this.rules.map((r) => structuredClone(r));
  }

  get(id: string): FaultRule | undefined {
    const r = this.rules.find((x) => x.id === id);
    return r && structuredClone(r);
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    this.randoms.delete(id);
    return this.rules.length < before;
  }

  /** Removes every rule and every planned task failure. */
  clear(): void {
    this.rules = [];
    this.randoms.clear();
    this.plans.clear();
  }

  /** Counters back to zero and generators back to their seeds: a run repeats exactly. */
  reset(): void {
    for (const r of this.rules) {
      r.matches = 0;
      r.hits = 0;
      this.randoms.set(r.id, seededRandom(r.seed));
    }
  }

  setEnabled(id: string, enabled: boolean): FaultRule | undefined {
    const r = this.rules.find((x) => x.id === id);
    if (r) r.enabled = enabled;
    return r && structuredClone(r);
  }

  /** Whether a match names some call this server serves (always true for scheduled snapshots). */
  names(m: FaultMatch): boolean {
    if (m.scheduled) return true;
    const bare = { ...m, user: undefined, object: undefined };
    return this.catalogue.some((p) => matches(bare, p));
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** Every enabled rule matching the call counts it; the first firing error and task failure win, delays add up. */
  onCall(point: CallPoint): CallFaults {
    const out: CallFaults = { delayMs: 0 };
    for (const r of this.rules) {
      if (!r.enabled || !matches(r.match, point)) continue;
      const e = r.effect;
      // A task failure means nothing to a call that starts no task: such calls do not count.
      if (e.type === 'TASK_FAILURE' && !point.task) continue;
      if (!this.fires(r)) continue;
      if (e.type === 'LATENCY') out.delayMs += e.delayMs + Math.floor(this.random(r) * (e.jitterMs + 1));
      else if (e.type === 'ERROR') out.error ??= injected(r, e.kind, e.message);
      else out.task ??= { error: injected(r, e.kind, e.message), atProgress: e.atProgress === undefined ? undefined : e.atProgress / 100, atStep: e.atStep, vms: e.vms && new Set(e.vms) };
    }
    return out;
  }

  /** Scheduled snapshots of a group (objects: its id and its cluster's). */
  onScheduled(objects: string[]): ScheduledFaults {
    for (const r of this.rules) {
      if (!r.enabled || !matchesScheduled(r.match, objects)) continue;
      if (r.effect.type === 'LATENCY' || !this.fires(r)) continue;
      const error = injected(r, r.effect.kind, r.effect.message);
      const vms = r.effect.type === 'TASK_FAILURE' ? r.effect.vms : undefined;
      if (!vms) return { error };
      const failing = new Set(vms);
      return { member: (vm) => (failing.has(vm) ? error : undefined) };
    }
    return {};
  }

  planTask(taskId: string, plan: PlannedFailure): void {
    if (this.plans.size >= MAX_PLANS) this.plans.delete(this.plans.keys().next().value as string);
    this.plans.set(taskId, plan);
  }

  /**
   * Called by the runner as a task reaches a point (progress as a fraction, or a checkpoint
   * step): throws the planned error once the point is at or past the planned one.
   */
  taskPoint(taskId: string, at: { progress?: number; step?: number }): void {
    const plan = this.plans.get(taskId);
    if (!plan || plan.vms) return;
    const due = plan.atStep !== undefined
      ? at.step !== undefined && at.step >= plan.atStep
      : at.progress !== undefined && at.progress >= (plan.atProgress ?? 0);
    if (!due) return;
    this.plans.delete(taskId);
    throw plan.error;
  }

  /** The planned error of one member VM of a task that fails for some members only. */
  memberFault(taskId: string, vmId: string): VapiError | undefined {
    const plan = this.plans.get(taskId);
    return plan?.vms?.has(vmId) ? plan.error : undefined;
  }

  /** The task has ended: its plan, if any, goes. */
  forget(taskId: string): void {
    this.plans.delete(taskId);
  }

  /** Resolves when the next injected delay begins (tests then advance the clock past it). */
  nextDelay(): Promise<void> {
    return new Promise((resolve) => this.delayWaiters.push(resolve));
  }

  /** The pipeline calls this as an injected delay starts. */
  delayStarted(): void {
    const waiters = this.delayWaiters;
    this.delayWaiters = [];
    for (const w of waiters) w();
  }

  private fires(r: FaultRule): boolean {
    r.matches++;
    if (r.matches <= r.after) return false;
    if (r.count !== undefined && r.hits >= r.count) return false;
    if (r.probability < 1 && this.random(r) >= r.probability) return false;
    r.hits++;
    return true;
  }

  private random(r: FaultRule): number {
    return (this.randoms.get(r.id) as () => number)();
  }
}

function injected(r: FaultRule, kind: ErrorKind, message: string | undefined): VapiError {
  const text = message ?? `Fault injected by simulation rule ${r.id}${r.name ? ` (${r.name})` : ''}.`;
  // UNAUTHENTICATED carries its challenge, as a real one does.
  return kind === 'UNAUTHENTICATED' ? errors.unauthenticated(text) : vapiError(kind, 'sim.fault', text, r.id);
}
