import { errors } from '../../errors.ts';
import type { FaultInjector } from '../../faults/injector.ts';
import type { FaultRuleSpec } from '../../faults/rules.ts';
import { validate } from '../../vapi/validate.ts';
import { FaultCreateSpec, specFromWire, type FaultCreateWire } from './fault-schemas.ts';

/**
 * What the schema cannot say about a rule: which match fields go together, which effect
 * fields belong to which effect, and that the rule names something this server serves.
 * `at` prefixes field names in errors (`spec`, or a file's `rules[2]`).
 */
export function checkSpec(faults: FaultInjector, w: FaultCreateWire, at = 'spec'): FaultRuleSpec {
  const m = w.match;
  const e = w.effect;
  const bad = (field: string, why: string) => errors.invalidArgument(`${at}.${field}`, why);
  if (m.scheduled) {
    for (const f of ['service', 'operation', 'method', 'path', 'user'] as const) {
      if (m[f] !== undefined) throw bad(`match.${f}`, 'cannot be combined with match.scheduled: scheduled snapshots are no API call and have no user');
    }
    if (e.type === 'LATENCY') throw bad('effect.type', 'a scheduled snapshot can fail (ERROR, TASK_FAILURE) but not be delayed');
  } else {
    if (m.operation !== undefined && m.service === undefined) throw bad('match.operation', 'needs match.service');
    if (m.service === undefined && m.method === undefined && m.path === undefined) throw bad('match', 'must name a vAPI service (and operation), a REST method and path, or scheduled snapshots');
    if ((m.method === undefined) !== (m.path === undefined)) throw bad(m.method === undefined ? 'match.method' : 'match.path', 'a REST match needs both method and path');
    if (m.path !== undefined && !m.path.startsWith('/')) throw bad('match.path', 'must be a path template starting with /');
    if (!faults.names(m)) throw bad('match', 'names no operation this server serves');
  }
  if (m.scheduled === false) throw bad('match.scheduled', 'may only be true (leave it out to match API calls)');

  const allowed: Record<string, readonly string[]> = {
    ERROR: ['error_kind', 'message'],
    LATENCY: ['delay_ms', 'jitter_ms'],
    TASK_FAILURE: ['error_kind', 'message', 'at_progress', 'at_step', 'vms'],
  };
  for (const [k, v] of Object.entries(e)) {
    if (k !== 'type' && v !== undefined && !allowed[e.type].includes(k)) throw bad(`effect.${k}`, `does not apply to a ${e.type} effect`);
  }
  if (e.type === 'LATENCY' && e.delay_ms === undefined) throw bad('effect.delay_ms', 'is required for a LATENCY effect');
  if (e.at_progress !== undefined && e.at_step !== undefined) throw bad('effect.at_step', 'give at_progress or at_step, not both');
  if (e.vms !== undefined && (e.at_progress !== undefined || e.at_step !== undefined)) {
    throw bad('effect.vms', 'member VMs fail where they are snapshotted: at_progress and at_step do not apply');
  }
  if (e.vms !== undefined && e.vms.length === 0) throw bad('effect.vms', 'must name at least one VM');
  return specFromWire(w);
}

/** Rules from a `--faults` file (`{"rules": [...]}` or a bare array) or a seed's `faults`. */
export function parseRules(faults: FaultInjector, json: unknown, source: string): FaultRuleSpec[] {
  const list = Array.isArray(json) ? json : (json as { rules?: unknown })?.rules;
  if (!Array.isArray(list)) throw new Error(`${source}: expected {"rules": [...]} or an array of fault rules`);
  return list.map((r, i) => {
    const at = `rules[${i}]`;
    try {
      validate(FaultCreateSpec, r, at, false);
      return checkSpec(faults, r as FaultCreateWire, at);
    } catch (err) {
      throw new Error(`${source}: ${(err as Error).message}`);
    }
  });
}
