import { Type } from '@sinclair/typebox';
import { clusterOr404 } from '../../access/lookup.ts';
import { currentMembers } from '../../engine/groups.ts';
import { constraint } from '../../vapi/filters.ts';
import { defineOperation, type Call, type Operation } from '../../vapi/operation.ts';
import { apiRelease } from '../../vapi/release.ts';
import { Id, Input } from '../../vapi/wire.ts';
import {
  DeleteSpec, GroupFilter, GroupInfo, GroupList, GroupSpec, GroupUpdateSpec, groupToWire, policiesFromWire, targetsFromWire,
} from './schemas.ts';
import { clusterAndGroup, replicationChange, submitChange, submitCreate, validateChange, visibleMembers } from './admission.ts';
import { replicationFromWire } from './replication.ts';
import { PG_CREATE, PG_DELETE, PG_PAUSE, PG_RESUME, PG_UPDATE } from './tasks.ts';
import type { ProtectionGroup } from '../../domain/model.ts';
import { globalGroupOperations } from './global-operations.ts';

const SERVICE = 'com.vmware.snapservice.clusters.protection_groups';
const BASE = '/api/snapservice/clusters/{cluster}/protection-groups';
const WRITE = 'Host.Config.Storage';
const READ = 'System.Read';

async function info(call: Call, pg: ProtectionGroup) {
  const snapshots = await call.deps.store.repos.groupSnapshots.list(pg.id);
  return groupToWire(pg, await visibleMembers(call, pg), snapshots, apiRelease(call.deps.config.release));
}


export const groupOperations: Operation[] = [
  defineOperation({
    service: SERVICE, name: 'list', since: '8.0.3.0', readOnly: true,
    rest: { method: 'GET', path: BASE, query: ['filter'] },
    input: Input({ cluster: Id(), filter: Type.Optional(GroupFilter) }),
    ids: ['cluster'],
    output: GroupList,
    authorize: async (call, ids) => {
      const cluster = await clusterOr404(call.deps.store.repos, ids.cluster);
      await call.authz.require({ type: 'ClusterComputeResource', id: cluster.id }, [READ]);
      return cluster;
    },
    handler: async (call, input, cluster) => {
      const f = input.filter ?? {};
      const repos = call.deps.store.repos;
      let groups = await repos.groups.list(cluster.id, { ids: constraint(f.pgs), names: constraint(f.names), statuses: constraint(f.states) });
      const wanted = constraint(f.vms);
      if (wanted) {
        const keep: ProtectionGroup[] = [];
        for (const g of groups) if ((await currentMembers(repos, g)).ids.some((id) => wanted.includes(id))) keep.push(g);
        groups = keep;
      }
      const items = [];
      for (const g of groups) items.push({ pg: g.id, info: await info(call, g) });
      return { items };
    },
  }),
  defineOperation({
    service: SERVICE, name: 'get', since: '8.0.3.0', readOnly: true,
    rest: { method: 'GET', path: `${BASE}/{pg}` },
    input: Input({ cluster: Id(), pg: Id() }),
    ids: ['cluster', 'pg'],
    output: GroupInfo,
    authorize: (call, ids) => clusterAndGroup(call, ids, READ),
    handler: (call, _input, { pg }) => info(call, pg),
  }),
  defineOperation({
    service: SERVICE, name: 'create$task', since: '8.0.3.0',
    rest: { method: 'POST', path: BASE, task: true, body: 'spec' },
    task: PG_CREATE,
    input: Input({ cluster: Id(), spec: GroupSpec }),
    ids: ['cluster'],
    taskResult: Id(),
    authorize: async (call, ids) => {
      const cluster = await clusterOr404(call.deps.store.repos, ids.cluster);
      await call.authz.require({ type: 'ClusterComputeResource', id: cluster.id }, [WRITE]);
      return cluster;
    },
    handler: (call, input, cluster) =>
      submitCreate(call, cluster, {
        name: input.spec.name,
        targetEntities: targetsFromWire(input.spec.target_entities),
        policies: policiesFromWire(input.spec.snapshot_policies),
        locked: input.spec.locked ?? false,
      }, replicationFromWire(input.spec.replication_policies)),
  }),
  defineOperation({
    service: SERVICE, name: 'update$task', since: '8.0.3.0',
    rest: { method: 'PATCH', path: `${BASE}/{pg}`, task: true, body: 'spec' },
    task: PG_UPDATE,
    input: Input({ cluster: Id(), pg: Id(), spec: GroupUpdateSpec }),
    ids: ['cluster', 'pg'],
    authorize: (call, ids) => clusterAndGroup(call, ids, WRITE),
    handler: async (call, input, { cluster, pg }) => {
      const change = {
        name: input.spec.name,
        targetEntities: input.spec.target_entities ? targetsFromWire(input.spec.target_entities) : undefined,
        policies: input.spec.snapshot_policies ? policiesFromWire(input.spec.snapshot_policies) : undefined,
        locked: input.spec.locked,
        replication: await replicationChange(call, cluster, pg, replicationFromWire(input.spec.replication_policies)),
      };
      await validateChange(call, cluster, change);
      return submitChange(call, cluster, pg, PG_UPDATE, change);
    },
  }),
  ...([['pause', PG_PAUSE], ['resume', PG_RESUME]] as const).map(([action, task]) =>
    defineOperation({
      service: SERVICE, name: `${action}$task`, since: '8.0.3.0',
      rest: { method: 'POST', path: `${BASE}/{pg}`, action, task: true },
      task,
      input: Input({ cluster: Id(), pg: Id() }),
      ids: ['cluster', 'pg'],
      authorize: (call, ids) => clusterAndGroup(call, ids, WRITE),
      handler: (call, _input, { cluster, pg }) => submitChange(call, cluster, pg, task, {}),
    }),
  ),
  defineOperation({
    service: SERVICE, name: 'delete$task', since: '8.0.3.0',
    rest: { method: 'DELETE', path: `${BASE}/{pg}`, task: true, query: ['spec'], body: 'spec', bodyWrapped: true },
    task: PG_DELETE,
    input: Input({ cluster: Id(), pg: Id(), spec: Type.Optional(DeleteSpec) }),
    ids: ['cluster', 'pg'],
    authorize: (call, ids) => clusterAndGroup(call, ids, WRITE),
    handler: (call, input, { cluster, pg }) => submitChange(call, cluster, pg, PG_DELETE, { force: input.spec?.force ?? false }),
  }),
  ...globalGroupOperations,
];
