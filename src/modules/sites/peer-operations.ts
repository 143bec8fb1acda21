import { Type } from '@sinclair/typebox';
import type { Site } from '../../domain/sites.ts';
import { errors, vapiError } from '../../errors.ts';
import { certificateInfo, fetchCertificate, hostPort, PeerError } from '../../peer/client.ts';
import { defineOperation, type Call, type Operation } from '../../vapi/operation.ts';
import { Id, Input, ListOf, Secret, Struct } from '../../vapi/wire.ts';
import { newServiceCredential, requireSite, SITE_MANAGE, SITE_VIEW, storeServiceUser } from './access.ts';
import { localClusters, localDatastores, localSiteFacts } from './facts.ts';

/**
 * The endpoints a paired site calls (under /api/peer, not the vendor's API): facts about this
 * site, the pairing itself, and cluster pairs. Callers authenticate as the service user this
 * server made for them, or (pairing and repair) with an administrator's session at this site.
 * docs/behaviour.md describes them.
 */
const SERVICE = 'snapservice.peer';
export const PEER_PREFIX = '/api/peer/';

const Credential = Struct(`${SERVICE}.credential`, { user: Type.String(), password: Secret() });

const SiteFactsSchema = Struct(`${SERVICE}.site_facts`, {
  site: Id(), name: Type.String(), vcenter: Type.String(), url: Type.Optional(Type.String()), release: Type.String(),
  license: Struct(`${SERVICE}.license`, { state: Type.String(), type: Type.String(), total: Type.Integer(), available: Type.Integer() }),
  capabilities: ListOf(Type.String()),
});

const PairingSpec = Struct(`${SERVICE}.pairing_spec`, {
  site: Id(), name: Type.String({ minLength: 1 }), vcenter: Type.String(), url: Type.String({ minLength: 1 }),
  certificate: Type.String({ minLength: 1 }), release: Type.String(), credential: Credential,
});

const PairingReply = Struct(`${SERVICE}.pairing_reply`, {
  site: Id(), name: Type.String(), vcenter: Type.String(), release: Type.String(), credential: Credential,
});

const ClusterPairSpec = Struct(`${SERVICE}.cluster_pair_spec`, {
  id: Id(), site: Id(), cluster: Id(), cluster_name: Type.String(), peer_cluster: Id(),
});

/** The paired site calling, when the caller is its service user; undefined for an administrator. */
async function callingSite(call: Call): Promise<Site | undefined> {
  return call.deps.store.repos.sites.byLocalUser(call.user);
}

/** A service user may act only for its own site. */
async function forSite(call: Call, siteId: string): Promise<void> {
  await requireSite(call, SITE_MANAGE);
  const caller = await callingSite(call);
  if (caller && caller.id !== siteId) throw errors.notFound('site', siteId);
}

/** The address the calling site gave must present the certificate it gave: no one-way pairing. */
async function checkReachable(call: Call, url: string, certificate: string): Promise<void> {
  const given = certificateInfo(certificate);
  if (!given) throw errors.invalidArgument('spec.certificate', 'is not a PEM certificate');
  let presented;
  try {
    const { host, port } = hostPort(url);
    presented = await fetchCertificate(host, port, call.deps.config.siteTimeoutMs);
  } catch (err) {
    throw vapiError('SERVICE_UNAVAILABLE', 'site.callback_unreachable', `This site cannot reach the adding site at ${url}: ${(err as PeerError).message}`, url);
  }
  if (presented.thumbprint !== given.thumbprint) {
    throw vapiError('UNVERIFIED_PEER', 'site.callback_certificate', `The adding site at ${url} presents certificate ${presented.thumbprint}, not the one it sent.`, url);
  }
}

