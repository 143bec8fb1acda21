import { Type } from '@sinclair/typebox';
import type { Deps } from '../../context.ts';
import type { ClusterPair } from '../../domain/sites.ts';
import { errors, vapiError } from '../../errors.ts';
import { newId } from '../../domain/ids.ts';
import { admitTask } from '../../tasks/submit.ts';
import { constraint } from '../../vapi/filters.ts';
import { defineOperation, type Operation } from '../../vapi/operation.ts';
import { formatTime, Id, Input } from '../../vapi/wire.ts';
import type { Repos } from '../../store/store.ts';
import { requireSite, SITE_MANAGE, SITE_VIEW } from '../sites/access.ts';
import { connections, type Connection } from '../sites/views.ts';
import { alreadyExists, alreadyPaired, precheck, type CreateRequest } from './precheck.ts';
import { CreateSpec, FilterSpec, ListResult, PairInfo, PrecheckResult } from './schemas.ts';
import { CP_CREATE, CP_DELETE, CP_PRECHECK } from './tasks.ts';
import { inUseError, pairInUse } from './usage.ts';

const SERVICE = 'com.vmware.snapservice.cluster_pairs';
const BASE = '/api/snapservice/cluster-pairs';

function request(spec: { local_cluster: { cluster: string }; peer_cluster: { site: string; cluster: string } }): CreateRequest {
  return { localCluster: spec.local_cluster.cluster, peerSite: spec.peer_cluster.site, peerCluster: spec.peer_cluster.cluster };
}

function pairInfo(deps: Deps, pair: ClusterPair, conn: Connection | undefined, inUse: boolean) {
  const error = conn ? conn.error : errors.notFound('site', pair.peerSiteId);
  return {
    local_cluster: { site: deps.site.id, vcenter: deps.site.vcenterId, cluster: pair.localClusterId, cluster_name: pair.localClusterName },
    peer_cluster: { site: pair.peerSiteId, vcenter: conn?.site.vcenterId ?? '', cluster: pair.peerClusterId, cluster_name: pair.peerClusterName },
    connection_status: error ? 'ERROR' : 'OK',
    connection_state_updated_at: formatTime(deps.clock.now()),
    ...(error ? { connection_errors: [{ messages: error.messages }] } : {}),
    in_use: inUse,
  };
}

async function infos(deps: Deps, pairs: ClusterPair[]) {
  const siteIds = [...new Set(pairs.map((p) => p.peerSiteId))];
  const sites = (await deps.store.repos.sites.list()).filter((s) => siteIds.includes(s.id));
  const conns = await connections(deps, sites);
  const used = new Set((await deps.store.repos.groups.list(undefined, { clusterPairIds: pairs.map((p) => p.id) })).map((g) => g.replication?.clusterPairId));
  return pairs.map((p) => ({ cluster_pair: p.id, info: pairInfo(deps, p, conns.find((c) => c.site.id === p.peerSiteId), used.has(p.id)) }));
}

async function checkNew(repos: Repos, req: CreateRequest): Promise<void> {
  const same = await alreadyPaired(repos, req);
  if (same) throw alreadyExists(same);
}

