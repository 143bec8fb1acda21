import { globMatcher } from './glob.ts';
import type { ProtectionGroup } from './model.ts';
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
