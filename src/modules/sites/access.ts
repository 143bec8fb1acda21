import { randomBytes } from 'node:crypto';
import type { Deps } from '../../context.ts';
import type { Site } from '../../domain/sites.ts';
import { ROLE_ADMIN } from '../../domain/privileges.ts';
import { errors, type VapiError } from '../../errors.ts';
import { peerCall, peerErrorToVapi, type PeerLink, type PeerTarget } from '../../peer/client.ts';
import { hashPassword } from '../../security/passwords.ts';
import type { Repos } from '../../store/store.ts';
import type { Call } from '../../vapi/operation.ts';
import { localClusters, localDatastores, localSiteFacts, type ClusterFacts, type DatastoreFacts, type SiteFacts } from './facts.ts';

export const SITE_VIEW = 'VsanDP.Replication.com.vmware.vsan.snapshotservice.Site.View';
export const SITE_MANAGE = 'VsanDP.Replication.com.vmware.vsan.snapshotservice.Site.Manage';

/** Site privileges are global: they are checked on the root folder. */
export async function requireSite(call: Call, privilege: string): Promise<void> {
  await call.authz.require({ type: 'Folder', id: call.deps.rootFolderId }, [privilege]);
}

/** The local site, or a paired remote site. */
export type SiteRef = { local: true; id: string } | { local: false; id: string; site: Site };

export async function siteOr404(deps: Deps, id: string): Promise<SiteRef> {
  if (id === deps.site.id) return { local: true, id };
  const site = await deps.store.repos.sites.get(id);
  if (!site) throw errors.notFound('site', id);
  return { local: false, id, site };
}

/** How time passes on a slow simulated link for one caller (a task's or a worker's own sleep, so that it counts as idle). */
export type LinkWait = (ms: number) => Promise<void>;

/** The simulated link to a paired site, as the sim API set it; waits on the service clock unless told otherwise. */
export function linkOf(deps: Deps, siteId: string, wait?: LinkWait): PeerLink {
  return { conditions: () => deps.links.get(siteId), wait: wait ?? ((ms) => deps.clock.sleep(ms)) };
}

/** How this server calls a paired site: its pinned certificate, the service credential it holds there, the link. */
export function targetOf(deps: Deps, site: Site, wait?: LinkWait): PeerTarget {
  return {
    url: site.url, certificate: site.certificate, auth: { user: site.remoteUser, password: site.remotePassword },
    timeoutMs: deps.config.siteTimeoutMs, link: linkOf(deps, site.id, wait),
  };
}

/** A peer call whose failure is the caller's vAPI error (503 when the site cannot be reached). */
export async function callSite<T>(deps: Deps, site: Site, method: string, path: string, body?: unknown, wait?: LinkWait): Promise<T> {
  try {
    return await peerCall<T>(targetOf(deps, site, wait), method, path, body);
  } catch (err) {
    throw peerErrorToVapi(err, site.name);
  }
}

export async function factsOf(deps: Deps, ref: SiteRef): Promise<SiteFacts> {
  return ref.local ? localSiteFacts(deps) : callSite<SiteFacts>(deps, ref.site, 'GET', '/api/peer/site');
}

export async function clustersOf(deps: Deps, ref: SiteRef, wait?: LinkWait): Promise<ClusterFacts[]> {
  if (ref.local) return localClusters(deps.store.repos);
  return (await callSite<{ items: ClusterFacts[] }>(deps, ref.site, 'GET', '/api/peer/clusters', undefined, wait)).items;
}

export async function datastoresOf(deps: Deps, ref: SiteRef): Promise<DatastoreFacts[]> {
  if (ref.local) return localDatastores(deps.store.repos);
  return (await callSite<{ items: DatastoreFacts[] }>(deps, ref.site, 'GET', '/api/peer/datastores')).items;
}

/** A live look at a paired site: its facts, or why it cannot be reached. */
export async function probeSite(deps: Deps, site: Site): Promise<{ facts?: SiteFacts; error?: VapiError }> {
  try {
    return { facts: await callSite<SiteFacts>(deps, site, 'GET', '/api/peer/site') };
  } catch (err) {
    return { error: err as VapiError };
  }
}

export interface ServiceCredential {
  user: string;
  password: string;
  hash: string;
}

/** A service user's credential for a paired site, hashed before any transaction holds a lock. */
export async function newServiceCredential(deps: Deps, peerSiteId: string): Promise<ServiceCredential> {
  const password = randomBytes(24).toString('base64url');
  // A new name at every rotation, so that the old credential stops working the moment it is replaced.
  const user = `snapservice-peer-${peerSiteId}-${randomBytes(4).toString('hex')}@vsphere.local`;
  return { user, password, hash: await hashPassword(password, deps.config.scryptCost) };
}

/**
 * Stores the service user a paired site calls this server with, replacing an older one: the
 * Admin role on the root folder (a peer drives replication and recovery here as an administrator would).
 */
export async function storeServiceUser(tx: Repos, deps: Deps, cred: ServiceCredential, now: number, replaces?: string): Promise<void> {
  if (replaces) await tx.users.delete(replaces);
  await tx.users.insert({ name: cred.user, passwordHash: cred.hash, createdAt: now });
  await tx.permissions.upsert({ principal: cred.user, entityId: deps.rootFolderId, roleId: ROLE_ADMIN.id, propagate: true });
}