export const clusterPairOperations: Operation[] = [
  defineOperation({
    service: SERVICE, name: 'list', since: '9.0.0.0', readOnly: true,
    rest: { method: 'GET', path: BASE, query: ['filter'] },
    input: Input({ filter: Type.Optional(FilterSpec) }), output: ListResult,
    authorize: (call) => requireSite(call, SITE_VIEW),
    handler: async (call, { filter = {} }) => {
      const pairs = await call.deps.store.repos.clusterPairs.list({ ids: constraint(filter.cluster_pairs), localClusterIds: constraint(filter.local_clusters) });
      return { items: await infos(call.deps, pairs) };
    },
  }),
  defineOperation({
    service: SERVICE, name: 'get', since: '9.0.0.0', readOnly: true,
    rest: { method: 'GET', path: `${BASE}/{cp}` },
    input: Input({ cp: Id() }), ids: ['cp'], output: PairInfo,
    authorize: async (call, ids) => {
      const pair = await call.deps.store.repos.clusterPairs.get(ids.cp);
      if (!pair) throw errors.notFound('cluster pair', ids.cp);
      await requireSite(call, SITE_VIEW);
      return pair;
    },
    handler: async (call, _input, pair) => (await infos(call.deps, [pair]))[0].info,
  }),
  defineOperation({
    service: SERVICE, name: 'create_precheck', since: '9.0.0.0',
    rest: { method: 'POST', path: BASE, action: 'create-precheck', body: 'spec' },
    input: Input({ spec: CreateSpec }), output: PrecheckResult,
    authorize: (call) => requireSite(call, SITE_MANAGE),
    handler: async (call, { spec }) => {
      const req = request(spec);
      await checkNew(call.deps.store.repos, req);
      return { prechecks: (await precheck(call.deps, req)).items };
    },
  }),
  defineOperation({
    service: SERVICE, name: 'create_precheck$task', since: '9.0.0.0',
    rest: { method: 'POST', path: BASE, action: 'create-precheck', task: true, body: 'spec' },
    task: CP_PRECHECK, taskResult: PrecheckResult,
    input: Input({ spec: CreateSpec }),
    authorize: (call) => requireSite(call, SITE_MANAGE),
    handler: async (call, { spec }) => {
      const req = request(spec);
      await checkNew(call.deps.store.repos, req);
      return admitTask(call, CP_PRECHECK, async () => ({ target: { type: 'ClusterComputeResource', id: req.localCluster }, input: req }));
    },
  }),
  defineOperation({
    service: SERVICE, name: 'create$task', since: '9.0.0.0',
    rest: { method: 'POST', path: BASE, task: true, body: 'spec' },
    task: CP_CREATE, taskResult: Id(),
    input: Input({ spec: CreateSpec }),
    authorize: (call) => requireSite(call, SITE_MANAGE),
    handler: async (call, { spec }) => {
      const req = request(spec);
      const { deps } = call;
      const site = await deps.store.repos.sites.get(req.peerSite);
      if (!site) throw vapiError('UNSUPPORTED', 'cluster_pair.no_site_pair', `Site ${req.peerSite} is not paired with this site: pair the sites first.`, req.peerSite);
      return admitTask(call, CP_CREATE, async (tx) => {
        const local = await tx.inventory.getCluster(req.localCluster);
        if (!local) throw errors.invalidArgument('spec.local_cluster.cluster', `cluster ${req.localCluster} does not exist`);
        await checkNew(tx, req);
        const taken = (await tx.clusterPairs.list({ localClusterIds: [req.localCluster] }))[0];
        if (taken) throw vapiError('ALREADY_EXISTS', 'cluster_pair.cluster_paired', `Cluster ${local.name} is already paired (cluster pair ${taken.id}).`, local.id, taken.id);
        if (await tx.tasks.activeForTarget(req.localCluster, [CP_CREATE.kind])) {
          throw vapiError('ALREADY_EXISTS', 'cluster_pair.being_created', `A cluster pair for cluster ${local.name} is being created.`, local.id);
        }
        return { target: { type: 'ClusterComputeResource', id: req.localCluster }, clusterId: req.localCluster, input: { ...req, id: newId() } };
      });
    },
  }),
  defineOperation({
    service: SERVICE, name: 'delete$task', since: '9.0.0.0',
    rest: { method: 'DELETE', path: `${BASE}/{cp}`, task: true },
    task: CP_DELETE,
    input: Input({ cp: Id() }), ids: ['cp'],
    authorize: async (call, ids) => {
      const pair = await call.deps.store.repos.clusterPairs.get(ids.cp);
      if (!pair) throw errors.notFound('cluster pair', ids.cp);
      await requireSite(call, SITE_MANAGE);
      return pair;
    },
    handler: async (call, _input, pair) =>
      admitTask(call, CP_DELETE, async (tx) => {
        if (!(await tx.clusterPairs.get(pair.id))) throw errors.notFound('cluster pair', pair.id);
        if (await tx.tasks.activeForTarget(pair.id, [CP_DELETE.kind])) throw errors.notAllowed('cluster_pair.busy', `Cluster pair ${pair.id} is being deleted.`, pair.id);
        if (await pairInUse(tx, pair.id)) throw inUseError(pair.id);
        return { target: { type: 'com.vmware.snapservice.cluster_pair', id: pair.id }, input: { id: pair.id } };
      }),
  }),
];
