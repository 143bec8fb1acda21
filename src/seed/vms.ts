import type { Cluster, DiskSnapshot, Folder, Host, ResourcePool, Vm, VmSnapshot } from '../domain/model.ts';
import { moref, newUuid } from '../domain/ids.ts';
import { padBlock } from '../domain/blockmap.ts';
import { vmSuccess } from '../engine/snapshots.ts';
import { LABEL_LIMITS, labelTextProblem, sameLabel, type SnapshotLabel } from '../domain/labels.ts';
import type { SeedRows } from '../store/store.ts';
import type { SeedVmSpec } from './format.ts';

/**
 * Seeded VMs as rows, built in memory and written in bulk: the same objects the engine would
 * make one statement at a time (createVm, writeBlock, takeVmSnapshot), ids included, because
 * ids are taken in the same order (the VM's from the counter, then each disk's head layer,
 * then per snapshot one new head layer per disk).
 */

export interface Placement {
  cluster: Cluster;
  hosts: Host[];
  pools: Map<string, ResourcePool>;
  folders: Map<string, Folder>;
}

const MIB = 1024 * 1024;

export const emptyRows = (): SeedRows => ({ vms: [], layers: [], disks: [], blocks: [], snapshots: [], diskSnapshots: [], history: [], labels: [] });

/** Layers the VM takes: a head per disk, and a new head per disk at each snapshot. */
export function layersNeeded(spec: SeedVmSpec): number {
  const disks = spec.disks?.length ?? 1;
  const snaps = (spec.history ?? []).filter((s) => 'snapshot' in s).length;
  return disks * (1 + snaps);
}

interface DiskState {
  key: number;
  label: string;
  capacityBytes: number;
  blockSize: number;
  head: number;
  sequenceUuid: string;
  epoch: number;
  /** Blocks written into the current head, the last write of a block winning. */
  pending: Map<number, Buffer>;
}

export interface VmContext {
  now: number;
  /** Snapshot and history ids, ascending (ascendingUuids). */
  newId: () => string;
  maxSnapshotsPerVm: number;
  hostIndex: number;
  idNo: number;
  /** Next free layer id; advanced by layersNeeded(spec). */
  layer: number;
}

