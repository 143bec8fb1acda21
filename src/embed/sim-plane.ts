import type { SimTransport } from './http.ts';

/**
 * Fault rules and the request journal as typed calls (`/api/sim/faults`, `/api/sim/requests`).
 * Names are camelCase here as in the rest of the embedding API; the wire is snake_case.
 */

export type FaultEffectType = 'ERROR' | 'LATENCY' | 'TASK_FAILURE';

export interface FaultMatch {
  /** vAPI service id, e.g. `com.vmware.snapservice.clusters.virtual_machines`. */
  service?: string;
  /** vAPI operation, e.g. `revert` (also matches `revert$task`). */
  operation?: string;
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** REST path template, e.g. `/api/snapservice/tasks/{task}`. */
  path?: string;
  /** Scheduled group snapshots. */
  scheduled?: boolean;
  user?: string;
  object?: string;
}

export interface FaultEffect {
  type: FaultEffectType;
  /** A vAPI error kind, e.g. `SERVICE_UNAVAILABLE`. */
  errorKind?: string;
  message?: string;
  delayMs?: number;
  jitterMs?: number;
  /** TASK_FAILURE: fail once progress reaches this percentage. */
  atProgress?: number;
  atStep?: number;
  /** TASK_FAILURE of a group snapshot: the member VMs that fail. */
  vms?: string[];
}

export interface FaultRuleSpec {
  name?: string;
  match: FaultMatch;
  effect: FaultEffect;
  probability?: number;
  seed?: number;
  count?: number;
  after?: number;
  enabled?: boolean;
}

export interface FaultRule extends FaultRuleSpec {
  rule: string;
  probability: number;
  seed: number;
  after: number;
  enabled: boolean;
  /** Calls the rule matched. */
  matches: number;
  /** Calls it changed. */
  hits: number;
}

export interface SimFaults {
  /** Adds a rule; returns it as stored. */
  add(spec: FaultRuleSpec): Promise<FaultRule>;
  list(): Promise<FaultRule[]>;
  get(rule: string): Promise<FaultRule>;
  remove(rule: string): Promise<void>;
  /** Removes every rule. */
  clear(): Promise<void>;
  /** Counters and random generators back to their start. */
  reset(): Promise<void>;
  enable(rule: string): Promise<FaultRule>;
  disable(rule: string): Promise<FaultRule>;
}

export interface RequestRecord {
  seq: number;
  time: Date;
  protocol: 'REST' | 'JSON-RPC' | 'STS';
  method: string;
  path: string;
  user?: string;
  operation?: string;
  ids: Record<string, string>;
  /** A summary of the input, secrets redacted. */
  input?: string;
  status: number;
  error?: string;
  task?: string;
  durationMs: number;
}

export interface RequestFilter {
  operation?: string;
  user?: string;
  object?: string;
  since?: Date;
  /** An HTTP status or a vAPI error kind. */
  status?: string | number;
}

export interface SimRequests {
  list(filter?: RequestFilter): Promise<RequestRecord[]>;
  clear(): Promise<void>;
}

type Wire = Record<string, unknown>;
const seg = (s: string) => encodeURIComponent(s);
const PATH = '/api/sim/faults';

function defined(o: Wire): Wire {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function effectToWire(e: FaultEffect): Wire {
  return defined({
    type: e.type, error_kind: e.errorKind, message: e.message, delay_ms: e.delayMs, jitter_ms: e.jitterMs,
    at_progress: e.atProgress, at_step: e.atStep, vms: e.vms,
  });
}

function ruleFromWire(w: Wire): FaultRule {
  const e = w.effect as Wire;
  const effect = defined({
    type: e.type, errorKind: e.error_kind, message: e.message, delayMs: e.delay_ms, jitterMs: e.jitter_ms,
    atProgress: e.at_progress, atStep: e.at_step, vms: e.vms,
  }) as unknown as FaultEffect;
  return defined({
    rule: w.rule, name: w.name, match: w.match, effect, probability: w.probability, seed: w.seed, count: w.count,
    after: w.after, enabled: w.enabled, matches: w.matches, hits: w.hits,
  }) as unknown as FaultRule;
}

export function faultsClient(t: SimTransport): SimFaults {
  const get = async (rule: string) => ruleFromWire(await t.call<Wire>('GET', `${PATH}/${seg(rule)}`));
  return {
    async add(spec) {
      const body = defined({ ...spec, match: defined({ ...spec.match }), effect: effectToWire(spec.effect) });
      return get(await t.call<string>('POST', PATH, body));
    },
    list: async () => (await t.call<Wire[]>('GET', PATH)).map(ruleFromWire),
    get,
    remove: async (rule) => void (await t.call('DELETE', `${PATH}/${seg(rule)}`)),
    clear: async () => void (await t.call('DELETE', PATH)),
    reset: async () => void (await t.call('POST', `${PATH}?action=reset`)),
    enable: async (rule) => ruleFromWire(await t.call<Wire>('POST', `${PATH}/${seg(rule)}?action=enable`)),
    disable: async (rule) => ruleFromWire(await t.call<Wire>('POST', `${PATH}/${seg(rule)}?action=disable`)),
  };
}

function recordFromWire(w: Wire): RequestRecord {
  const ids = Object.fromEntries((w.ids as Array<{ name: string; id: string }>).map((p) => [p.name, p.id]));
  return defined({
    seq: w.seq, time: new Date(w.time as string), protocol: w.protocol, method: w.method, path: w.path, user: w.user,
    operation: w.operation, ids, input: w.input, status: w.status, error: w.error, task: w.task, durationMs: w.duration_ms,
  }) as unknown as RequestRecord;
}

export function requestsClient(t: SimTransport): SimRequests {
  return {
    async list(filter = {}) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(filter)) {
        if (v !== undefined) q.set(k, v instanceof Date ? v.toISOString() : String(v));
      }
      const s = q.toString();
      return (await t.call<Wire[]>('GET', `/api/sim/requests${s ? `?${s}` : ''}`)).map(recordFromWire);
    },
    clear: async () => void (await t.call('DELETE', '/api/sim/requests')),
  };
}
