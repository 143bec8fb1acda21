import { isValidGlob } from './glob.ts';
import { MAX_NAME, type SnapshotPolicy, type TargetEntities } from './model.ts';
import { approxMs } from './time.ts';

export interface GroupLimits {
  policiesPerGroup: number;
  minIntervalMinutes: number;
}

export interface Problem {
  field: string;
  why: string;
}


export function nameProblem(field: string, name: string): Problem | undefined {
  if (name.trim().length === 0) return { field, why: 'must not be empty' };
  if (name.length > MAX_NAME) return { field, why: `must be at most ${MAX_NAME} characters` };
  return undefined;
}

export function targetProblem(field: string, t: TargetEntities): Problem | undefined {
  const patterns = t.vmNamePatterns ?? [];
  const rules = t.tagRules ?? [];
  if (patterns.length === 0 && (t.vms ?? []).length === 0 && rules.length === 0) {
    return { field, why: 'must name at least one virtual machine, VM name pattern or tag rule' };
  }
  const bad = patterns.findIndex((p) => !isValidGlob(p));
  if (bad >= 0) return { field: `${field}.vm_name_patterns[${bad}]`, why: `'${patterns[bad]}' is not a valid shell pattern` };
  const empty = rules.findIndex((r) => r.tags.length === 0);
  if (empty >= 0) return { field: `${field}.tag_rules[${empty}].tags`, why: 'must name at least one tag' };
  return undefined;
}

/** Policy rules: count limit, unique names, positive numbers, minimum interval. */
export function policyProblem(field: string, policies: readonly SnapshotPolicy[], limits: GroupLimits): Problem | undefined {
  if (policies.length > limits.policiesPerGroup) {
    return { field, why: `at most ${limits.policiesPerGroup} snapshot policies per protection group` };
  }
  const seen = new Set<string>();
  for (const [i, p] of policies.entries()) {
    const at = `${field}[${i}]`;
    const n = nameProblem(`${at}.name`, p.name);
    if (n) return n;
    if (seen.has(p.name)) return { field: `${at}.name`, why: `duplicate policy name '${p.name}'` };
    seen.add(p.name);
    if (p.schedule.interval < 1) return { field: `${at}.schedule.interval`, why: 'must be at least 1' };
    if (approxMs(p.schedule.unit, p.schedule.interval) < limits.minIntervalMinutes * 60_000) {
      return { field: `${at}.schedule`, why: `the minimum schedule interval is ${limits.minIntervalMinutes} minutes` };
    }
    if (p.retention.duration < 1) return { field: `${at}.retention.duration`, why: 'must be at least 1' };
  }
  return undefined;
}
