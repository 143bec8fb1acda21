import { ACTIVE_TASK_STATUSES, type Cluster, type ProtectionGroup, type TargetEntities } from '../../domain/model.ts';
import { changeable } from '../../domain/dr.ts';
import { nameProblem, policyProblem, targetProblem, type Problem } from '../../domain/groups.ts';
import { newId } from '../../domain/ids.ts';
import { clusterOr404 } from '../../access/lookup.ts';
import { currentMembers } from '../../engine/groups.ts';
import { admitTask } from '../../tasks/submit.ts';
import type { TaskType } from '../../tasks/task.ts';
import type { Repos } from '../../store/store.ts';
import { errors, vapiError } from '../../errors.ts';
import type { Call } from '../../vapi/operation.ts';
import type { ReplicationPolicy } from '../../domain/replication.ts';
import { checkReplication } from './replication.ts';
import { PG_CREATE, PG_PAUSE, PG_RESUME, PG_SNAPSHOT, PG_TASK_KINDS, PG_UPDATE, type GroupChange, type GroupDraft } from './tasks.ts';

export const PG_TYPE = 'com.vmware.snapservice.protection_group';

/** Cluster (404), group in it (404), then the privilege on the cluster (403). */
export async function clusterAndGroup(call: Call, ids: Record<string, string>, privilege: string): Promise<{ cluster: Cluster; pg: ProtectionGroup }> {
  const repos = call.deps.store.repos;
  const cluster = await clusterOr404(repos, ids.cluster);
  const pg = await repos.groups.get(ids.pg);
  if (!pg || pg.clusterId !== cluster.id) throw errors.notFound('protection group', ids.pg);
  await call.authz.require({ type: 'ClusterComputeResource', id: cluster.id }, [privilege]);
  return { cluster, pg };
}

function fail(p: Problem | undefined): void {
  if (p) throw errors.invalidArgument(p.field, p.why);
}

/** Explicit VMs must exist and be in the group's cluster. */
export async function checkVms(repos: Repos, cluster: Cluster, field: string, t: TargetEntities): Promise<void> {
  for (const [i, id] of (t.vms ?? []).entries()) {
    const vm = await repos.vms.get(id);
    if (!vm || vm.deletedAt !== null || vm.clusterId !== cluster.id) {
      throw errors.invalidArgument(`${field}.vms[${i}]`, `${id} is not a virtual machine in cluster ${cluster.id}`);
    }
  }
}

/**
 * Tag rules name tags that exist and that could be on a virtual machine: a tag whose category
 * cannot go on VMs would select nothing, which is a mistake worth saying.
 */
export async function checkTags(repos: Repos, field: string, t: TargetEntities): Promise<void> {
  const rules = t.tagRules ?? [];
  if (rules.length === 0) return;
  const tags = new Map((await repos.tags.getTags(rules.flatMap((r) => r.tags))).map((x) => [x.id, x]));
  const categories = new Map((await repos.tags.listCategories()).map((c) => [c.id, c]));
  for (const [i, r] of rules.entries()) {
    for (const [j, id] of r.tags.entries()) {
      const tag = tags.get(id);
      if (!tag) throw errors.invalidArgument(`${field}.tag_rules[${i}].tags[${j}]`, `${id} is not a tag`);
      const types = categories.get(tag.categoryId)?.associableTypes ?? [];
      if (types.length > 0 && !types.includes('VirtualMachine')) {
        throw errors.invalidArgument(`${field}.tag_rules[${i}].tags[${j}]`, `tag ${id} belongs to a category whose tags cannot be attached to virtual machines`);
      }
    }
  }
}

/** Names are unique per cluster, also against groups whose creation is still pending. */
async function nameTaken(tx: Repos, clusterId: string, name: string, exceptId?: string): Promise<boolean> {
  const groups = await tx.groups.list(clusterId, { names: [name] });
  if (groups.some((g) => g.id !== exceptId)) return true;
  const pending = await tx.tasks.list({ statuses: [...ACTIVE_TASK_STATUSES], kinds: [PG_CREATE.kind, PG_UPDATE.kind] }, 10_000);
  return pending.some((t) => t.clusterId === clusterId && (t.input as { name?: string }).name === name && t.targetId !== exceptId);
}

export async function submitCreate(call: Call, cluster: Cluster, draft: GroupDraft, replication?: ReplicationPolicy[]): Promise<string> {
  const { store, config } = call.deps;
  fail(nameProblem('spec.name', draft.name));
  fail(targetProblem('spec.target_entities', draft.targetEntities));
  fail(policyProblem('spec.snapshot_policies', draft.policies, config.limits));
  await checkVms(store.repos, cluster, 'spec.target_entities', draft.targetEntities);
  await checkTags(store.repos, 'spec.target_entities', draft.targetEntities);
  if (replication) {
    await checkReplication(store.repos, cluster, 'spec.replication_policies', replication);
    if (replication[0]) draft = { ...draft, replication: replication[0] };
  }
  return admitTask(call, PG_CREATE, async (tx) => {
    if (await nameTaken(tx, cluster.id, draft.name)) throw errors.invalidArgument('spec.name', `a protection group named '${draft.name}' already exists in cluster ${cluster.id}`);
    const count = (await tx.groups.list(cluster.id)).length;
    const limit = config.limits.groupsPerCluster;
    if (count >= limit) throw errors.notAllowed('pg.limit', `Cluster ${cluster.id} already has ${count} protection groups, the limit of ${limit}.`, cluster.id, limit);
    const pgId = newId();
    return { target: { type: PG_TYPE, id: pgId }, clusterId: cluster.id, input: { ...draft, pgId } };
  });
}

