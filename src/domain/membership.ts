import { globMatcher } from './glob.ts';
import type { ProtectionGroup, TargetEntities } from './model.ts';
import { ruleMatches } from './tags.ts';

export interface NamedVm {
  id: string;
  name: string;
}

/** The tags attached to each VM (VMs without tags may be absent). */
export type VmTags = ReadonlyMap<string, ReadonlySet<string>>;

const NO_TAGS: ReadonlySet<string> = new Set();

/**
 * A group's members: its explicit VMs, every VM now in the cluster whose current name matches
 * one of its patterns, and every VM there that one of its tag rules matches. Evaluated whenever
 * membership is read or a snapshot is taken, so renamed, new and newly tagged VMs follow.
 */
export function groupMembers(pg: Pick<ProtectionGroup, 'targetEntities'>, vmsInCluster: readonly NamedVm[], vmTags: VmTags = new Map()): string[] {
  const out = new Set(pg.targetEntities.vms ?? []);
  const patterns = pg.targetEntities.vmNamePatterns ?? [];
  if (patterns.length > 0) {
    const match = globMatcher(patterns);
    for (const vm of vmsInCluster) if (match(vm.name)) out.add(vm.id);
  }
  const rules = pg.targetEntities.tagRules ?? [];
  if (rules.length > 0) {
    for (const vm of vmsInCluster) {
      const tags = vmTags.get(vm.id) ?? NO_TAGS;
      if (rules.some((r) => ruleMatches(r, tags))) out.add(vm.id);
    }
  }
  return [...out].sort(compareIds);
}

/** vm-9 before vm-10: ids compare by prefix, then by number. */
export function compareIds(a: string, b: string): number {
  const ma = /^(.*?)(\d+)$/.exec(a);
  const mb = /^(.*?)(\d+)$/.exec(b);
  if (ma && mb && ma[1] === mb[1]) return Number(ma[2]) - Number(mb[2]);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Why a selector picks a VM, or why a tag rule passes it by; for previews of membership. */
export interface Reason {
  id: string;
  text: string;
  args: string[];
}

/** The selectors of `t` that pick the VM (empty: not a member). */
export function selectedBy(t: TargetEntities, vm: NamedVm, tags: ReadonlySet<string>): Reason[] {
  const out: Reason[] = [];
  if ((t.vms ?? []).includes(vm.id)) out.push({ id: 'pg.members.listed', text: `${vm.name} is listed in vms.`, args: [vm.name] });
  for (const p of t.vmNamePatterns ?? []) {
    if (globMatcher([p])(vm.name)) out.push({ id: 'pg.members.pattern', text: `${vm.name} matches the name pattern '${p}'.`, args: [vm.name, p] });
  }
  for (const [i, r] of (t.tagRules ?? []).entries()) {
    if (ruleMatches(r, tags)) out.push({ id: 'pg.members.tag_rule', text: `${vm.name} matches tag rule ${i} (${r.operator} of ${r.tags.length} tags).`, args: [vm.name, String(i)] });
  }
  return out;
}

/**
 * AND rules the VM meets in part: it carries some of the rule's tags but not all. Such a VM is
 * excluded by the rule's condition, which is worth telling whoever is writing the rule.
 */
export function partlyMatched(t: TargetEntities, vm: NamedVm, tags: ReadonlySet<string>): Reason[] {
  const out: Reason[] = [];
  for (const [i, r] of (t.tagRules ?? []).entries()) {
    if (r.operator !== 'AND' || ruleMatches(r, tags)) continue;
    const missing = r.tags.filter((x) => !tags.has(x));
    if (missing.length === r.tags.length) continue;
    out.push({ id: 'pg.members.tag_rule_partial', text: `${vm.name} lacks tag ${missing[0]} that tag rule ${i} requires with its other tags.`, args: [vm.name, missing[0], String(i)] });
  }
  return out;
}
