import { Type } from '@sinclair/typebox';
import type { Site } from '../../domain/sites.ts';
import { dropReplicaGroup, ReplicaBaseMismatch, receiveReplica, type IncomingDisk, type IncomingReplica } from '../../engine/replicas.ts';
import { admitReplica, afterReplica } from '../../engine/takeover.ts';
import { errors } from '../../errors.ts';
import { defineOperation, type Call, type Operation } from '../../vapi/operation.ts';
import { Id, Input, ListOf, Struct } from '../../vapi/wire.ts';
import { requireSite, SITE_MANAGE } from '../sites/access.ts';
import { replicationFromWire, ReplicationPolicySchema, type WireReplicationPolicy } from '../groups/replication.ts';
import { PolicySchema, policiesFromWire } from '../groups/schemas.ts';
import { assemble, checkPieces } from './receive.ts';
import { pruneReplicas } from './retention.ts';

/**
 * What a protected site calls at its recovery site (under /api/peer, not the vendor's API):
 * which snapshots of a VM arrived, one member snapshot's blocks (inline, or in chunks held
 * apart until the snapshot lands whole), and dropping a group's replicas. Only a paired site's
 * service user may call them, and only for its own replicas.
 */
const SERVICE = 'snapservice.peer.replicas';

/** The paired site the caller is the service user of; anyone else finds nothing here. */
async function callerSite(call: Call): Promise<Site> {
  await requireSite(call, SITE_MANAGE);
  const site = await call.deps.store.repos.sites.byLocalUser(call.user);
  if (!site) throw errors.notFound('site', call.user);
  return site;
}

const Block = Struct(`${SERVICE}.block`, { block: Type.Integer({ minimum: 0 }), data: Type.String() });

