import type { Cluster, ProtectionGroup, SnapshotPolicy, TargetEntities, TaskKind } from '../../domain/model.ts';
import { nameProblem, policyProblem, targetProblem, type Problem } from '../../domain/groups.ts';
import { newId } from '../../domain/ids.ts';
import { clusterOr404 } from '../../access/lookup.ts';
import { currentMembers } from '../../engine/groups.ts';
import { submitTask } from '../../tasks/submit.ts';
import type { Repos } from '../../store/store.ts';
import { errors, vapiError } from '../../errors.ts';
import type { Call } from '../../vapi/operation.ts';

export const PG_TYPE = 'com.vmware.snapservice.protection_group';
export const PG_KINDS: TaskKind[] = ['pg.create', 'pg.update', 'pg.pause', 'pg.resume', 'pg.delete', 'pg.snapshot'];
const ACTIVE = ['PENDING', 'RUNNING', 'BLOCKED'] as const;

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
async function checkVms(repos: Repos, cluster: Cluster, field: string, t: TargetEntities): Promise<void> {
  for (const [i, id] of (t.vms ?? []).entries()) {
    const vm = await repos.vms.get(id);
    if (!vm || vm.deletedAt !== null || vm.clusterId !== cluster.id) {
      throw errors.invalidArgument(`${field}.vms[${i}]`, `${id} is not a virtual machine in cluster ${cluster.id}`);
    }
  }
}

export interface GroupDraft {
  name: string;
  targetEntities: TargetEntities;
  policies: SnapshotPolicy[];
  locked: boolean;
}

/** Names are unique per cluster, also against groups whose creation is still pending. */
async function nameTaken(tx: Repos, clusterId: string, name: string, exceptId?: string): Promise<boolean> {
  const groups = await tx.groups.list(clusterId, { names: [name] });
  if (groups.some((g) => g.id !== exceptId)) return true;
  const pending = await tx.tasks.list({ statuses: [...ACTIVE], operations: ['create', 'update'], services: ['com.vmware.snapservice.clusters.protection_groups'] }, 10_000);
  return pending.some((t) => t.clusterId === clusterId && (t.input as { name?: string }).name === name && t.targetId !== exceptId);
}

export async function submitCreate(call: Call, cluster: Cluster, draft: GroupDraft): Promise<string> {
  const { store, config } = call.deps;
  fail(nameProblem('spec.name', draft.name));
  fail(targetProblem('spec.target_entities', draft.targetEntities));
  fail(policyProblem('spec.snapshot_policies', draft.policies, config.limits));
  await checkVms(store.repos, cluster, 'spec.target_entities', draft.targetEntities);
  const id = await store.transaction(async (tx) => {
    await tx.locks.acquire('admission');
    if (await nameTaken(tx, cluster.id, draft.name)) throw errors.invalidArgument('spec.name', `a protection group named '${draft.name}' already exists in cluster ${cluster.id}`);
    const count = (await tx.groups.list(cluster.id)).length;
    const limit = config.limits.groupsPerCluster;
    if (count >= limit) throw errors.notAllowed('pg.limit', `Cluster ${cluster.id} already has ${count} protection groups, the limit of ${limit}.`, cluster.id, limit);
    const pgId = newId();
    return submitTask(tx, call, { kind: 'pg.create', target: { type: PG_TYPE, id: pgId }, clusterId: cluster.id, input: { ...draft, pgId } });
  });
  call.deps.tasks.notify();
  return id;
}

export interface GroupChange {
  name?: string;
  targetEntities?: TargetEntities;
  policies?: SnapshotPolicy[];
}

/**
 * The checks every change of an existing group passes: locked groups refuse (UNSUPPORTED),
 * soft-deleted ones too (NOT_ALLOWED_IN_CURRENT_STATE), and one operation at a time per group.
 */
async function admitChange(tx: Repos, pg: ProtectionGroup, opts: { lockedRefuses: boolean }): Promise<ProtectionGroup> {
  await tx.locks.acquire('admission');
  const now = await tx.groups.get(pg.id);
  if (!now) throw errors.notFound('protection group', pg.id);
  if (opts.lockedRefuses && now.locked) throw vapiError('UNSUPPORTED', 'pg.locked', `Protection group ${pg.id} is locked: it cannot be changed or deleted.`, pg.id);
  if (now.status === 'MARKED_FOR_DELETE') throw errors.notAllowed('pg.marked_for_delete', `Protection group ${pg.id} is marked for deletion.`, pg.id);
  const busy = await tx.tasks.activeForTarget(pg.id, PG_KINDS);
  if (busy) throw errors.notAllowed('pg.busy', `Another operation (${busy.operation}, task ${busy.id}) is in progress on protection group ${pg.id}.`, pg.id, busy.id);
  return now;
}

export async function submitChange(call: Call, cluster: Cluster, pg: ProtectionGroup, kind: 'pg.update' | 'pg.pause' | 'pg.resume' | 'pg.delete' | 'pg.snapshot', input: Record<string, unknown>): Promise<string> {
  const { store } = call.deps;
  const id = await store.transaction(async (tx) => {
    const now = await admitChange(tx, pg, { lockedRefuses: kind !== 'pg.snapshot' });
    if (kind === 'pg.pause' && now.status === 'PAUSED') throw vapiError('ALREADY_IN_DESIRED_STATE', 'pg.already_paused', `Protection group ${pg.id} is already paused.`, pg.id);
    if (kind === 'pg.resume' && now.status === 'ACTIVE') throw vapiError('ALREADY_IN_DESIRED_STATE', 'pg.already_active', `Protection group ${pg.id} is already active.`, pg.id);
    if (kind === 'pg.update' && typeof input.name === 'string' && (await nameTaken(tx, cluster.id, input.name, pg.id))) {
      throw errors.invalidArgument('spec.name', `a protection group named '${input.name}' already exists in cluster ${cluster.id}`);
    }
    return submitTask(tx, call, { kind, target: { type: PG_TYPE, id: pg.id }, clusterId: cluster.id, input });
  });
  call.deps.tasks.notify();
  return id;
}

export async function validateChange(call: Call, cluster: Cluster, change: GroupChange): Promise<void> {
  if (change.name !== undefined) fail(nameProblem('spec.name', change.name));
  if (change.targetEntities) {
    fail(targetProblem('spec.target_entities', change.targetEntities));
    await checkVms(call.deps.store.repos, cluster, 'spec.target_entities', change.targetEntities);
  }
  if (change.policies) fail(policyProblem('spec.snapshot_policies', change.policies, call.deps.config.limits));
}

/** Members the caller may read, in id order. */
export async function visibleMembers(call: Call, pg: ProtectionGroup): Promise<string[]> {
  const { ids } = await currentMembers(call.deps.store.repos, pg);
  const out: string[] = [];
  for (const id of ids) if (await call.authz.can({ type: 'VirtualMachine', id }, 'System.Read')) out.push(id);
  return out;
}
