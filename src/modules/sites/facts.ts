import type { Deps } from '../../context.ts';
import { DEFAULT_LICENSE, datastoreCapabilities, siteCapabilities, type License } from '../../domain/sites.ts';
import { hostPort } from '../../peer/client.ts';
import type { Repos } from '../../store/store.ts';

/**
 * What a site says about itself: the same facts whether the caller is this server's own API
 * (the local site) or a paired site asking over the peer endpoints (peer-operations.ts).
 */
export interface SiteFacts {
  site: string;
  name: string;
  vcenter: string;
  /** Unset until the server listens on HTTPS. */
  url?: string;
  release: string;
  license: License;
  capabilities: string[];
}

export interface ClusterFacts {
  cluster: string;
  name: string;
  datastores: string[];
}

export interface DatastoreFacts {
  datastore: string;
  cluster: string;
  name: string;
  type: string;
  capacity: number;
  free_space: number;
  hierarchy: string[];
  capabilities: string[];
}

export async function readLicense(repos: Repos): Promise<License> {
  const text = await repos.meta.get('license');
  return text ? (JSON.parse(text) as License) : DEFAULT_LICENSE;
}

export async function localSiteFacts(deps: Deps): Promise<SiteFacts> {
  return {
    site: deps.site.id,
    name: deps.config.siteName,
    vcenter: deps.site.vcenterId,
    ...(deps.site.url ? { url: deps.site.url } : {}),
    release: deps.config.release,
    license: await readLicense(deps.store.repos),
    capabilities: siteCapabilities(deps.config.release),
  };
}

/** Host and port of this site's vCenter as a peer would call it. */
export function localAddress(deps: Deps): { host: string; port: number } {
  return deps.site.url ? hostPort(deps.site.url) : { host: deps.config.host, port: deps.config.port };
}

export async function localClusters(repos: Repos): Promise<ClusterFacts[]> {
  const [clusters, datastores] = await Promise.all([repos.inventory.listClusters(), repos.datastores.list()]);
  return clusters.map((c) => ({ cluster: c.id, name: c.name, datastores: datastores.filter((d) => d.clusterId === c.id).map((d) => d.id) }));
}

export async function localDatastores(repos: Repos): Promise<DatastoreFacts[]> {
  const datastores = await repos.datastores.list();
  const [used, dcs, folders] = await Promise.all([
    repos.datastores.usedByCluster([...new Set(datastores.map((d) => d.clusterId))]),
    repos.inventory.listDatacenters(),
    repos.inventory.listFolders(),
  ]);
  const root = folders.find((f) => f.parentId === null && f.datacenterId === null);
  return datastores.map((d) => ({
    datastore: d.id,
    cluster: d.clusterId,
    name: d.name,
    type: d.type,
    capacity: d.capacityBytes,
    free_space: Math.max(0, d.capacityBytes - (used.get(d.clusterId) ?? 0)),
    hierarchy: [`Folder:${root?.name ?? 'Datacenters'}`, `Datacenter:${dcs.find((dc) => dc.id === d.datacenterId)?.name ?? d.datacenterId}`, 'Folder:datastore'],
    capabilities: datastoreCapabilities(d.type),
  }));
}
