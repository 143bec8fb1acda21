import { createHash } from 'node:crypto';
import type { Config } from '../config/config.ts';

export type LoginPolicy = Pick<Config, 'loginMaxFailures' | 'loginMaxFailuresPerAddress' | 'loginFailureWindowMs' | 'loginLockoutMs'>;

interface Budget {
  /** Digests of the distinct wrong attempts in the window, with their times. */
  failures: Map<string, number>;
  lockedUntil: number;
}

/** Entries kept at most per map; an attacker's distinct names and addresses cannot grow it further. */
const MAX_ENTRIES = 10_000;

/**
 * Failure budgets for password checks, after vCenter Single Sign-On's lockout policy (5
 * failures within 180 s lock an account for 300 s), with two changes for a server that CI
 * pipelines share:
 *
 * - A user is locked only at the client address the failures came from (and an address that
 *   fails for many names is locked for all of them), so an attacker or a broken script on one
 *   machine cannot lock the administrator out of every other.
 * - Only distinct wrong passwords count. A script retrying one stale password spends one
 *   failure however often it retries, and its retries are answered from memory without
 *   hashing, so it neither locks anyone out nor costs scrypt work.
 *
 * Kept in memory, per process; a restart forgets every lock.
 */
export class LoginThrottle {
  private readonly byUser = new Map<string, Budget>();
  private readonly byAddress = new Map<string, Budget>();
  /** Attempts known to be wrong, by digest of (user, password, stored hash): until when. */
  private readonly wrong = new Map<string, number>();

  constructor(private readonly policy: LoginPolicy, private readonly now: () => number) {}

  /** When the lock on this user at this address (or on the address) lifts; undefined if none. */
  lockedUntil(user: string, address: string): number | undefined {
    const now = this.now();
    const until = Math.max(this.byUser.get(userKey(user, address))?.lockedUntil ?? 0, this.byAddress.get(address)?.lockedUntil ?? 0);
    return until > now ? until : undefined;
  }

  /** This exact attempt failed within the window: it may be refused again without hashing. */
  knownWrong(user: string, password: string, stored: string): boolean {
    const until = this.wrong.get(attemptDigest(user, password, stored));
    return until !== undefined && until > this.now();
  }

  /**
   * Charges an attempt to both budgets before the password is hashed, so that a burst of
   * concurrent guesses is stopped at the budget instead of after all of them were hashed;
   * the lock end instead if a budget is already spent. The returned function settles the
   * attempt: a success refunds it and clears the user's failures at that address; a failure is
   * remembered, so that the same wrong password is not hashed again.
   */
  attempt(user: string, address: string, password: string, stored: string): ((ok: boolean) => void) | { lockedUntil: number } {
    const lockedUntil = this.lockedUntil(user, address);
    if (lockedUntil !== undefined) return { lockedUntil };
    const now = this.now();
    const digest = attemptDigest(user, password, stored);
    this.spend(this.byUser, userKey(user, address), digest, this.policy.loginMaxFailures, now);
    this.spend(this.byAddress, address, digest, this.policy.loginMaxFailuresPerAddress, now);
    return (ok) => {
      if (ok) {
        this.byUser.delete(userKey(user, address));
        this.byAddress.get(address)?.failures.delete(digest);
      } else {
        bounded(this.wrong, (until) => until <= this.now()).set(digest, this.now() + this.policy.loginFailureWindowMs);
      }
    };
  }

  private spend(map: Map<string, Budget>, key: string, digest: string, max: number, now: number): void {
    const { loginFailureWindowMs: window, loginLockoutMs: lockout } = this.policy;
    let b = map.get(key);
    if (!b) {
      b = { failures: new Map(), lockedUntil: 0 };
      bounded(map, (x) => x.lockedUntil <= now && [...x.failures.values()].every((t) => t <= now - window)).set(key, b);
    }
    for (const [d, at] of b.failures) if (at <= now - window) b.failures.delete(d);
    b.failures.set(digest, now);
    if (b.failures.size >= max) {
      b.lockedUntil = now + lockout;
      b.failures.clear();
    }
  }
}

function userKey(user: string, address: string): string {
  return `${user}\0${address}`;
}

function attemptDigest(user: string, password: string, stored: string): string {
  return createHash('sha256').update(user).update('\0').update(password).update('\0').update(stored).digest('base64');
}

/** The map, with stale entries dropped once it is full, and the oldest if that was not enough. */
function bounded<V>(map: Map<string, V>, stale: (v: V) => boolean): Map<string, V> {
  if (map.size < MAX_ENTRIES) return map;
  for (const [k, v] of map) if (stale(v)) map.delete(k);
  for (const k of map.keys()) {
    if (map.size < MAX_ENTRIES) break;
    map.delete(k);
  }
  return map;
}
