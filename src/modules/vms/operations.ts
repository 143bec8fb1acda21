import { Type } from '@sinclair/typebox';
import type { Cluster, Vm } from '../../domain/model.ts';
import { clusterOr404, knownVmOr404 } from '../../access/lookup.ts';
import { defineOperation, type Call, type Operation } from '../../vapi/operation.ts';
import { Id, Input } from '../../vapi/wire.ts';
import { LINKED_CLONE, RESTORE, submitRecover, type RecoverOperation } from './recover.ts';
import { REVERT_PRIVILEGES, submitRevert } from './revert.ts';
import { REVERT_TASK } from './revert-task.ts';
import { LinkedCloneSpec, RestoreSpec, RevertSpec, VmFilter, VmInfo, VmList, vmViewToWire } from './schemas.ts';
import { getVm, listVms } from './views.ts';

const SERVICE = 'com.vmware.snapservice.clusters.virtual_machines';
const BASE = '/api/snapservice/clusters/{cluster}/virtual-machines';

async function readableCluster(call: Call, id: string): Promise<Cluster> {
  const cluster = await clusterOr404(call.deps.store.repos, id);
  await call.authz.require({ type: 'ClusterComputeResource', id }, ['System.Read']);
  return cluster;
}

/** Cluster and VM (404s first), then the privileges on each (403), as the vendor orders them. */
export async function clusterAndVm(
  call: Call,
  ids: Record<string, string>,
  privileges: { cluster: readonly string[]; vm: readonly string[] },
): Promise<{ cluster: Cluster; vm: Vm }> {
  const repos = call.deps.store.repos;
  const cluster = await clusterOr404(repos, ids.cluster);
  const vm = await knownVmOr404(repos, ids.vm);
  // Already loaded: the privilege checks need not read them again for their ancestry.
  call.authz.knownParent('ClusterComputeResource', cluster.id, cluster.datacenterId);
  call.authz.knownParent('VirtualMachine', vm.id, vm.clusterId ?? vm.lastClusterId);
  await call.authz.require({ type: 'ClusterComputeResource', id: cluster.id }, privileges.cluster);
  await call.authz.require({ type: 'VirtualMachine', id: vm.id }, privileges.vm);
  return { cluster, vm };
}

/** Restore and linked clone: one shape, the differences are in their RecoverOperation. */
function recoverOperation(op: RecoverOperation, spec: typeof RestoreSpec | typeof LinkedCloneSpec): Operation {
  return defineOperation({
    service: SERVICE, name: `${op.operation}$task`, since: '8.0.3.0',
    rest: { method: 'POST', path: `${BASE}/{vm}`, action: op.action, task: true, body: 'spec' },
    task: op.task,
    input: Input({ cluster: Id(), vm: Id(), spec }),
    ids: ['cluster', 'vm'],
    taskResult: Id(),
    authorize: (call, ids) => clusterAndVm(call, ids, op.privileges),
    handler: (call, input, { cluster, vm }) => submitRecover(call, op, cluster, vm, input.spec),
  });
}

export const vmOperations: Operation[] = [
  defineOperation({
    service: SERVICE, name: 'list', since: '8.0.3.0', readOnly: true,
    rest: { method: 'GET', path: BASE, query: ['filter'] },
    input: Input({ cluster: Id(), filter: Type.Optional(VmFilter) }),
    ids: ['cluster'],
    output: VmList,
    authorize: (call, ids) => readableCluster(call, ids.cluster),
    handler: async (call, input, cluster) => {
      const f = input.filter;
      const views = await listVms(call, cluster, { vms: f?.vms, namePatterns: f?.name_patterns, localProtectionEnabled: f?.local_protection_enabled });
      return { items: views.map((v) => ({ vm: v.id, info: vmViewToWire(v) })) };
    },
  }),
  defineOperation({
    service: SERVICE, name: 'get', since: '8.0.3.0', readOnly: true,
    rest: { method: 'GET', path: `${BASE}/{vm}` },
    input: Input({ cluster: Id(), vm: Id() }),
    ids: ['cluster', 'vm'],
    output: VmInfo,
    authorize: (call, ids) => clusterAndVm(call, ids, { cluster: ['System.Read'], vm: ['System.Read'] }),
    handler: async (call, _input, { cluster, vm }) => vmViewToWire(await getVm(call, cluster, vm)),
  }),
  defineOperation({
    service: SERVICE, name: 'revert$task', since: '8.0.3.0',
    rest: { method: 'POST', path: `${BASE}/{vm}`, action: 'revert', task: true, body: 'spec' },
    task: REVERT_TASK,
    input: Input({ cluster: Id(), vm: Id(), spec: RevertSpec }),
    ids: ['cluster', 'vm'],
    authorize: (call, ids) => clusterAndVm(call, ids, REVERT_PRIVILEGES),
    handler: (call, input, { cluster, vm }) => submitRevert(call, cluster, vm, input.spec.snapshot),
  }),
  recoverOperation(RESTORE, RestoreSpec),
  recoverOperation(LINKED_CLONE, LinkedCloneSpec),
];
