import type { Logger } from 'pino';
import type { Clock, WallClock } from './clock/clock.ts';
import type { Config } from './config/config.ts';
import type { FaultInjector } from './faults/injector.ts';
import type { LinkTable } from './faults/links.ts';
import type { Journal } from './journal/journal.ts';
import type { Role, Task, Vm } from './domain/model.ts';
import type { Metrics } from './metrics/metrics.ts';
import type { LoginThrottle } from './security/login-throttle.ts';
import type { VerifiedCache } from './security/passwords.ts';
import type { StsKeys } from './sts/keys.ts';
import type { Repos, Store } from './store/store.ts';

/** A nudge to a background worker (task runner, scheduler): new work may be due. */
export interface TaskSignal {
  notify(): void;
  /** The owner id to admit tasks under, when a started runner in this process takes them. */
  adopter?(): string | undefined;
  /** Runs a task admitted as RUNNING under that owner (see tasks/submit.ts). */
  adopt?(task: Task): void;
  /**
   * Runs a task admitted as RUNNING under that owner inside its admission's transaction, before
   * it is stored, to its end; resolves with the task as it ended, to be stored (tasks/submit.ts).
   * A failure of the work rejects with WithinFailed. `vm`: the task's VM as the admission read
   * it in `tx`, which the work then need not read again.
   */
  runWithin?(task: Task, tx: Repos, vm?: Vm): Promise<Task>;
}

/**
 * Work started by a request. A handler may outlive its response (the client went away, the
 * server answered 503 while closing): a stop waits for it before closing the store under it.
 */
export class InFlight {
  // A count rather than a set of the promises: adding and deleting one per request showed in
  // allocation profiles (the set's rehashing), and a drain needs only to know when none is left.
  private count = 0;
  private idle: Array<() => void> = [];
  private readonly settled = (): void => {
    if (--this.count > 0) return;
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  };

  run<T>(work: () => Promise<T>): Promise<T> {
    return this.track(work());
  }

  /** The same as `run(() => p)` for work already started, without a closure per call. */
  track<T>(p: Promise<T>): Promise<T> {
    this.count++;
    p.then(this.settled, this.settled);
    return p;
  }

  async drain(): Promise<void> {
    while (this.count > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }
}

/** This server as a site: what a paired site knows it by and reaches it at. */
export interface SelfSite {
  /** Site and vCenter ids, made once per store (migration 0005_sites). */
  id: string;
  vcenterId: string;
  /** https://host:port a peer calls; set once the server listens on HTTPS (unset: cannot pair). */
  url?: string;
  /** The certificate (PEM) this server presents, handed to a peer to pin. */
  certificate?: string;
}

/** Process-wide dependencies, built once by main (or a test) and passed down explicitly. */
export interface Deps {
  config: Config;
  store: Store;
  /** Service time: schedules, expiries, task and snapshot timestamps. */
  clock: Clock;
  /** Real elapsed time: sessions, runner liveness, polling. */
  wall: WallClock;
  log: Logger;
  /** Prometheus instruments (no-ops with --no-metrics). */
  metrics: Metrics;
  tasks: TaskSignal;
  /** Nudged when groups or snapshot expiries change. */
  scheduler: TaskSignal;
  verified: VerifiedCache;
  /** The STS signing key and certificate: SAML tokens are issued and checked with them. */
  sts: StsKeys;
  /** Failure budgets of password logins (per user and address, per address). */
  logins: LoginThrottle;
  /** Role definitions change only through seeding; cached here and reloaded on a miss. */
  roles: Map<string, Role>;
  site: SelfSite;
  /** The root folder, top of every permission ancestry. */
  rootFolderId: string;
  /** Requests' work, drained before the store closes. */
  inflight: InFlight;
  /** Fault rules of the simulation plane, and the task failures they planned. */
  faults: FaultInjector;
  /** Simulated conditions of the links to paired sites (sim API), applied by the peer client. */
  links: LinkTable;
  /** The latest API calls, for tests to assert on. */
  journal: Journal;
}