/**
 * The checks every change of an existing group passes: locked groups refuse (UNSUPPORTED),
 * soft-deleted ones too (NOT_ALLOWED_IN_CURRENT_STATE), and one operation at a time per group.
 */
async function admitChange(tx: Repos, pg: ProtectionGroup, opts: { lockedRefuses: boolean }): Promise<ProtectionGroup> {
  const now = await tx.groups.get(pg.id);
  if (!now) throw errors.notFound('protection group', pg.id);
  if (opts.lockedRefuses && now.locked) throw vapiError('UNSUPPORTED', 'pg.locked', `Protection group ${pg.id} is locked: it cannot be changed or deleted.`, pg.id);
  if (now.status === 'MARKED_FOR_DELETE') throw errors.notAllowed('pg.marked_for_delete', `Protection group ${pg.id} is marked for deletion.`, pg.id);
  // Its replicas are managed by the protected site until the group is promoted here.
  if (now.status === 'DORMANT') throw errors.notAllowed('pg.dormant', `Protection group ${pg.id} is DORMANT: it holds replicas of a protected group at a paired site.`, pg.id);
  // The other disaster-recovery states change only through their own operations (domain/dr.ts).
  if (!changeable(now.status)) throw errors.notAllowed('pg.dr_state', `Protection group ${pg.id} is ${now.status}: only disaster-recovery operations apply to it now.`, pg.id, now.status);
  const busy = await tx.tasks.activeForTarget(pg.id, PG_TASK_KINDS);
  if (busy) throw errors.notAllowed('pg.busy', `Another operation (${busy.operation}, task ${busy.id}) is in progress on protection group ${pg.id}.`, pg.id, busy.id);
  return now;
}

export async function submitChange<I>(call: Call, cluster: Cluster, pg: ProtectionGroup, type: TaskType<I>, input: I): Promise<string> {
  return admitTask(call, type, async (tx) => {
    const now = await admitChange(tx, pg, { lockedRefuses: type !== PG_SNAPSHOT });
    if (type === PG_PAUSE && now.status === 'PAUSED') throw vapiError('ALREADY_IN_DESIRED_STATE', 'pg.already_paused', `Protection group ${pg.id} is already paused.`, pg.id);
    if (type === PG_RESUME && now.status === 'ACTIVE') throw vapiError('ALREADY_IN_DESIRED_STATE', 'pg.already_active', `Protection group ${pg.id} is already active.`, pg.id);
    const name = (input as GroupChange).name;
    if (type === PG_UPDATE && typeof name === 'string' && (await nameTaken(tx, cluster.id, name, pg.id))) {
      throw errors.invalidArgument('spec.name', `a protection group named '${name}' already exists in cluster ${cluster.id}`);
    }
    return { target: { type: PG_TYPE, id: pg.id }, clusterId: cluster.id, input };
  });
}

export async function validateChange(call: Call, cluster: Cluster, change: GroupChange): Promise<void> {
  if (change.name !== undefined) fail(nameProblem('spec.name', change.name));
  if (change.targetEntities) {
    fail(targetProblem('spec.target_entities', change.targetEntities));
    await checkVms(call.deps.store.repos, cluster, 'spec.target_entities', change.targetEntities);
    await checkTags(call.deps.store.repos, 'spec.target_entities', change.targetEntities);
  }
  if (change.policies) fail(policyProblem('spec.snapshot_policies', change.policies, call.deps.config.limits));
}

/** The update's replication: undefined keeps the group's, an empty list stops replicating. */
export async function replicationChange(call: Call, cluster: Cluster, pg: ProtectionGroup, given: ReplicationPolicy[] | undefined): Promise<ReplicationPolicy | null | undefined> {
  if (!given) return undefined;
  await checkReplication(call.deps.store.repos, cluster, 'spec.replication_policies', given, pg);
  return given[0] ?? null;
}

/** Members the caller may read, in id order. */
export async function visibleMembers(call: Call, pg: ProtectionGroup): Promise<string[]> {
  const { ids, vms } = await currentMembers(call.deps.store.repos, pg);
  for (const vm of vms) call.authz.knownParent('VirtualMachine', vm.id, vm.clusterId ?? vm.lastClusterId);
  await call.authz.knownVms(ids);
  const out: string[] = [];
  for (const id of ids) if (await call.authz.can({ type: 'VirtualMachine', id }, 'System.Read')) out.push(id);
  return out;
}
