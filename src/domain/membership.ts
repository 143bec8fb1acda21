import { globMatcher } from './glob.ts';
import type { ProtectionGroup } from './model.ts';

export interface NamedVm {
  id: string;
  name: string;
}

/**
 * A group's members: its explicit VMs plus every VM now in the cluster whose current name
 * matches one of its patterns. Evaluated whenever membership is read or a snapshot is taken,
 * so renamed and new VMs follow the patterns.
 */
export function groupMembers(pg: Pick<ProtectionGroup, 'targetEntities'>, vmsInCluster: readonly NamedVm[]): string[] {
  const out = new Set(pg.targetEntities.vms ?? []);
  const patterns = pg.targetEntities.vmNamePatterns ?? [];
  if (patterns.length > 0) {
    const match = globMatcher(patterns);
    for (const vm of vmsInCluster) if (match(vm.name)) out.add(vm.id);
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
