import { clusterOr404 } from '../../access/lookup.ts';
import type { DrAction } from '../../domain/dr.ts';
import type { ProtectionGroup } from '../../domain/model.ts';
import { errors } from '../../errors.ts';
import { defineOperation, type Call, type Operation } from '../../vapi/operation.ts';
import { Id, Input } from '../../vapi/wire.ts';
import { submitDr } from './admission.ts';
import { DR_TASKS } from './tasks.ts';

/**
 * The disaster-recovery operations of a protection group (9.0: demote, promote, activate;
 * 9.1: ransomware recovery). The vendor lists no privilege for the first three; like every
 * other group change they need Host.Config.Storage on the group's cluster, which the 9.1
 * ones name.
 */
const WRITE = 'Host.Config.Storage';
const V9_0 = '9.0.0.0';
const V9_1 = '9.1.0.0';

async function inCluster(call: Call, ids: Record<string, string>): Promise<ProtectionGroup> {
  const { repos } = call.deps.store;
  const cluster = await clusterOr404(repos, ids.cluster);
  const pg = await repos.groups.get(ids.pg);
  if (!pg || pg.clusterId !== cluster.id) throw errors.notFound('protection group', ids.pg);
  await call.authz.require({ type: 'ClusterComputeResource', id: cluster.id }, [WRITE]);
  return pg;
}

async function anywhere(call: Call, ids: Record<string, string>): Promise<ProtectionGroup> {
  const pg = await call.deps.store.repos.groups.get(ids.pg);
  if (!pg) throw errors.notFound('protection group', ids.pg);
  await call.authz.require({ type: 'ClusterComputeResource', id: pg.clusterId }, [WRITE]);
  return pg;
}

const clusterOperation = (action: 'demote' | 'promote' | 'activate') => defineOperation({
  service: 'com.vmware.snapservice.clusters.protection_groups', name: `${action}$task`, since: V9_0,
  rest: { method: 'POST', path: '/api/snapservice/clusters/{cluster}/protection-groups/{pg}', action, task: true },
  task: DR_TASKS[action],
  input: Input({ cluster: Id(), pg: Id() }),
  ids: ['cluster', 'pg'],
  authorize: inCluster,
  handler: (call, _input, pg) => submitDr(call, pg, action),
});

const ransomwareOperation = (action: Extract<DrAction, 'start_ransomware_recovery' | 'end_ransomware_recovery'>) => defineOperation({
  service: 'com.vmware.snapservice.protection_groups', name: `${action}$task`, since: V9_1,
  rest: { method: 'POST', path: '/api/snapservice/protection-groups/{pg}', action: action.replaceAll('_', '-'), task: true },
  task: DR_TASKS[action],
  input: Input({ pg: Id() }),
  ids: ['pg'],
  authorize: anywhere,
  handler: (call, _input, pg) => submitDr(call, pg, action),
});

export const drOperations: Operation[] = [
  clusterOperation('demote'),
  clusterOperation('promote'),
  clusterOperation('activate'),
  ransomwareOperation('start_ransomware_recovery'),
  ransomwareOperation('end_ransomware_recovery'),
];
