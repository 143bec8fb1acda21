import type { ErrorKind } from '../errors.ts';

/**
 * A fault rule as the injector keeps it (the wire form is the sim module's). A rule matches
 * calls and, when it fires, has one effect.
 */
export interface FaultMatch {
  /** vAPI service id; with `operation`, one operation (a name without `$task` matches both variants). */
  service?: string;
  operation?: string;
  /** REST method and path template (`{param}` placeholders, optional `?action=x` and `vmw-task=true`). */
  method?: string;
  path?: string;
  /** Scheduled protection-group snapshots instead of API calls. */
  scheduled?: boolean;
  /** Only calls by this user (compared case-insensitively, as vCenter compares names). */
  user?: string;
  /** Only calls naming this object id (a path id, a task's VM or group). */
  object?: string;
}

export type FaultEffect =
  | { type: 'ERROR'; kind: ErrorKind; message?: string }
  | { type: 'LATENCY'; delayMs: number; jitterMs: number }
  | { type: 'TASK_FAILURE'; kind: ErrorKind; message?: string; atProgress?: number; atStep?: number; vms?: string[] };

export interface FaultRuleSpec {
  name?: string;
  match: FaultMatch;
  effect: FaultEffect;
  /** Chance (0..1) that a match fires; drawn from the rule's own seeded generator. */
  probability: number;
  seed: number;
  /** Fires at most this many times. */
  count?: number;
  /** The first `after` matches pass untouched (after: 2 fails the third call). */
  after: number;
  enabled: boolean;
}

export interface FaultRule extends FaultRuleSpec {
  id: string;
  /** Calls the rule matched while enabled. */
  matches: number;
  /** Times its effect was applied. */
  hits: number;
}

/** What a call is, as rules see it. */
export interface CallPoint {
  service: string;
  operation: string;
  method?: string;
  /** REST path template of the operation, `action` and whether it is the `$task` variant. */
  path?: string;
  action?: string;
  task: boolean;
  user?: string;
  objects: string[];
}

export function matches(m: FaultMatch, p: CallPoint): boolean {
  if (m.scheduled) return false;
  if (m.service !== undefined && m.service !== p.service) return false;
  if (m.operation !== undefined && !sameOperation(m.operation, p.operation)) return false;
  if (m.method !== undefined && m.method.toUpperCase() !== p.method) return false;
  if (m.path !== undefined && !samePath(m.path, p)) return false;
  return matchesWho(m, p.user, p.objects);
}

export function matchesScheduled(m: FaultMatch, objects: string[]): boolean {
  return m.scheduled === true && m.user === undefined && matchesWho(m, undefined, objects);
}

function matchesWho(m: FaultMatch, user: string | undefined, objects: string[]): boolean {
  if (m.user !== undefined && m.user.toLowerCase() !== user?.toLowerCase()) return false;
  return m.object === undefined || objects.includes(m.object);
}

/** `revert` names the operation and its `$task` twin; `revert$task` only the twin. */
function sameOperation(wanted: string, actual: string): boolean {
  return wanted === actual || `${wanted}$task` === actual;
}

/** A template given with `?action=x&vmw-task=true` narrows to that action and variant. */
function samePath(template: string, p: CallPoint): boolean {
  const [path, query = ''] = template.split('?');
  if (trimSlash(path) !== trimSlash(p.path ?? '')) return false;
  const q = new URLSearchParams(query);
  const action = q.get('action');
  if (action !== null && action !== p.action) return false;
  if (q.get('vmw-task') === 'true' && !p.task) return false;
  return true;
}

const trimSlash = (s: string) => (s.length > 1 && s.endsWith('/') ? s.slice(0, -1) : s);

/**
 * mulberry32: a small seeded generator, so that "fail 30% of calls" fails the same calls
 * on every run with the same seed and call order.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