/** Adds the VM's rows to `out`; returns the VM. Throws, naming the VM, on a bad reference. */
export function planVm(spec: SeedVmSpec, at: Placement, ctx: VmContext, out: SeedRows): Vm {
  const host = spec.host ? at.hosts.find((h) => h.name === spec.host) : at.hosts[ctx.hostIndex % at.hosts.length];
  if (!host) throw new Error(`seed: VM ${spec.name}: no host '${spec.host}' in cluster ${at.cluster.name}`);
  const folder = at.folders.get(spec.folder ?? 'vm');
  if (!folder) throw new Error(`seed: VM ${spec.name}: no folder '${spec.folder}'`);
  const pool = spec.resource_pool ? at.pools.get(spec.resource_pool)?.id : at.cluster.resourcePoolId;
  if (!pool) throw new Error(`seed: VM ${spec.name}: no resource pool '${spec.resource_pool}'`);
  const vm: Vm = {
    id: moref('vm', ctx.idNo), name: spec.name, clusterId: at.cluster.id, hostId: host.id, folderId: folder.id, resourcePoolId: pool,
    powerState: spec.power_state ?? 'POWERED_OFF', cpuCount: spec.cpu ?? 2, coresPerSocket: 1, memoryMib: spec.memory_mib ?? 4096,
    guestOs: spec.guest_os ?? 'OTHER_LINUX_64', biosUuid: newUuid(), instanceUuid: newUuid(), createdAt: ctx.now, deletedAt: null,
    lastClusterId: at.cluster.id,
  };
  out.vms.push(vm);
  const disks: DiskState[] = (spec.disks ?? [{ capacity_mib: 256 }]).map((d, i) => {
    const head = ctx.layer++;
    out.layers.push({ id: head, parentId: null });
    return {
      key: 2000 + i, label: d.label ?? `Hard disk ${i + 1}`, capacityBytes: d.capacity_mib * MIB, blockSize: d.block_size ?? 4096,
      head, sequenceUuid: newUuid(), epoch: 0, pending: new Map(),
    };
  });
  const flushBlocks = (d: DiskState) => {
    for (const [blockNo, data] of d.pending) out.blocks.push({ layerId: d.head, blockNo, data });
    d.pending.clear();
  };
  let snapshots = 0;
  for (const step of spec.history ?? []) {
    if ('write' in step) {
      const d = disks.find((x) => x.key === step.write.disk);
      if (!d) throw new Error(`seed: VM ${spec.name}: no disk ${step.write.disk}`);
      if (step.write.block * d.blockSize >= d.capacityBytes) throw new Error(`seed: VM ${spec.name}: block ${step.write.block} is past the end of disk ${d.key}`);
      const data = step.write.base64 !== undefined ? Buffer.from(step.write.base64, 'base64') : Buffer.from(step.write.text ?? '', 'utf8');
      d.pending.set(step.write.block, padBlock(data, d.blockSize));
      continue;
    }
    if (snapshots >= ctx.maxSnapshotsPerVm) {
      throw new Error(`seed: VM ${spec.name}: more than ${ctx.maxSnapshotsPerVm} snapshots, the limit per VM`);
    }
    snapshots++;
    const s = step.snapshot;
    const snapshot: VmSnapshot = {
      id: ctx.newId(), vmId: vm.id, clusterId: at.cluster.id, name: s.name, type: 'ONE_TIME',
      createdAt: ctx.now - (s.age_minutes ?? 0) * 60_000,
      expiresAt: s.expires_in_minutes === undefined ? null : ctx.now + s.expires_in_minutes * 60_000,
      pgId: null, pgSnapshotId: null, vmName: vm.name, folderId: vm.folderId, resourcePoolId: vm.resourcePoolId,
      cpuCount: vm.cpuCount, coresPerSocket: vm.coresPerSocket, memoryMib: vm.memoryMib, guestOs: vm.guestOs,
    };
    out.snapshots.push(snapshot);
    for (const d of disks) {
      flushBlocks(d);
      const epoch = d.epoch + 1;
      const ds: DiskSnapshot = {
        snapshotId: snapshot.id, diskKey: d.key, label: d.label, capacityBytes: d.capacityBytes, blockSize: d.blockSize,
        layerId: d.head, sequenceUuid: d.sequenceUuid, epoch, uri: `vsan:${at.cluster.id}/${vm.id}/${d.key}/snapshot-${epoch}`,
      };
      out.diskSnapshots.push(ds);
      const head = ctx.layer++;
      out.layers.push({ id: head, parentId: d.head });
      d.head = head;
      d.epoch = epoch;
    }
    out.history.push({ ...vmSuccess(snapshot, null), id: ctx.newId() });
    planLabels(`VM ${spec.name}, snapshot ${s.name}`, snapshot.id, s.labels ?? [], out);
  }
  for (const d of disks) {
    flushBlocks(d);
    out.disks.push({ vmId: vm.id, diskKey: d.key, label: d.label, capacityBytes: d.capacityBytes, blockSize: d.blockSize, headLayerId: d.head, sequenceUuid: d.sequenceUuid, epoch: d.epoch });
  }
  return vm;
}

/** Labels follow the API's rules; a seed that breaks them is refused whole. */
function planLabels(where: string, snapshotId: string, labels: SnapshotLabel[], out: SeedRows): void {
  const unique = labels.filter((l, i) => labels.findIndex((o) => sameLabel(o, l)) === i);
  if (unique.length > LABEL_LIMITS.perSnapshot) throw new Error(`seed: ${where}: more than ${LABEL_LIMITS.perSnapshot} labels`);
  for (const l of unique) {
    const why = labelTextProblem(l.category) ?? labelTextProblem(l.name);
    if (why) throw new Error(`seed: ${where}: label '${l.category}/${l.name}': ${why}`);
    out.labels.push({ snapshotId, label: l });
  }
}