const ReplicaSpec = Struct(`${SERVICE}.replica_spec`, {
  cluster_pair: Id(),
  pg: Struct(`${SERVICE}.group`, {
    id: Id(), name: Type.String(), policy: ReplicationPolicySchema,
    // Disaster recovery (engine/takeover.ts): what activate resumes and which copy is current.
    snapshot_policies: Type.Optional(ListOf(PolicySchema)), generation: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
  vm: Struct(`${SERVICE}.vm`, {
    id: Id(), name: Type.String(),
    config: Type.Optional(Struct(`${SERVICE}.vm_config`, {
      cpu_count: Type.Integer({ minimum: 1 }), cores_per_socket: Type.Integer({ minimum: 1 }), memory_mib: Type.Integer({ minimum: 1 }), guest_os: Type.String(),
    })),
  }),
  snapshot: Struct(`${SERVICE}.snapshot`, { id: Id(), pg_snapshot: Id(), name: Type.String(), taken_at: Type.Integer() }),
  base_snapshot: Type.Optional(Id()),
  /** The blocks were sent in this many chunks (replica-chunks): the disks' own block lists are then empty. */
  chunks: Type.Optional(Type.Integer({ minimum: 1 })),
  disks: ListOf(Struct(`${SERVICE}.disk`, {
    key: Type.Integer(), label: Type.String(), capacity: Type.Integer({ minimum: 1 }), block_size: Type.Integer({ minimum: 1 }),
    full: Type.Boolean(), blocks: ListOf(Block),
  })),
});

const Piece = Struct(`${SERVICE}.piece`, { disk: Type.Integer(), block: Type.Integer({ minimum: 0 }), offset: Type.Integer({ minimum: 0 }), data: Type.String() });

const ChunkSpec = Struct(`${SERVICE}.chunk_spec`, {
  pg: Id(), vm: Id(), snapshot: Id(), base_snapshot: Type.Optional(Id()),
  index: Type.Integer({ minimum: 0 }), count: Type.Integer({ minimum: 1 }), pieces: ListOf(Piece),
});

function blockData(data: string, max: number): Buffer {
  const buf = Buffer.from(data, 'base64');
  if (buf.length > max) throw errors.invalidArgument('spec.disks.blocks.data', `must decode to at most the block size (${max} bytes)`);
  return buf;
}

export const replicationPeerOperations: Operation[] = [
  defineOperation({
    service: `${SERVICE}.vms`, name: 'get', since: '9.0.0.0', readOnly: true,
    rest: { method: 'GET', path: '/api/peer/replica-vms/{vm}' },
    input: Input({ vm: Id() }), ids: ['vm'],
    output: Struct(`${SERVICE}.vm_state`, { snapshots: ListOf(Id()) }),
    authorize: (call) => callerSite(call),
    handler: async (call, { vm }, site) => {
      const { repos } = call.deps.store;
      const replica = await repos.replication.getVm(site.id, vm);
      return { snapshots: replica ? (await repos.replication.listSnapshots(replica.id)).map((s) => s.sourceSnapshotId) : [] };
    },
  }),
  defineOperation({
    service: SERVICE, name: 'create', since: '9.0.0.0',
    rest: { method: 'POST', path: '/api/peer/replicas', body: 'spec' },
    input: Input({ spec: ReplicaSpec }),
    output: Struct(`${SERVICE}.create_result`, { replica_snapshot: Id() }),
    authorize: (call) => callerSite(call),
    handler: async (call, { spec }, site) => {
      const { deps } = call;
      const policy = replicationFromWire([spec.pg.policy as WireReplicationPolicy])?.[0];
      const incoming = (recoveryClusterId: string, disks: IncomingDisk[]): IncomingReplica => ({
        sourceSiteId: site.id, recoveryClusterId,
        pg: { id: spec.pg.id, name: spec.pg.name, policy: policy as NonNullable<typeof policy> },
        vm: { id: spec.vm.id, name: spec.vm.name },
        snapshot: { id: spec.snapshot.id, pgSnapshotId: spec.snapshot.pg_snapshot, name: spec.snapshot.name, takenAt: spec.snapshot.taken_at },
        baseSnapshotId: spec.base_snapshot ?? null,
        disks,
      });
      const inline = (): IncomingDisk[] => spec.disks.map((d) => ({
        diskKey: d.key, label: d.label, capacityBytes: d.capacity, blockSize: d.block_size, full: d.full,
        blocks: d.blocks.map((b) => ({ blockNo: b.block, data: blockData(b.data, d.block_size) })),
      }));
      try {
        return await deps.store.transaction(async (tx) => {
          const pair = await tx.clusterPairs.get(spec.cluster_pair);
          if (!pair || pair.peerSiteId !== site.id) throw errors.notFound('cluster pair', spec.cluster_pair);
          const held = await tx.replication.snapshotBySource(spec.snapshot.id);
          if (held) return { replica_snapshot: held.id };
          // The last word of a chunked send: every chunk must be here; they land with the snapshot, in this transaction.
          await admitReplica(tx, spec.pg.id, spec.pg.generation ?? 0, deps.clock.now());
          const disks = spec.chunks === undefined ? inline()
            : assemble(spec.disks, await tx.replication.chunks(spec.snapshot.id, true), spec.chunks, spec.base_snapshot ?? null);
          const snap = await receiveReplica(tx, incoming(pair.localClusterId, disks), deps.clock.now());
          await tx.replication.dropChunks(spec.snapshot.id);
          const c = spec.vm.config;
          const kept = await afterReplica(tx, spec.pg.id, snap.replicaVmId, {
            generation: spec.pg.generation ?? 0,
            policies: spec.pg.snapshot_policies && policiesFromWire(spec.pg.snapshot_policies),
            vmConfig: c && { cpuCount: c.cpu_count, coresPerSocket: c.cores_per_socket, memoryMib: c.memory_mib, guestOs: c.guest_os },
          });
          if (!kept.expiryPaused) await pruneReplicas(tx, snap.replicaVmId, policy?.keepLast ?? 1);
          return { replica_snapshot: snap.id };
        });
      } catch (err) {
        if (err instanceof ReplicaBaseMismatch) throw errors.notAllowed('replication.base_mismatch', err.message);
        throw err;
      }
    },
  }),
  defineOperation({
    service: `${SERVICE}.chunks`, name: 'list', since: '9.0.0.0', readOnly: true,
    rest: { method: 'GET', path: '/api/peer/replica-chunks/{snapshot}' },
    input: Input({ snapshot: Id() }), ids: ['snapshot'],
    output: Struct(`${SERVICE}.chunks.list_result`, {
      items: ListOf(Struct(`${SERVICE}.chunk_info`, { index: Type.Integer(), count: Type.Integer(), base_snapshot: Type.Optional(Id()) })),
    }),
    authorize: (call) => callerSite(call),
    handler: async (call, { snapshot }, site) => {
      const held = (await call.deps.store.repos.replication.chunks(snapshot, false)).filter((c) => c.sourceSiteId === site.id);
      return { items: held.map((c) => ({ index: c.index, count: c.count, ...(c.baseSnapshotId === null ? {} : { base_snapshot: c.baseSnapshotId }) })) };
    },
  }),
  defineOperation({
    service: `${SERVICE}.chunks`, name: 'create', since: '9.0.0.0',
    rest: { method: 'POST', path: '/api/peer/replica-chunks', body: 'spec', status: 204 },
    input: Input({ spec: ChunkSpec }),
    authorize: (call) => callerSite(call),
    // Held apart, nothing visible: the snapshot lands when the sender says all chunks went (replicas create).
    handler: async (call, { spec }, site) => {
      const { deps } = call;
      if (spec.index >= spec.count) throw errors.invalidArgument('spec.index', `must be below the chunk count (${spec.count})`);
      checkPieces(spec.pieces, deps.config.bodyLimit);
      await deps.store.transaction(async (tx) => {
        if (await tx.replication.snapshotBySource(spec.snapshot)) return; // landed already: a late resend
        await tx.replication.putChunk({
          sourceSnapshotId: spec.snapshot, index: spec.index, count: spec.count, baseSnapshotId: spec.base_snapshot ?? null,
          sourceSiteId: site.id, pgId: spec.pg, sourceVmId: spec.vm, pieces: JSON.stringify(spec.pieces), receivedAt: deps.clock.now(),
        });
      });
    },
  }),
  defineOperation({
    service: `${SERVICE}.groups`, name: 'delete', since: '9.0.0.0',
    rest: { method: 'DELETE', path: '/api/peer/replica-groups/{pg}' },
    input: Input({ pg: Id() }), ids: ['pg'],
    authorize: (call) => callerSite(call),
    // Nothing held is no error: the protected site retries until told it is done, and a retry finds nothing.
    handler: async (call, { pg }, site) => {
      await call.deps.store.transaction((tx) => dropReplicaGroup(tx, site.id, pg));
    },
  }),
];
