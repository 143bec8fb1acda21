import { holdsReplicas } from '../../domain/dr.ts';
import type { ProtectionGroup, Vm } from '../../domain/model.ts';
import type { VmReplicationOverride } from '../../domain/replication.ts';
import { currentMembers } from '../../engine/groups.ts';
import { errors } from '../../errors.ts';
import type { Repos } from '../../store/store.ts';
import { runThenApply } from '../../tasks/simple.ts';
import { defineTask } from '../../tasks/task.ts';

/** The group replicating the VM out, if any: one at most, as the vendor has it today. */
export async function replicatingGroupOf(repos: Repos, vm: Vm): Promise<ProtectionGroup | undefined> {
  if (!vm.clusterId) return undefined;
  for (const g of await repos.groups.list(vm.clusterId)) {
    if (!g.replication || holdsReplicas(g.status) || g.status === 'MARKED_FOR_DELETE') continue;
    if ((await currentMembers(repos, g)).ids.includes(vm.id)) return g;
  }
  return undefined;
}

/**
 * What the update may change: the VM replicates out (else "remote replication is not
 * enabled") and nothing of it has reached the recovery site yet ("already in progress").
 */
export async function changeableGroup(repos: Repos, vm: Vm): Promise<ProtectionGroup> {
  const pg = await replicatingGroupOf(repos, vm);
  if (!pg) throw errors.notAllowed('vm.replication_not_enabled', `Virtual machine ${vm.id} is not replicated by any protection group.`, vm.id);
  if (await repos.replication.lastAcked(pg.id, vm.id)) {
    throw errors.notAllowed('vm.replication_started', `Replication of virtual machine ${vm.id} has started: its target can no longer change.`, vm.id);
  }
  return pg;
}

/** `override` null clears the VM's override: the group's settings apply. */
export const VM_PROTECTION_UPDATE = defineTask<{ vm: string; override: VmReplicationOverride | null }>({
  kind: 'vm.protection_configuration.update',
  description: { id: 'vm.protection_configuration.update', text: 'Update virtual machine protection configuration' },
  run: (run, input) => runThenApply(run, async (tx) => {
    const vm = await tx.vms.get(input.vm);
    if (!vm || vm.deletedAt !== null) throw errors.notFound('virtual machine', input.vm);
    const pg = await changeableGroup(tx, vm);
    const policy = pg.replication!;
    const others = (policy.overrides ?? []).filter((o) => o.vm !== vm.id);
    const overrides = input.override ? [...others, input.override] : others;
    await tx.groups.update(pg.id, { replication: { ...policy, overrides } });
    return undefined;
  }),
});
