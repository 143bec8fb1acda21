import { holdsReplicas } from '../../domain/dr.ts';
import type { Cluster, Vm } from '../../domain/model.ts';
import { compareIds } from '../../domain/membership.ts';
import { currentMembers } from '../../engine/groups.ts';
import type { Call } from '../../vapi/operation.ts';
import { compact } from '../../vapi/wire.ts';

/**
 * The groups and VMs a cluster's reports can be about: those there now, and those with
 * snapshot history in the cluster within the reporting retention (deleted since, or moved
 * away), named as history last recorded them.
 */

const since = (call: Call) => call.deps.clock.now() - call.deps.config.reportRetentionMs;

/**
 * Replication reports (9.1 `replication: true`) are about the groups that replicate over a
 * cluster pair (at the recovery site, the DORMANT groups holding replicas) and their members
 * now; history of groups or VMs gone is not kept for replication.
 */
export async function groupReport(call: Call, cluster: Cluster, replication: boolean) {
  const repos = call.deps.store.repos;
  if (replication) {
    return (await repos.groups.list(cluster.id)).filter((g) => g.replication)
      .map((g) => ({ pg: g.id, info: { name: g.name, deleted: g.status === 'MARKED_FOR_DELETE', status: g.status } }));
  }
  const groups = await repos.groups.list(cluster.id);
  const present = new Set(groups.map((g) => g.id));
  const gone = (await repos.history.names(cluster.id, 'PG', since(call))).filter((n) => !present.has(n.id));
  return [
    // A MARKED_FOR_DELETE group is deleted for the user (soft delete); it stays until its snapshots expire.
    ...groups.map((g) => ({ pg: g.id, info: { name: g.name, deleted: g.status === 'MARKED_FOR_DELETE', status: g.status } })),
    ...gone.map((n) => ({ pg: n.id, info: { name: n.name, deleted: true } })),
  ];
}

async function candidates(call: Call, cluster: Cluster, from: number): Promise<{ vms: Vm[]; recorded: Map<string, string> }> {
  const repos = call.deps.store.repos;
  const here = await repos.vms.list({ clusterIds: [cluster.id] });
  const present = new Set(here.map((v) => v.id));
  const recorded = new Map((await repos.history.names(cluster.id, 'VM', from)).filter((n) => !present.has(n.id)).map((n) => [n.id, n.name]));
  const elsewhere = recorded.size > 0 ? await repos.vms.list({ ids: [...recorded.keys()], includeDeleted: true }) : [];
  return { vms: [...here, ...elsewhere], recorded };
}

/** VMs the caller may read among the cluster's report VMs; 'all' when nothing is hidden. */
export async function readableVms(call: Call, cluster: Cluster, from: number): Promise<Set<string> | 'all'> {
  const { vms, recorded } = await candidates(call, cluster, from);
  const all = new Set([...vms.map((v) => v.id), ...recorded.keys()]);
  const out = new Set<string>();
  for (const vm of vms) if (await call.authz.canReadVm(vm)) out.add(vm.id);
  // A VM the inventory no longer knows at all has no place to check: the cluster's read decides.
  const known = new Set(vms.map((v) => v.id));
  for (const id of recorded.keys()) if (!known.has(id)) out.add(id);
  return out.size === all.size ? 'all' : out;
}

/**
 * Every VM of the cluster now, then those with history here since gone: deleted ones (no
 * longer `exists`), and ones moved to another cluster (still `exists`). Only VMs the caller
 * may read.
 */
export async function vmReport(call: Call, cluster: Cluster, replication: boolean) {
  if (replication) return replicatedVms(call, cluster);
  const { vms, recorded } = await candidates(call, cluster, since(call));
  const byId = new Map(vms.map((v) => [v.id, v]));
  const items = [];
  for (const vm of vms) {
    if (!(await call.authz.canReadVm(vm))) continue;
    const exists = vm.deletedAt === null;
    items.push({ vm: vm.id, info: compact({ name: exists ? vm.name : recorded.get(vm.id) ?? vm.name, deleted: !exists, exists }) });
  }
  for (const [id, name] of recorded) if (!byId.has(id)) items.push({ vm: id, info: { name, deleted: true, exists: false } });
  return items;
}

/**
 * Members now of the cluster's groups that replicate out, and the replication placeholders
 * of the groups replicating in (the DORMANT groups' replica VMs, under their protected site's
 * VM id: not in this inventory, so `exists` is false as the vendor says), in id order.
 */
async function replicatedVms(call: Call, cluster: Cluster) {
  const repos = call.deps.store.repos;
  const ids = new Set<string>();
  const placeholders = new Map<string, string>();
  for (const g of await repos.groups.list(cluster.id)) {
    if (!g.replication) continue;
    if (!holdsReplicas(g.status)) for (const id of (await currentMembers(repos, g)).ids) ids.add(id);
    else for (const r of await repos.replication.listVms(g.id)) placeholders.set(r.sourceVmId, r.name);
  }
  const items = [];
  for (const vm of await repos.vms.list({ ids: [...ids].sort(compareIds) })) {
    if (await call.authz.canReadVm(vm)) items.push({ vm: vm.id, info: { name: vm.name, deleted: false, exists: true } });
  }
  for (const [vm, name] of placeholders) if (!ids.has(vm)) items.push({ vm, info: { name, deleted: false, exists: false } });
  return items.sort((x, y) => compareIds(x.vm, y.vm));
}
