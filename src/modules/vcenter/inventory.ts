import { createHash } from 'node:crypto';
import type { Cluster, Datacenter, Folder, Host, ResourcePool } from '../../domain/model.ts';
import type { EntityRef } from '../../domain/privileges.ts';
import { clusterOr404 } from '../../access/lookup.ts';
import { vapiError } from '../../errors.ts';
import { constraint } from '../../vapi/filters.ts';
import type { Call } from '../../vapi/operation.ts';

/**
 * vCenter inventory reads. Every list answers only the objects the caller may read
 * (`System.Read`), in creation order; past the vendor's cap of visible matches the answer is
 * UNABLE_TO_ALLOCATE_RESOURCE, as the vendor documents for each list.
 */

export const LIST_CAPS = { datacenters: 1000, clusters: 1000, folders: 1000, hosts: 2500, resourcePools: 1000, vms: 4000 } as const;

/** A vAPI filter set: unset or empty means "no constraint". */
export type IdSet = Set<string> | undefined;
export const idSet = (values: readonly string[] | undefined): IdSet => {
  const c = constraint(values);
  return c ? new Set(c) : undefined;
};
export const admits = (set: IdSet, value: string | null | undefined): boolean => !set || (value !== null && value !== undefined && set.has(value));

/** An object of a list and its parent, which the list already holds. */
export type Listed = EntityRef & { parent: string | null };

/**
 * Keeps the items the caller may read; more than `cap` of them is an error, not a silent cut.
 * The parents come with the items, so checking them costs no query per item.
 */
export async function readable<T>(call: Call, items: readonly T[], ref: (t: T) => Listed, cap: number, what: string): Promise<T[]> {
  const refs = items.map(ref);
  for (const r of refs) call.authz.knownParent(r.type, r.id, r.parent);
  const out: T[] = [];
  for (const [i, item] of items.entries()) {
    if (!(await call.authz.can(refs[i], 'System.Read'))) continue;
    if (out.length === cap) {
      throw vapiError('UNABLE_TO_ALLOCATE_RESOURCE', 'vcenter.list.too_many', `More than ${cap} ${what} match the filter; narrow it.`, cap, what);
    }
    out.push(item);
  }
  return out;
}

/** The folder that holds a datacenter's clusters (its `host` folder). */
async function hostFolderOf(call: Call): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of await call.deps.store.repos.inventory.listFolders()) {
    if (f.type === 'HOST' && f.parentId === null && f.datacenterId) out.set(f.datacenterId, f.id);
  }
  return out;
}

/** Clusters by id, to find the datacenter of a host, pool or VM. */
export async function clustersById(call: Call): Promise<Map<string, Cluster>> {
  return new Map((await call.deps.store.repos.inventory.listClusters()).map((c) => [c.id, c]));
}

export async function listDatacenters(call: Call, f: { datacenters?: string[]; names?: string[]; folders?: string[] } = {}): Promise<Datacenter[]> {
  const ids = idSet(f.datacenters);
  const names = idSet(f.names);
  const folders = idSet(f.folders);
  const root = call.deps.rootFolderId;
  const all = (await call.deps.store.repos.inventory.listDatacenters()).filter(
    (dc) => admits(ids, dc.id) && admits(names, dc.name) && admits(folders, root),
  );
  return readable(call, all, (dc) => ({ type: 'Datacenter', id: dc.id, parent: root }), LIST_CAPS.datacenters, 'datacenters');
}

export async function listClusters(
  call: Call,
  f: { clusters?: string[]; names?: string[]; folders?: string[]; datacenters?: string[] } = {},
): Promise<Cluster[]> {
  const ids = idSet(f.clusters);
  const names = idSet(f.names);
  const folders = idSet(f.folders);
  const dcs = idSet(f.datacenters);
  const hostFolders = folders ? await hostFolderOf(call) : new Map<string, string>();
  const all = (await call.deps.store.repos.inventory.listClusters()).filter(
    (c) => admits(ids, c.id) && admits(names, c.name) && admits(dcs, c.datacenterId) && admits(folders, hostFolders.get(c.datacenterId)),
  );
  return readable(call, all, (c) => ({ type: 'ClusterComputeResource', id: c.id, parent: c.datacenterId }), LIST_CAPS.clusters, 'clusters');
}

