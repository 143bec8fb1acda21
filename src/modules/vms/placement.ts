import type { Cluster, Folder, VmSnapshot } from '../../domain/model.ts';
import type { Authorizer } from '../../access/authz.ts';
import { checkVmFolder, leastLoadedHost, placementField, requireDrs, usableHost } from '../../engine/placement.ts';
import type { Repos } from '../../store/store.ts';
import { errors, vapiError } from '../../errors.ts';

/** RestorePlacementSpec / LinkedClonePlacementSpec as the wire gives them. */
export interface PlacementSpec {
  folder?: string;
  resource_pool?: string;
  host?: string;
}

/** Where a restored or cloned VM goes. */
export interface Placement {
  folderId: string;
  resourcePoolId: string;
  hostId: string;
  /** The spec named no host: DRS chose this one, and chooses again when the VM is made. */
  drsHost: boolean;
}

/** The privileges to check on the effective folder and pool; left out when a task re-checks. */
export interface PlacementAuthz {
  authz: Authorizer;
  folderPrivilege: string;
}

async function mustExist<T>(id: string | undefined, lookup: (id: string) => Promise<T | undefined>, member: string, what: string): Promise<T | undefined> {
  if (id === undefined) return undefined;
  const found = await lookup(id);
  if (!found) throw errors.invalidArgument(placementField(member), `${what} ${id} was not found`);
  return found;
}

/** The snapshot's folder if it can still hold the VM, else the datacenter's own `vm` folder. */
async function defaultFolder(inv: Repos['inventory'], cluster: Cluster, snapshot: VmSnapshot): Promise<Folder> {
  const fits = (f: Folder | undefined): f is Folder => f?.type === 'VIRTUAL_MACHINE' && f.datacenterId === cluster.datacenterId;
  const own = snapshot.folderId === null ? undefined : await inv.getFolder(snapshot.folderId);
  if (fits(own)) return own;
  const root = (await inv.listFolders()).find((f) => fits(f) && f.parentId === null);
  if (!root) throw errors.notAllowed('vm.placement.no_folder', `Datacenter ${cluster.datacenterId} has no virtual machine folder.`, cluster.datacenterId);
  return root;
}

/** The snapshot's resource pool if it is still in the cluster, else the cluster's root pool. */
async function defaultPool(inv: Repos['inventory'], cluster: Cluster, snapshot: VmSnapshot): Promise<string> {
  const own = snapshot.resourcePoolId === null ? undefined : await inv.getResourcePool(snapshot.resourcePoolId);
  return own?.clusterId === cluster.id ? own.id : cluster.resourcePoolId;
}

/**
 * Works out where a VM restored or cloned from `snapshot` into `cluster` goes, in this order:
 * objects the spec names must exist (400 naming the member); the caller needs the folder
 * privilege on the effective folder and `Resource.AssignVMToPool` on the effective pool (403);
 * then the pieces must fit the cluster and each other (400). Unset members default to the
 * snapshot's folder and pool while they exist (else the datacenter's `vm` folder and the
 * cluster's root pool); an unset host is DRS's choice, and without DRS the host is required.
 */
export async function planPlacement(
  repos: Repos,
  cluster: Cluster,
  snapshot: VmSnapshot,
  spec: PlacementSpec | undefined,
  check?: PlacementAuthz,
): Promise<Placement> {
  const inv = repos.inventory;
  const p = spec ?? {};
  const folder = await mustExist(p.folder, (id) => inv.getFolder(id), 'folder', 'folder');
  const pool = await mustExist(p.resource_pool, (id) => inv.getResourcePool(id), 'resource_pool', 'resource pool');
  const host = await mustExist(p.host, (id) => inv.getHost(id), 'host', 'host');
  const folderId = folder?.id ?? (await defaultFolder(inv, cluster, snapshot)).id;
  const resourcePoolId = pool?.id ?? (await defaultPool(inv, cluster, snapshot));

  if (check) {
    await check.authz.require({ type: 'Folder', id: folderId }, [check.folderPrivilege]);
    await check.authz.require({ type: 'ResourcePool', id: resourcePoolId }, ['Resource.AssignVMToPool']);
  }

  if (folder) checkVmFolder(folder, cluster);
  if (host && host.clusterId !== cluster.id) {
    throw errors.invalidArgument(placementField('host'), `host ${host.id} is not a member of cluster ${cluster.id}`);
  }
  if (pool && pool.clusterId !== cluster.id) {
    const owner = host ? `host ${host.id} (cluster ${cluster.id})` : `cluster ${cluster.id}`;
    throw errors.invalidArgument(placementField('resource_pool'), `resource pool ${pool.id} does not belong to ${owner}`);
  }
  if (host) {
    if (!usableHost(host)) {
      throw errors.invalidArgument(placementField('host'), `host ${host.id} cannot take virtual machines (connection state ${host.connectionState}, power state ${host.powerState})`);
    }
    return { folderId, resourcePoolId, hostId: host.id, drsHost: false };
  }
  requireDrs(cluster, spec ? placementField('host') : 'spec.placement');
  const chosen = await leastLoadedHost(repos, cluster);
  if (!chosen) throw errors.notAllowed('vm.placement.no_host', `No host of cluster ${cluster.id} can take virtual machines.`, cluster.id);
  return { folderId, resourcePoolId, hostId: chosen.id, drsHost: true };
}

/** VM names are unique within a folder (checked at admission, and again when the VM is made). */
export async function checkNameFree(tx: Repos, name: string, folderId: string): Promise<void> {
  const clash = (await tx.vms.list({ names: [name] })).find((v) => v.folderId === folderId);
  if (clash) {
    throw vapiError('ALREADY_EXISTS', 'vm.name.exists', `A virtual machine named '${name}' already exists in folder ${folderId} (${clash.id}).`, name, folderId);
  }
}
