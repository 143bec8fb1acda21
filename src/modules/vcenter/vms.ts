import type { Vm } from '../../domain/model.ts';
import { VM_TASK_KINDS } from '../vms/admission.ts';
import { deleteDisks } from '../../engine/disks.ts';
import { liveVmOr404 } from '../../access/lookup.ts';
import type { Repos } from '../../store/store.ts';
import { errors, vapiError } from '../../errors.ts';
import { constraint } from '../../vapi/filters.ts';
import type { Call } from '../../vapi/operation.ts';
import { admits, idSet, LIST_CAPS, readable } from './inventory.ts';

/** vCenter's view of VMs: deleted VMs do not exist for it (their snapshots are Snapservice's). */

/** `authorize` for VM operations: 404 for unknown or deleted VMs, then 403 naming the privilege. */
export async function vmFor(call: Call, id: string, privileges: readonly string[]): Promise<Vm> {
  const vm = await liveVmOr404(call.deps.store.repos, id);
  await call.authz.require({ type: 'VirtualMachine', id: vm.id }, privileges);
  return vm;
}

export interface VmListFilter {
  vms?: string[];
  names?: string[];
  folders?: string[];
  datacenters?: string[];
  hosts?: string[];
  clusters?: string[];
  resource_pools?: string[];
  power_states?: string[];
}

/** `folders` and `resource_pools` match the VM's own folder and pool (not their ancestors), as vCenter does. */
export async function listVms(call: Call, f: VmListFilter = {}): Promise<Vm[]> {
  const repos = call.deps.store.repos;
  let clusterIds = constraint(f.clusters);
  const dcs = idSet(f.datacenters);
  if (dcs) {
    const inDcs = new Set((await repos.inventory.listClusters()).filter((c) => dcs.has(c.datacenterId)).map((c) => c.id));
    clusterIds = clusterIds ? clusterIds.filter((id) => inDcs.has(id)) : [...inDcs];
    if (clusterIds.length === 0) return [];
  }
  const vms = await repos.vms.list({
    ids: constraint(f.vms),
    names: constraint(f.names),
    clusterIds,
    hostIds: constraint(f.hosts),
    powerStates: constraint(f.power_states),
  });
  const folders = idSet(f.folders);
  const pools = idSet(f.resource_pools);
  const matching = vms.filter((vm) => admits(folders, vm.folderId) && admits(pools, vm.resourcePoolId));
  return readable(call, matching, (vm) => ({ type: 'VirtualMachine', id: vm.id, parent: vm.clusterId ?? vm.lastClusterId }), LIST_CAPS.vms, 'virtual machines');
}

/**
 * Under the admission lock (the one revert, restore and clone admission takes), re-reads the
 * VM and refuses if it is gone or a recovery task is pending or running on it. Callers change
 * the VM in the same transaction, so no task can be admitted between the check and the change.
 */
export async function admitVmChange(tx: Repos, vmId: string): Promise<Vm> {
  await tx.locks.acquire('admission');
  const vm = await tx.vms.get(vmId);
  if (!vm || vm.deletedAt !== null) throw errors.notFound('virtual machine', vmId);
  const busy = await tx.tasks.activeForVm(vm.id, VM_TASK_KINDS);
  if (busy) {
    throw vapiError(
      'RESOURCE_BUSY',
      'vcenter.vm.busy',
      `Virtual machine ${vm.id} is busy: operation ${busy.operation} (task ${busy.id}) is in progress.`,
      vm.id,
      busy.id,
    );
  }
  return vm;
}

/**
 * Deletes a VM as vCenter does on vSAN: it leaves the inventory and its disks go, while its
 * Snapservice snapshots stay (restore can bring it back). Refused unless powered off.
 */
export async function deleteVm(call: Call, vmId: string): Promise<void> {
  await call.deps.store.transaction(async (tx) => {
    const vm = await admitVmChange(tx, vmId);
    // vCenter itself also deletes suspended VMs; the product brief asks for powered off only.
    if (vm.powerState !== 'POWERED_OFF') {
      throw errors.notAllowed('vcenter.vm.delete.not_off', `Virtual machine ${vm.id} is ${vm.powerState === 'SUSPENDED' ? 'suspended' : 'powered on'}; power it off before deleting it.`, vm.id);
    }
    await tx.vms.update(vm.id, { deletedAt: call.deps.clock.now(), clusterId: null, hostId: null });
    await deleteDisks(tx, vm.id);
  });
}
