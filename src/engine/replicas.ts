import type { WrittenBlock } from '../domain/blockmap.ts';
import { padBlock } from '../domain/blockmap.ts';
import { newId } from '../domain/ids.ts';
import type { ProtectionGroup } from '../domain/model.ts';
import type { ReplicaSnapshot, ReplicationPolicy } from '../domain/replication.ts';
import type { Repos } from '../store/store.ts';

/**
 * Replication's disk work: what a snapshot adds to the one the recovery site holds, and
 * landing it there. The copy-on-write layers give the delta: the blocks written in the layers
 * one chain has and the other lacks are the only blocks that can differ.
 */

/** Blocks whose content in `toLayer` may differ from `fromLayer` (null: everything written). */
export async function diskDelta(repos: Repos, toLayer: number, fromLayer: number | null, blockSize: number): Promise<WrittenBlock[]> {
  const to = await repos.layers.chain(toLayer);
  const from = fromLayer === null ? [] : await repos.layers.chain(fromLayer);
  const inFrom = new Set(from);
  const inTo = new Set(to);
  // Chains share their oldest layers: what one lacks is a prefix (nearest first) of the other.
  const toOnly = to.filter((id) => !inFrom.has(id));
  const fromOnly = from.filter((id) => !inTo.has(id));
  const out = new Map<number, Buffer>();
  for (const b of await repos.layers.blocks(toOnly)) out.set(b.blockNo, b.data);
  // Written only on the old side (a revert went back past them): resend what `to` has there.
  for (const b of await repos.layers.blocks(fromOnly)) {
    if (!out.has(b.blockNo)) out.set(b.blockNo, (await repos.layers.readBlock(to, b.blockNo)) ?? Buffer.alloc(blockSize));
  }
  return [...out.entries()].sort((a, b) => a[0] - b[0]).map(([blockNo, data]) => ({ blockNo, data }));
}

export interface IncomingDisk {
  diskKey: number;
  label: string;
  capacityBytes: number;
  blockSize: number;
  /** A full copy replaces the replica disk's content; a delta goes on top of it. */
  full: boolean;
  blocks: WrittenBlock[];
}

export interface IncomingReplica {
  sourceSiteId: string;
  /** The protected group: its id is the group's global id at both sites. */
  pg: { id: string; name: string; policy: ReplicationPolicy };
  recoveryClusterId: string;
  vm: { id: string; name: string };
  snapshot: { id: string; pgSnapshotId: string; name: string; takenAt: number };
  /** The source snapshot the delta is against; null for a full copy. */
  baseSnapshotId: string | null;
  disks: IncomingDisk[];
}

export class ReplicaBaseMismatch extends Error {}

/** The recovery site's group for a protected group: same id (guid) and name, DORMANT. */
async function replicaGroup(tx: Repos, r: IncomingReplica, now: number): Promise<ProtectionGroup> {
  const existing = await tx.groups.get(r.pg.id);
  if (existing) return existing;
  const pg: ProtectionGroup = {
    id: r.pg.id, clusterId: r.recoveryClusterId, name: r.pg.name, status: 'DORMANT', locked: false,
    targetEntities: { vms: [] }, policies: [], createdAt: now, scheduleAnchor: now, replication: { ...r.pg.policy, overrides: undefined },
  };
  await tx.groups.insert(pg);
  return pg;
}

/**
 * Lands one member's snapshot: blocks into the replica disks' heads, then each head frozen
 * into the replica snapshot. Idempotent: a snapshot already held is returned as it is.
 */
