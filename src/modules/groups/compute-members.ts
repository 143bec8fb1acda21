import type { Static } from '@sinclair/typebox';
import { targetProblem } from '../../domain/groups.ts';
import { groupMembers, partlyMatched, selectedBy, type Reason } from '../../domain/membership.ts';
import type { Cluster, ProtectionGroup, TargetEntities, Vm } from '../../domain/model.ts';
import { vmTags } from '../../engine/groups.ts';
import { errors, msg } from '../../errors.ts';
import type { Call } from '../../vapi/operation.ts';
import { checkTags, checkVms } from './admission.ts';
import { targetsFromWire, type ComputeMembersSpec } from './schemas.ts';

/**
 * compute-members (9.1): the membership a create or update would give, without making it.
 * Every problem with the spec, unknown cluster and group included, is INVALID_ARGUMENT, as
 * the vendor documents; the caller needs `System.Read` on the cluster.
 */

type Spec = Static<typeof ComputeMembersSpec>;
type Change = 'ADD' | 'REMOVE' | 'EXCLUDE' | 'EXISTING';

interface Target {
  cluster: Cluster;
  group?: ProtectionGroup;
  targets: TargetEntities;
}

async function resolve(call: Call, spec: Spec): Promise<Target> {
  const repos = call.deps.store.repos;
  if (spec.create_spec && spec.update_spec) throw errors.invalidArgument('spec', 'create_spec and update_spec are exclusive');
  if (!spec.create_spec && !spec.update_spec) throw errors.invalidArgument('spec', 'one of create_spec or update_spec is required');
  if (spec.create_spec && spec.protection_group !== undefined) throw errors.invalidArgument('spec.protection_group', 'is for update previews; a create preview names no group');
  const clusterById = async (id: string) => {
    const c = await repos.inventory.getCluster(id);
    if (!c) throw errors.invalidArgument('spec.cluster_id', `${id} is not a cluster`);
    return c;
  };
  if (spec.create_spec) {
    if (spec.cluster_id === undefined) throw errors.invalidArgument('spec.cluster_id', 'is required with create_spec');
    return { cluster: await clusterById(spec.cluster_id), targets: targetsFromWire(spec.create_spec.target_entities) };
  }
  const pgId = spec.protection_group;
  if (pgId === undefined || pgId === '') throw errors.invalidArgument('spec.protection_group', 'is required with update_spec');
  const group = await repos.groups.get(pgId);
  if (!group) throw errors.invalidArgument('spec.protection_group', `${pgId} is not a protection group`);
  if (spec.cluster_id !== undefined && spec.cluster_id !== group.clusterId) {
    await clusterById(spec.cluster_id);
    throw errors.invalidArgument('spec.cluster_id', `protection group ${pgId} is in cluster ${group.clusterId}`);
  }
  const cluster = await clusterById(group.clusterId);
  const wire = spec.update_spec?.target_entities;
  return { cluster, group, targets: wire ? targetsFromWire(wire) : group.targetEntities };
}

const message = (r: Reason) => msg(r.id, r.text, ...r.args);

export async function computeMembers(call: Call, spec: Spec) {
  const { cluster, group, targets } = await resolve(call, spec);
  await call.authz.require({ type: 'ClusterComputeResource', id: cluster.id }, ['System.Read']);
  const field = spec.create_spec ? 'spec.create_spec.target_entities' : 'spec.update_spec.target_entities';
  const problem = targetProblem(field, targets);
  if (problem) throw errors.invalidArgument(problem.field, problem.why);
  const repos = call.deps.store.repos;
  await checkVms(repos, cluster, field, targets);
  await checkTags(repos, field, targets);

  const present = await repos.vms.list({ clusterIds: [cluster.id] });
  const groups = await repos.groups.list(cluster.id);
  const tags = await vmTags(repos, [...groups, { targetEntities: targets }], present);
  const belongs = new Map<string, string[]>();
  for (const g of groups) for (const id of groupMembers(g, present, tags)) belongs.set(id, [...(belongs.get(id) ?? []), g.id]);
  const now = new Set(group ? groupMembers(group, present, tags) : []);
  const next = new Set(groupMembers({ targetEntities: targets }, present, tags));

  const included = [];
  const excluded = [];
  const info = (vm: Vm, change: Change, reasons: Reason[]) => ({
    vm: vm.id, vm_name: vm.name, protection_groups: belongs.get(vm.id) ?? [], membership_change_type: change, membership_change_reasons: reasons.map(message),
  });
  for (const vm of present) {
    if (!(await call.authz.canReadVm(vm))) continue;
    const vmTagSet = tags.get(vm.id) ?? new Set<string>();
    if (next.has(vm.id)) {
      included.push(info(vm, now.has(vm.id) ? 'EXISTING' : 'ADD', selectedBy(targets, vm, vmTagSet)));
    } else if (now.has(vm.id)) {
      excluded.push(info(vm, 'REMOVE', [{ id: 'pg.members.unselected', text: `${vm.name} is no longer selected by the target entities.`, args: [vm.name] }, ...partlyMatched(targets, vm, vmTagSet)]));
    } else {
      const partly = partlyMatched(targets, vm, vmTagSet);
      if (partly.length > 0) excluded.push(info(vm, 'EXCLUDE', partly));
    }
  }
  return { included_vms: included, excluded_vms: excluded };
}

/**
 * What a group can do here. The vendor names no values: these name the features this server
 * models for a group of the release that has this operation (9.1). Replication is not
 * modelled, so no replication capability is named.
 */
export const PG_CAPABILITIES = ['LOCAL_SNAPSHOTS', 'SCHEDULED_SNAPSHOTS', 'ONE_TIME_SNAPSHOTS', 'VM_NAME_PATTERNS', 'TAG_RULES', 'LOCKING', 'YEARLY_RETENTION'] as const;
