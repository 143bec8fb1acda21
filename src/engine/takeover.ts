import { holdsReplicas, replicaAdmission } from '../domain/dr.ts';
import type { ProtectionGroup, SnapshotPolicy } from '../domain/model.ts';
import { errors } from '../errors.ts';
import type { Repos } from '../store/store.ts';
import { deleteDisks } from './disks.ts';
import { currentMembers } from './groups.ts';

/**
 * Disaster recovery's part in receiving a replica: which site's copy of a group is current.
 * Replicas carry their sender's generation (one more at every promote, domain/dr.ts): a site
 * holding the group in any other state than DORMANT yields to a newer generation, which is
 * how a demoted group, or one left ACTIVE by an unplanned failover, becomes DORMANT once its
 * peer replicates back.
 */

export interface ReplicaExtras {
  generation: number;
  /** The protected group's snapshot policies: the local protection activate resumes. */
  policies?: SnapshotPolicy[];
  vmConfig?: { cpuCount: number; coresPerSocket: number; memoryMib: number; guestOs: string };
}

/**
 * The old protected side's copy turns DORMANT: its members are unregistered from the
 * inventory (the peer's recovered VMs replaced them; their snapshots remain, as after any
 * delete), it keeps no members of its own, and what it sent before is forgotten.
 */
export async function becomeDormant(tx: Repos, pg: ProtectionGroup, now: number): Promise<void> {
  for (const vm of (await currentMembers(tx, pg)).vms) {
    await tx.vms.update(vm.id, { deletedAt: now, clusterId: null, hostId: null, powerState: 'POWERED_OFF' });
    await deleteDisks(tx, vm.id);
  }
  await tx.groups.update(pg.id, { status: 'DORMANT', targetEntities: { vms: [] } });
  await tx.replication.forgetGroup(pg.id);
}

/** Before a replica lands: refuses a superseded sender, or lets this site's stale copy go DORMANT. */
export async function admitReplica(tx: Repos, pgId: string, generation: number, now: number): Promise<void> {
  const pg = await tx.groups.get(pgId);
  if (!pg) return;
  const local = await tx.recovery.generation(pgId);
  const verdict = replicaAdmission({ status: pg.status, generation: local }, generation);
  if (verdict === 'refuse') {
    throw errors.notAllowed(
      'replication.superseded',
      `Protection group ${pgId} is ${pg.status} here (generation ${local}): replicas of generation ${generation} are not taken.`,
      pgId, pg.status, local, generation,
    );
  }
  if (verdict === 'take_over') await becomeDormant(tx, pg, now);
}

/**
 * After a replica landed: the group takes the sender's generation and policies, the replica
 * VM its source's configuration. Whether replica expiry waits (ransomware recovery).
 */
export async function afterReplica(tx: Repos, pgId: string, replicaVmId: string, x: ReplicaExtras): Promise<{ expiryPaused: boolean }> {
  const pg = await tx.groups.get(pgId);
  if ((await tx.recovery.generation(pgId)) !== x.generation) await tx.recovery.setGeneration(pgId, x.generation);
  if (pg && holdsReplicas(pg.status) && x.policies) await tx.groups.update(pgId, { policies: x.policies });
  if (x.vmConfig) await tx.recovery.putVmConfig({ replicaVmId, ...x.vmConfig });
  return { expiryPaused: pg?.status === 'DORMANT_RANSOMWARE_RECOVERY' };
}
