import { holdsReplicas } from '../../domain/dr.ts';
import type { Cluster, ProtectionGroup, Vm } from '../../domain/model.ts';
import { globMatcher, isValidGlob } from '../../domain/glob.ts';
import { compareIds, groupMembers } from '../../domain/membership.ts';
import { vmTags } from '../../engine/groups.ts';
import { vmReplicationState } from '../../domain/replication.ts';
import { compact } from '../../vapi/wire.ts';
import type { Repos, SnapshotStats } from '../../store/store.ts';
import { errors } from '../../errors.ts';
import type { Call } from '../../vapi/operation.ts';
import type { VmView } from './schemas.ts';

/**
 * The service's view of VMs on a cluster: those in it now, and those gone from it (deleted
 * or moved) that still have snapshots here (`in_cluster` false, the precondition of restore).
 */
async function clusterView(repos: Repos, cluster: Cluster): Promise<{ vms: Vm[]; stats: Map<string, SnapshotStats>; groups: ProtectionGroup[] }> {
  const [present, stats, groups] = await Promise.all([
    repos.vms.list({ clusterIds: [cluster.id] }),
    repos.snapshots.statsByVm(cluster.id),
    repos.groups.list(cluster.id),
  ]);
  const presentIds = new Set(present.map((v) => v.id));
  const goneIds = [...stats.keys()].filter((id) => !presentIds.has(id));
  const gone = goneIds.length > 0 ? await repos.vms.list({ ids: goneIds, includeDeleted: true }) : [];
  // One list in creation order, whether the VM is still here or gone.
  const vms = [...present, ...gone].sort((a, b) => a.createdAt - b.createdAt || compareIds(a.id, b.id));
  return { vms, stats, groups };
}

function view(vm: Vm, cluster: Cluster, stats: Map<string, SnapshotStats>, memberships: Map<string, ProtectionGroup[]>): VmView {
  const s = stats.get(vm.id);
  const groups = memberships.get(vm.id) ?? [];
  return {
    id: vm.id,
    name: vm.name,
    biosUuid: vm.biosUuid,
    localProtectionEnabled: groups.some((g) => g.status === 'ACTIVE'),
    protectionGroups: groups.map((g) => g.id),
    lastSnapshotTime: s?.latest,
    oldestSnapshotTime: s?.oldest,
    snapshotCount: s?.count ?? 0,
    inCluster: vm.clusterId === cluster.id,
  };
}

async function membershipIndex(repos: Repos, groups: ProtectionGroup[], vmsInCluster: Vm[]): Promise<Map<string, ProtectionGroup[]>> {
  const out = new Map<string, ProtectionGroup[]>();
  const tags = await vmTags(repos, groups, vmsInCluster);
  for (const g of groups) {
    for (const id of groupMembers(g, vmsInCluster, tags)) out.set(id, [...(out.get(id) ?? []), g]);
  }
  return out;
}

/** The member's outgoing replications: one per replicating group it is in. */
async function outgoing(repos: Repos, vm: Vm, groups: ProtectionGroup[], now: number): Promise<VmView['outgoing']> {
  const out: NonNullable<VmView['outgoing']> = [];
  for (const g of groups) {
    if (!g.replication || holdsReplicas(g.status)) continue;
    const last = await repos.replication.lastAcked(g.id, vm.id);
    const newer = await repos.snapshots.list({ vmId: vm.id, pgId: g.id, ...(last ? { createdAfter: last.takenAt } : {}) });
    const s = vmReplicationState(g.replication, { paused: g.status !== 'ACTIVE', createdAt: g.createdAt, lastTakenAt: last?.takenAt, pending: newer.length > 0, now });
    out.push(compact({ clusterPair: g.replication.clusterPairId, status: s.status, violationMinutes: s.violationMinutes }));
  }
  return out;
}

async function withReplication(call: Call, vm: Vm, v: VmView, memberships: Map<string, ProtectionGroup[]>): Promise<VmView> {
  const groups = memberships.get(vm.id) ?? [];
  if (!groups.some((g) => g.replication)) return v;
  return { ...v, outgoing: await outgoing(call.deps.store.repos, vm, groups, call.deps.clock.now()) };
}

export interface VmListFilter {
  vms?: string[];
  namePatterns?: string[];
  localProtectionEnabled?: boolean;
}

export async function listVms(call: Call, cluster: Cluster, f: VmListFilter): Promise<VmView[]> {
  const repos = call.deps.store.repos;
  const { vms, stats, groups } = await clusterView(repos, cluster);
  const memberships = await membershipIndex(repos, groups, vms.filter((v) => v.clusterId === cluster.id));
  const ids = f.vms && f.vms.length > 0 ? new Set(f.vms) : undefined;
  const bad = f.namePatterns?.findIndex((p) => !isValidGlob(p)) ?? -1;
  if (bad >= 0) throw errors.invalidArgument(`filter.name_patterns[${bad}]`, 'is not a valid pattern');
  const match = f.namePatterns && f.namePatterns.length > 0 ? globMatcher(f.namePatterns) : undefined;
  const out: VmView[] = [];
  for (const vm of vms) {
    if (ids && !ids.has(vm.id)) continue;
    if (match && !match(vm.name)) continue;
    const v = view(vm, cluster, stats, memberships);
    if (f.localProtectionEnabled !== undefined && v.localProtectionEnabled !== f.localProtectionEnabled) continue;
    if (!(await call.authz.canReadVm(vm))) continue;
    out.push(await withReplication(call, vm, v, memberships));
  }
  return out;
}

/** One VM's view; NOT_FOUND unless the VM is in the cluster or has snapshots in it. */
export async function getVm(call: Call, cluster: Cluster, vm: Vm): Promise<VmView> {
  const repos = call.deps.store.repos;
  const [stats, groups, present] = await Promise.all([
    repos.snapshots.statsByVm(cluster.id),
    repos.groups.list(cluster.id),
    repos.vms.list({ clusterIds: [cluster.id] }),
  ]);
  if (vm.clusterId !== cluster.id && !stats.has(vm.id)) throw errors.notFound('virtual machine', vm.id);
  const memberships = await membershipIndex(repos, groups, present);
  return withReplication(call, vm, view(vm, cluster, stats, memberships), memberships);
}
