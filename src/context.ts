import type { Logger } from 'pino';
import type { Clock, WallClock } from './clock/clock.ts';
import type { Config } from './config/config.ts';
import type { Role } from './domain/model.ts';
import type { Metrics } from './metrics/metrics.ts';
import type { LoginThrottle } from './security/login-throttle.ts';
import type { VerifiedCache } from './security/passwords.ts';
import type { StsKeys } from './sts/keys.ts';
import type { Store } from './store/store.ts';

/** A nudge to a background worker (task runner, scheduler): new work may be due. */
export interface TaskSignal {
  notify(): void;
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
  /** The root folder, top of every permission ancestry. */
  rootFolderId: string;
}
