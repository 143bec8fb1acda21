import type { Cluster, Vm } from '../domain/model.ts';
import type { Repos } from '../store/store.ts';
import { errors } from '../errors.ts';

/** 404 lookups shared by operations' `authorize` steps. */

export async function clusterOr404(repos: Repos, id: string): Promise<Cluster> {
  const c = await repos.inventory.getCluster(id);
  if (!c) throw errors.notFound('cluster', id);
  return c;
}

/** Any VM the system knows, including deleted ones whose snapshots remain. */
export async function knownVmOr404(repos: Repos, id: string): Promise<Vm> {
  const vm = await repos.vms.get(id);
  if (!vm) throw errors.notFound('virtual machine', id);
  return vm;
}

/** A VM that exists now (vCenter's view: deleted VMs are gone). */
export async function liveVmOr404(repos: Repos, id: string): Promise<Vm> {
  const vm = await repos.vms.get(id);
  if (!vm || vm.deletedAt !== null) throw errors.notFound('virtual machine', id);
  return vm;
}