export const peerOperations: Operation[] = [
  defineOperation({
    service: `${SERVICE}.site`, name: 'get', since: '9.0.0.0', readOnly: true,
    rest: { method: 'GET', path: '/api/peer/site' },
    input: Input({}), output: SiteFactsSchema,
    authorize: (call) => requireSite(call, SITE_VIEW),
    handler: (call) => localSiteFacts(call.deps),
  }),
  defineOperation({
    service: `${SERVICE}.clusters`, name: 'list', since: '9.0.0.0', readOnly: true,
    rest: { method: 'GET', path: '/api/peer/clusters' },
    input: Input({}),
    output: Struct(`${SERVICE}.clusters.list_result`, { items: ListOf(Struct(`${SERVICE}.cluster`, { cluster: Id(), name: Type.String(), datastores: ListOf(Id()) })) }),
    authorize: (call) => requireSite(call, SITE_VIEW),
    handler: async (call) => ({ items: await localClusters(call.deps.store.repos) }),
  }),
  defineOperation({
    service: `${SERVICE}.datastores`, name: 'list', since: '9.0.0.0', readOnly: true,
    rest: { method: 'GET', path: '/api/peer/datastores' },
    input: Input({}),
    output: Struct(`${SERVICE}.datastores.list_result`, {
      items: ListOf(Struct(`${SERVICE}.datastore`, {
        datastore: Id(), cluster: Id(), name: Type.String(), type: Type.String(), capacity: Type.Integer(),
        free_space: Type.Integer(), hierarchy: ListOf(Type.String()), capabilities: ListOf(Type.String()),
      })),
    }),
    authorize: (call) => requireSite(call, SITE_VIEW),
    handler: async (call) => ({ items: await localDatastores(call.deps.store.repos) }),
  }),
  defineOperation({
    service: `${SERVICE}.pairings`, name: 'create', since: '9.0.0.0',
    rest: { method: 'POST', path: '/api/peer/pairings', body: 'spec' },
    input: Input({ spec: PairingSpec }), output: PairingReply,
    authorize: (call) => requireSite(call, SITE_MANAGE),
    handler: async (call, { spec }) => {
      const { deps } = call;
      if (spec.site === deps.site.id) throw errors.invalidArgument('spec.site', 'a site cannot be paired with itself');
      if (!deps.site.url) throw vapiError('UNSUPPORTED', 'site.not_https', 'This site does not listen on HTTPS, so it cannot be paired.');
      await checkReachable(call, spec.url, spec.certificate);
      const cred = await newServiceCredential(deps, spec.site);
      const now = deps.clock.now();
      await deps.store.transaction(async (tx) => {
        await tx.locks.acquire('admission');
        const existing = (await tx.sites.list())[0];
        if (existing && existing.id !== spec.site) {
          throw errors.notAllowed('site.already_paired', `Site ${deps.config.siteName} is already paired with site ${existing.name} (${existing.id}).`, existing.id);
        }
        // The same site adding again (its add task ran again after a restart) pairs anew: fresh credentials both ways.
        await storeServiceUser(tx, deps, cred, now, existing?.localUser);
        const row = {
          name: spec.name, url: spec.url, certificate: spec.certificate, vcenterId: spec.vcenter, release: spec.release,
          remoteUser: spec.credential.user, remotePassword: spec.credential.password, localUser: cred.user, updatedAt: now,
        };
        if (existing) await tx.sites.update(spec.site, row);
        else await tx.sites.insert({ id: spec.site, createdAt: now, ...row });
      });
      const self = await localSiteFacts(deps);
      return { site: self.site, name: self.name, vcenter: self.vcenter, release: self.release, credential: { user: cred.user, password: cred.password } };
    },
  }),
  defineOperation({
    service: `${SERVICE}.pairings`, name: 'update', since: '9.0.0.0',
    rest: { method: 'PATCH', path: '/api/peer/pairings/{site}', body: 'spec' },
    input: Input({ site: Id(), spec: PairingSpec }), ids: ['site'], output: PairingReply,
    authorize: (call, ids) => forSite(call, ids.site),
    handler: async (call, { site, spec }) => {
      const { deps } = call;
      const existing = await deps.store.repos.sites.get(site);
      if (!existing) throw errors.notFound('site', site);
      if (spec.site !== site) throw errors.invalidArgument('spec.site', `must be the site in the path (${site})`);
      await checkReachable(call, spec.url, spec.certificate);
      const cred = await newServiceCredential(deps, site);
      const now = deps.clock.now();
      await deps.store.transaction(async (tx) => {
        await storeServiceUser(tx, deps, cred, now, existing.localUser);
        await tx.sites.update(site, {
          name: spec.name, url: spec.url, certificate: spec.certificate, vcenterId: spec.vcenter, release: spec.release,
          remoteUser: spec.credential.user, remotePassword: spec.credential.password, localUser: cred.user, updatedAt: now,
        });
      });
      const self = await localSiteFacts(deps);
      return { site: self.site, name: self.name, vcenter: self.vcenter, release: self.release, credential: { user: cred.user, password: cred.password } };
    },
  }),
  defineOperation({
    service: `${SERVICE}.pairings`, name: 'delete', since: '9.0.0.0',
    rest: { method: 'DELETE', path: '/api/peer/pairings/{site}' },
    input: Input({ site: Id() }), ids: ['site'],
    authorize: (call, ids) => forSite(call, ids.site),
    handler: async (call, { site }) => {
      await call.deps.store.transaction(async (tx) => {
        const existing = await tx.sites.get(site);
        if (!existing) return;
        for (const p of await tx.clusterPairs.list({ peerSiteIds: [site] })) await tx.clusterPairs.delete(p.id);
        await tx.sites.delete(site);
        await tx.users.delete(existing.localUser);
      });
      call.deps.links.clear(site);
    },
  }),
  defineOperation({
    service: `${SERVICE}.cluster_pairs`, name: 'create', since: '9.0.0.0',
    rest: { method: 'POST', path: '/api/peer/cluster-pairs', body: 'spec', status: 204 },
    input: Input({ spec: ClusterPairSpec }),
    authorize: (call) => requireSite(call, SITE_MANAGE),
    handler: async (call, { spec }) => {
      const { deps } = call;
      await deps.store.transaction(async (tx) => {
        await tx.locks.acquire('admission');
        if (!(await tx.sites.get(spec.site))) throw errors.notFound('site', spec.site);
        const cluster = await tx.inventory.getCluster(spec.peer_cluster);
        if (!cluster) throw errors.notFound('cluster', spec.peer_cluster);
        const taken = (await tx.clusterPairs.list({ localClusterIds: [cluster.id] }))[0];
        if (taken && taken.id !== spec.id) {
          throw vapiError('ALREADY_EXISTS', 'cluster_pair.cluster_paired', `Cluster ${cluster.name} (${cluster.id}) is already paired (cluster pair ${taken.id}).`, cluster.id, taken.id);
        }
        if (taken) return;
        await tx.clusterPairs.insert({
          id: spec.id, localClusterId: cluster.id, localClusterName: cluster.name, peerSiteId: spec.site,
          peerClusterId: spec.cluster, peerClusterName: spec.cluster_name, createdAt: deps.clock.now(),
        });
      });
    },
  }),
  defineOperation({
    service: `${SERVICE}.cluster_pairs`, name: 'delete', since: '9.0.0.0',
    rest: { method: 'DELETE', path: '/api/peer/cluster-pairs/{cp}' },
    input: Input({ cp: Id() }), ids: ['cp'],
    authorize: (call) => requireSite(call, SITE_MANAGE),
    handler: async (call, { cp }) => {
      const { repos } = call.deps.store;
      // Groups at this side replicating over the pair (or holding its replicas) keep it.
      if ((await repos.groups.list(undefined, { clusterPairIds: [cp] })).length > 0) {
        throw errors.notAllowed('cluster_pair.in_use', `Cluster pair ${cp} is in use by protection groups that replicate over it.`, cp);
      }
      await repos.clusterPairs.delete(cp);
    },
  }),
];