/** GET of one cluster: 404, then 403 without `System.Read`. */
export async function readableCluster(call: Call, id: string): Promise<Cluster> {
  const cluster = await clusterOr404(call.deps.store.repos, id);
  await call.authz.require({ type: 'ClusterComputeResource', id }, ['System.Read']);
  return cluster;
}

export async function listFolders(
  call: Call,
  f: { folders?: string[]; names?: string[]; type?: string; parent_folders?: string[]; datacenters?: string[] } = {},
): Promise<Folder[]> {
  const ids = idSet(f.folders);
  const names = idSet(f.names);
  const parents = idSet(f.parent_folders);
  const dcs = idSet(f.datacenters);
  const all = (await call.deps.store.repos.inventory.listFolders()).filter(
    (x) =>
      admits(ids, x.id) && admits(names, x.name) && (f.type === undefined || x.type === f.type) && admits(parents, x.parentId) && admits(dcs, x.datacenterId),
  );
  return readable(call, all, (x) => ({ type: 'Folder', id: x.id, parent: x.parentId ?? x.datacenterId }), LIST_CAPS.folders, 'folders');
}

/**
 * A stable SMBIOS-style UUID per host (the model stores none): name-based, version 5 layout,
 * so the same seed gives the same UUIDs on every start.
 */
export function hostUuid(hostId: string): string {
  const h = createHash('sha1').update(`snapservice/host/${hostId}`).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface HostListFilter {
  hosts?: string[];
  names?: string[];
  folders?: string[];
  datacenters?: string[];
  standalone?: boolean;
  clusters?: string[];
  connection_states?: string[];
  host_uuids?: string[];
}

/**
 * Every host here is a cluster member: `standalone: true` matches none. A host is in the
 * folder that holds its cluster (the datacenter's host folder).
 */
export async function listHosts(call: Call, f: HostListFilter = {}): Promise<Host[]> {
  const ids = idSet(f.hosts);
  const names = idSet(f.names);
  const folders = idSet(f.folders);
  const dcs = idSet(f.datacenters);
  const clusterIds = idSet(f.clusters);
  const states = idSet(f.connection_states);
  const uuids = idSet(f.host_uuids?.map((u) => u.toLowerCase()));
  if (f.standalone === true) return [];
  const clusters = await clustersById(call);
  const hostFolders = folders ? await hostFolderOf(call) : new Map<string, string>();
  const all = (await call.deps.store.repos.inventory.listHosts()).filter((h) => {
    const dc = clusters.get(h.clusterId)?.datacenterId;
    return (
      admits(ids, h.id) &&
      admits(names, h.name) &&
      admits(clusterIds, h.clusterId) &&
      admits(dcs, dc) &&
      admits(folders, dc === undefined ? undefined : hostFolders.get(dc)) &&
      admits(states, h.connectionState) &&
      admits(uuids, hostUuid(h.id))
    );
  });
  return readable(call, all, (h) => ({ type: 'HostSystem', id: h.id, parent: h.clusterId }), LIST_CAPS.hosts, 'hosts');
}

export interface ResourcePoolListFilter {
  resource_pools?: string[];
  names?: string[];
  parent_resource_pools?: string[];
  datacenters?: string[];
  hosts?: string[];
  clusters?: string[];
}

/** A cluster's pools run on all its hosts: `hosts` matches the pools of those hosts' clusters. */
export async function listResourcePools(call: Call, f: ResourcePoolListFilter = {}): Promise<ResourcePool[]> {
  const inv = call.deps.store.repos.inventory;
  const ids = idSet(f.resource_pools);
  const names = idSet(f.names);
  const parents = idSet(f.parent_resource_pools);
  const dcs = idSet(f.datacenters);
  const clusterIds = idSet(f.clusters);
  const hosts = idSet(f.hosts);
  const clusters = await clustersById(call);
  const hostClusters = hosts ? new Set((await inv.listHosts()).filter((h) => hosts.has(h.id)).map((h) => h.clusterId)) : undefined;
  const all = (await inv.listResourcePools()).filter(
    (rp) =>
      admits(ids, rp.id) &&
      admits(names, rp.name) &&
      admits(parents, rp.parentId) &&
      admits(clusterIds, rp.clusterId) &&
      admits(dcs, clusters.get(rp.clusterId)?.datacenterId) &&
      admits(hostClusters, rp.clusterId),
  );
  return readable(call, all, (rp) => ({ type: 'ResourcePool', id: rp.id, parent: rp.parentId ?? rp.clusterId }), LIST_CAPS.resourcePools, 'resource pools');
}
