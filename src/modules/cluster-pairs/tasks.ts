import { errors } from '../../errors.ts';
import { runThenApply } from '../../tasks/simple.ts';
import { defineTask } from '../../tasks/task.ts';
import { deliverRemovals } from '../replication/removals.ts';
import { callSite } from '../sites/access.ts';
import { inUseError, pairInUse } from './usage.ts';
import { alreadyPaired, precheck, refusal, type CreateRequest } from './precheck.ts';

export const CP_PRECHECK = defineTask<CreateRequest>({
  kind: 'cluster_pair.precheck',
  description: { id: 'cluster_pair.precheck', text: 'Precheck a new cluster pair' },
  run: async (run, input) => {
    const findings = await precheck(run.deps, input, (ms) => run.sleep(ms));
    await runThenApply(run, async () => ({ prechecks: findings.items }));
  },
});

export interface CreatePairInput extends CreateRequest { id: string }

export const CP_CREATE = defineTask<CreatePairInput>({
  kind: 'cluster_pair.create',
  description: { id: 'cluster_pair.create', text: 'Create a cluster pair' },
  run: async (run, input) => {
    const { deps } = run;
    await run.begin(1, run.task.description);
    if (deps.config.taskDelayMs > 0) await run.sleep(deps.config.taskDelayMs);
    const wait = (ms: number) => run.sleep(ms);
    const findings = await precheck(deps, input, wait);
    const refused = refusal(findings);
    if (refused) throw refused;
    const { site, peer, localName } = findings;
    if (!site || !peer || !localName) throw errors.internal();
    // The peer records the pair first (the same id on both sides); ours follows.
    await callSite(deps, site, 'POST', '/api/peer/cluster-pairs', {
      id: input.id, site: deps.site.id, cluster: input.localCluster, cluster_name: localName, peer_cluster: peer.cluster,
    }, wait);
    try {
      await deps.store.transaction(async (tx) => {
        await tx.locks.acquire('admission');
        if (await alreadyPaired(tx, input)) throw errors.notAllowed('cluster_pair.raced', 'The cluster pair was created meanwhile.');
        if ((await tx.clusterPairs.list({ localClusterIds: [input.localCluster] })).length > 0) {
          throw errors.notAllowed('cluster_pair.cluster_paired', `Cluster ${localName} was paired meanwhile.`, input.localCluster);
        }
        await tx.clusterPairs.insert({
          id: input.id, localClusterId: input.localCluster, localClusterName: localName, peerSiteId: site.id,
          peerClusterId: peer.cluster, peerClusterName: peer.name, createdAt: deps.clock.now(),
        });
        await run.succeed(tx, input.id);
      });
    } catch (err) {
      await callSite(deps, site, 'DELETE', `/api/peer/cluster-pairs/${input.id}`, undefined, wait).catch(() => undefined);
      throw err;
    }
  },
});

export const CP_DELETE = defineTask<{ id: string }>({
  kind: 'cluster_pair.delete',
  description: { id: 'cluster_pair.delete', text: 'Delete a cluster pair' },
  run: async (run, input) => {
    const { deps } = run;
    const pair = await deps.store.repos.clusterPairs.get(input.id);
    if (!pair) throw errors.notFound('cluster pair', input.id);
    // A group may have started replicating over the pair since admission.
    if (await pairInUse(deps.store.repos, pair.id)) throw inUseError(pair.id);
    const site = await deps.store.repos.sites.get(pair.peerSiteId);
    await run.begin(1, run.task.description);
    if (deps.config.taskDelayMs > 0) await run.sleep(deps.config.taskDelayMs);
    const wait = (ms: number) => run.sleep(ms);
    // The peer keeps a pair its replica groups use: the replicas owed a removal go first.
    if (site) await deliverRemovals(deps, wait, site.id);
    // Removed at the peer first: a pair the peer still holds must not vanish here alone.
    if (site) await callSite(deps, site, 'DELETE', `/api/peer/cluster-pairs/${pair.id}`, undefined, wait);
    await deps.store.transaction(async (tx) => {
      await tx.clusterPairs.delete(pair.id);
      await run.succeed(tx, undefined);
    });
  },
});