export async function receiveReplica(tx: Repos, r: IncomingReplica, now: number): Promise<ReplicaSnapshot> {
  const held = await tx.replication.snapshotBySource(r.snapshot.id);
  if (held) return held;
  const pg = await replicaGroup(tx, r, now);
  let vm = await tx.replication.getVm(r.sourceSiteId, r.vm.id);
  if (!vm) {
    vm = { id: newId(), pgId: pg.id, sourceSiteId: r.sourceSiteId, sourceVmId: r.vm.id, name: r.vm.name, createdAt: now };
    await tx.replication.insertVm(vm);
  }
  const latest = (await tx.replication.listSnapshots(vm.id)).at(-1);
  if ((latest?.sourceSnapshotId ?? null) !== r.baseSnapshotId && r.baseSnapshotId !== null) {
    throw new ReplicaBaseMismatch(`replica of ${r.vm.id} holds ${latest?.sourceSnapshotId ?? 'nothing'}, not ${r.baseSnapshotId}`);
  }
  const disks = new Map((await tx.replication.disks(vm.id)).map((d) => [d.diskKey, d]));
  const frozen: ReplicaSnapshot['disks'] = [];
  for (const d of r.disks) {
    const before = disks.get(d.diskKey);
    // A full copy starts from zeros; a delta lands on the content the last snapshot froze.
    const head = !before || d.full ? await tx.layers.create(null) : before.headLayerId;
    // The replaced head is empty (every receive freezes it) and nothing else refers to it.
    if (before && d.full) await tx.layers.delete(before.headLayerId);
    for (const b of d.blocks) await tx.layers.writeBlock(head, b.blockNo, padBlock(b.data, d.blockSize));
    const next = await tx.layers.create(head);
    await tx.replication.upsertDisk({ replicaVmId: vm.id, diskKey: d.diskKey, label: d.label, capacityBytes: d.capacityBytes, blockSize: d.blockSize, headLayerId: next });
    frozen.push({ diskKey: d.diskKey, layerId: head });
  }
  const snap: ReplicaSnapshot = {
    id: newId(), replicaVmId: vm.id, sourceSnapshotId: r.snapshot.id, sourcePgSnapshotId: r.snapshot.pgSnapshotId,
    name: r.snapshot.name, takenAt: r.snapshot.takenAt, receivedAt: now, disks: frozen,
  };
  await tx.replication.insertSnapshot(snap);
  return snap;
}

/**
 * Drops a source site's replicas of a group at the recovery site: the replica VMs with every
 * layer of their disks, chunks still held, and the DORMANT group. A group this site protects
 * itself (not DORMANT: it was made active here) keeps its own state; only the replicas go.
 * Whether anything was there.
 */
export async function dropReplicaGroup(tx: Repos, sourceSiteId: string, pgId: string): Promise<boolean> {
  let found = false;
  for (const vm of await tx.replication.listVms(pgId)) {
    if (vm.sourceSiteId !== sourceSiteId) continue;
    found = true;
    const layers = new Set<number>();
    for (const d of await tx.replication.disks(vm.id)) for (const id of await tx.layers.chain(d.headLayerId)) layers.add(id);
    await tx.replication.deleteVm(vm.id);
    // Nearest first in each chain: children go before their parents.
    for (const id of [...layers].sort((a, b) => b - a)) await tx.layers.delete(id);
  }
  await tx.replication.dropGroupChunks(sourceSiteId, pgId);
  const pg = await tx.groups.get(pgId);
  if (pg?.status === 'DORMANT') {
    await tx.groups.delete(pgId);
    found = true;
  }
  return found;
}

/**
 * At the protected site: the group stops replicating over its cluster pair (replication removed
 * or moved, or the group deleted). The recovery site's replicas are owed a removal, and what
 * was sent is forgotten: replicating again starts with a full copy.
 */
export async function stopReplicating(tx: Repos, pg: ProtectionGroup, now: number): Promise<void> {
  if (!pg.replication || pg.status === 'DORMANT') return;
  const pair = await tx.clusterPairs.get(pg.replication.clusterPairId);
  if (pair) await tx.replication.requestRemoval({ pgId: pg.id, siteId: pair.peerSiteId, requestedAt: now });
  await tx.replication.forgetGroup(pg.id);
}
