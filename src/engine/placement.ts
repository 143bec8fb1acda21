import type { Cluster, Folder, Host } from '../domain/model.ts';
import type { Repos } from '../store/store.ts';
import { errors } from '../errors.ts';

/** VM placement rules shared by vCenter relocate and Snapservice restore / linked clone. */

export const placementField = (name: string) => `spec.placement.${name}`;

/** A host that can take virtual machines. */
export const usableHost = (h: Host) => h.connectionState === 'CONNECTED' && h.powerState === 'POWERED_ON';

/** A folder a VM of `cluster` may live in: a VM folder of the cluster's datacenter. */
export function checkVmFolder(folder: Folder, cluster: Cluster): void {
  if (folder.type !== 'VIRTUAL_MACHINE') throw errors.invalidArgument(placementField('folder'), `folder ${folder.id} cannot hold virtual machines`);
  if (folder.datacenterId !== cluster.datacenterId) {
    throw errors.invalidArgument(placementField('folder'), `folder ${folder.id} is not in datacenter ${cluster.datacenterId} of cluster ${cluster.id}`);
  }
}

/** Without DRS nobody chooses a host: the spec must name one. */
export function requireDrs(cluster: Cluster, field = placementField('host')): void {
  if (!cluster.drsEnabled) {
    throw errors.invalidArgument(field, `is required: DRS is disabled on cluster ${cluster.id}, so no host is chosen automatically`);
  }
}

/** DRS's choice: the usable host of the cluster running the fewest VMs (then the oldest); none if no host is usable. */
export async function leastLoadedHost(repos: Repos, cluster: Cluster): Promise<Host | undefined> {
  const hosts = (await repos.inventory.listHosts()).filter((h) => h.clusterId === cluster.id && usableHost(h));
  if (hosts.length === 0) return undefined;
  const load = new Map<string, number>();
  for (const v of await repos.vms.list({ clusterIds: [cluster.id] })) if (v.hostId) load.set(v.hostId, (load.get(v.hostId) ?? 0) + 1);
  return hosts.reduce((best, h) => ((load.get(h.id) ?? 0) < (load.get(best.id) ?? 0) ? h : best));
}
