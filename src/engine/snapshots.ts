import type { DiskSnapshot, SnapshotType, Vm, VmSnapshot } from '../domain/model.ts';
import { newId } from '../domain/ids.ts';
import type { Repos } from '../store/store.ts';
import { errors } from '../errors.ts';
import { snapshotDisks } from './disks.ts';
import { attempt, recordAttempt } from './history.ts';

/** How the snapshot freezes the VM's disks (snapshotDisks unless the caller does more at once). */
export type Freeze = (tx: Repos, vm: Vm, snapshotId: string, clusterId: string) => Promise<DiskSnapshot[]>;

export interface SnapshotRequest {
  name: string;
  type: SnapshotType;
  createdAt: number;
  expiresAt: number | null;
  pgId?: string | null;
  pgSnapshotId?: string | null;
}

/**
 * Takes a crash-consistent VM snapshot (disks only; this service never keeps memory state).
 * Refuses past the per-VM snapshot limit, which vSAN ESA sets at 200 (Infinity: no limit). A
 * snapshot of its own (not part of a PG snapshot, whose history takeGroupSnapshot writes)
 * enters history here.
 */
export async function takeVmSnapshot(
  tx: Repos, vm: Vm, req: SnapshotRequest, maxPerVm: number, freeze: Freeze = snapshotDisks,
): Promise<{ snapshot: VmSnapshot; disks: DiskSnapshot[] }> {
  if (!vm.clusterId) throw errors.notAllowed('vm.not_in_cluster', `Virtual machine ${vm.id} is not in a cluster.`, vm.id);
  const count = Number.isFinite(maxPerVm) ? await tx.snapshots.countForVm(vm.id) : 0;
  if (count >= maxPerVm) {
    throw errors.notAllowed('vm.snapshot_limit', `Virtual machine ${vm.id} already has ${count} snapshots, the limit of ${maxPerVm} snapshots per VM.`, vm.id, maxPerVm);
  }
  const snapshot: VmSnapshot = {
    id: newId(),
    vmId: vm.id,
    clusterId: vm.clusterId,
    name: req.name,
    type: req.type,
    createdAt: req.createdAt,
    expiresAt: req.expiresAt,
    pgId: req.pgId ?? null,
    pgSnapshotId: req.pgSnapshotId ?? null,
    vmName: vm.name,
    folderId: vm.folderId,
    resourcePoolId: vm.resourcePoolId,
    cpuCount: vm.cpuCount,
    coresPerSocket: vm.coresPerSocket,
    memoryMib: vm.memoryMib,
    guestOs: vm.guestOs,
  };
  const disks = await freeze(tx, vm, snapshot.id, vm.clusterId);
  await tx.snapshots.insert(snapshot, disks);
  if (!snapshot.pgSnapshotId) await recordAttempt(tx, vmSuccess(snapshot, null));
  return { snapshot, disks };
}

/** History of a VM snapshot that was made; `pgName` when a group made it. */
export function vmSuccess(s: VmSnapshot, pgName: string | null) {
  return attempt({
    kind: 'VM', clusterId: s.clusterId, pgId: s.pgId, pgName, pgSnapshotId: s.pgSnapshotId, vmId: s.vmId, vmName: s.vmName,
    snapshotId: s.id, name: s.name, type: s.type, status: 'SUCCESS', startedAt: s.createdAt, expiresAt: s.expiresAt,
  });
}
