import type { Cluster, Folder, Host, ResourcePool, Vm } from '../../domain/model.ts';
import type { EntityRef } from '../../domain/privileges.ts';
import { Authorizer } from '../../access/authz.ts';
import type { Repos } from '../../store/store.ts';
import { checkVmFolder, leastLoadedHost, placementField as field, requireDrs, usableHost as usable } from '../../engine/placement.ts';
import { errors, vapiError } from '../../errors.ts';
import type { Call } from '../../vapi/operation.ts';
import { admitVmChange } from './vms.ts';

/**
 * VM relocate (Vcenter.VM.RelocateSpec): to another cluster, host, resource pool or folder.
 * Snapshots stay in the cluster that took them, so after a move Snapservice shows the VM there
 * with in_cluster false. There are no datastores to move to: every VM lives on its cluster's
 * vSAN datastore, so a named datastore is not found.
 */

export interface RelocateInput {
  placement?: { folder?: string; resource_pool?: string; host?: string; cluster?: string; datastore?: string };
  disks?: Record<string, { datastore?: string }>;
}

interface Placement {
  clusterId: string;
  hostId: string;
  resourcePoolId: string;
  folderId: string | null;
}

/** Moving a running VM is a vMotion; anything else (off, suspended) is a cold migration. */
export const migratePrivilege = (vm: Vm) => (vm.powerState === 'POWERED_ON' ? 'Resource.HotMigrate' : 'Resource.ColdMigrate');

const vmRef = (vm: Vm): EntityRef => ({ type: 'VirtualMachine', id: vm.id });

async function found<T>(lookup: Promise<T | undefined>, what: string, id: string): Promise<T> {
  const v = await lookup;
  if (!v) throw errors.notFound(what, id);
  return v;
}

/**
 * Works out where the VM goes, in the vendor's order: objects named in the spec must exist
 * (404) and be readable (403); then they must fit together (400 INVALID_ARGUMENT); then the
 * caller needs the privileges the move takes (403). Unset members keep the VM's current value.
 */
async function plan(repos: Repos, authz: Authorizer, vm: Vm, spec: RelocateInput): Promise<Placement> {
  const p = spec.placement ?? {};
  const inv = repos.inventory;
  const cluster = p.cluster === undefined ? undefined : await found(inv.getCluster(p.cluster), 'cluster', p.cluster);
  const host = p.host === undefined ? undefined : await found(inv.getHost(p.host), 'host', p.host);
  const pool = p.resource_pool === undefined ? undefined : await found(inv.getResourcePool(p.resource_pool), 'resource pool', p.resource_pool);
  const folder = p.folder === undefined ? undefined : await found(inv.getFolder(p.folder), 'folder', p.folder);
  if (p.datastore !== undefined) throw errors.notFound('datastore', p.datastore);
  for (const [key, d] of Object.entries(spec.disks ?? {})) {
    // Named as input validation names map members: numeric keys in brackets.
    if (d.datastore === undefined) throw errors.invalidArgument(`spec.disks${/^\d+$/.test(key) ? `[${key}]` : `.${key}`}.datastore`, 'is required');
    throw errors.notFound('datastore', d.datastore);
  }

  if (cluster) await authz.require({ type: 'ClusterComputeResource', id: cluster.id }, ['System.Read']);
  if (host) await authz.require({ type: 'HostSystem', id: host.id }, ['System.Read']);
  if (pool) await authz.require({ type: 'ResourcePool', id: pool.id }, ['System.Read']);
  if (folder) await authz.require({ type: 'Folder', id: folder.id }, ['System.Read']);

  const current = await found(inv.getCluster(vm.clusterId as string), 'cluster', vm.clusterId as string);
  const target = await targetCluster(inv, current, cluster, host, pool);
  if (host && host.clusterId !== target.id) {
    throw errors.invalidArgument(field('host'), `host ${host.id} is not a member of cluster ${target.id}`);
  }
  if (pool && pool.clusterId !== target.id) {
    throw errors.invalidArgument(field('resource_pool'), `resource pool ${pool.id} does not belong to cluster ${target.id}`);
  }
  checkFolder(folder, target, current);
  const moving = target.id !== vm.clusterId;
  const hostId = host?.id ?? (moving ? (await pickHost(repos, target)).id : (vm.hostId as string));
  if (host && host.id !== vm.hostId && !usable(host)) {
    throw vapiError(
      'RESOURCE_INACCESSIBLE',
      'vcenter.vm.relocate.host_unusable',
      `Host ${host.id} cannot take virtual machines (connection state ${host.connectionState}, power state ${host.powerState}).`,
      host.id,
    );
  }
  const to: Placement = {
    clusterId: target.id,
    hostId,
    resourcePoolId: pool?.id ?? (moving ? target.resourcePoolId : (vm.resourcePoolId as string)),
    folderId: folder?.id ?? vm.folderId,
  };

  await authz.require(vmRef(vm), [migratePrivilege(vm)]);
  if (to.resourcePoolId !== vm.resourcePoolId) await authz.require({ type: 'ResourcePool', id: to.resourcePoolId }, ['Resource.AssignVMToPool']);
  if (to.folderId !== vm.folderId) await authz.require(vmRef(vm), ['VirtualMachine.Inventory.Move']);
  return to;
}

/** The cluster the spec points at: named, or implied by the host or pool, else the current one. */
async function targetCluster(inv: Repos['inventory'], current: Cluster, cluster?: Cluster, host?: Host, pool?: ResourcePool): Promise<Cluster> {
  if (cluster) return cluster;
  const implied = host?.clusterId ?? pool?.clusterId;
  if (!implied || implied === current.id) return current;
  return found(inv.getCluster(implied), 'cluster', implied);
}

function checkFolder(folder: Folder | undefined, target: Cluster, current: Cluster): void {
  if (folder) checkVmFolder(folder, target);
  else if (target.datacenterId !== current.datacenterId) {
    throw errors.invalidArgument(field('folder'), `is required to move the virtual machine to another datacenter`);
  }
}

/** DRS's choice on another cluster; without DRS the spec must name the host. */
async function pickHost(repos: Repos, cluster: Cluster): Promise<Host> {
  requireDrs(cluster);
  const host = await leastLoadedHost(repos, cluster);
  if (!host) {
    throw vapiError('RESOURCE_INACCESSIBLE', 'vcenter.vm.relocate.no_host', `No host of cluster ${cluster.id} can take virtual machines.`, cluster.id);
  }
  return host;
}

const samePlace = (a: Vm, b: Vm) =>
  a.clusterId === b.clusterId && a.hostId === b.hostId && a.folderId === b.folderId && a.resourcePoolId === b.resourcePoolId && a.powerState === b.powerState;

export async function relocateVm(call: Call, vm: Vm, spec: RelocateInput): Promise<void> {
  const first = await plan(call.deps.store.repos, call.authz, vm, spec);
  await call.deps.store.transaction(async (tx) => {
    const now = await admitVmChange(tx, vm.id);
    // Someone moved or powered the VM meanwhile: the checks are redone on what it is now.
    const to = samePlace(now, vm) ? first : await plan(tx, new Authorizer(call.deps, call.user, tx), now, spec);
    await tx.vms.update(vm.id, { ...to, lastClusterId: to.clusterId });
  });
}
