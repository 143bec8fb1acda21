import { Type } from '@sinclair/typebox';
import type { ReplicaVm } from '../../domain/replication.ts';
import { readContent } from '../../engine/disks.ts';
import { errors } from '../../errors.ts';
import type { Repos } from '../../store/store.ts';
import { defineOperation, type Call, type Operation } from '../../vapi/operation.ts';
import { DateTime, formatTime, Id, Input, ListOf, Struct } from '../../vapi/wire.ts';

/**
 * The simulation plane's look at what replication landed here (recovery site): the replica
 * snapshots of a protected VM, or of every VM of a group, with their disk content, so tests
 * can prove a replica equals its source. Replica VMs are in no inventory until a promote, so
 * no vendor operation shows their content.
 */
const SERVICE = 'com.vmware.snapservice.sim.replica_vms';

const DiskContent = Struct(`${SERVICE}.disk`, {
  key: Type.Integer(), block_size: Type.Integer(), blocks: Type.Integer(), written_blocks: Type.Integer(), digest: Type.Optional(Type.String()),
});

const ReplicaInfo = Struct(`${SERVICE}.info`, {
  site: Id(), vm: Id(), name: Type.String(), pg: Id(),
  snapshots: ListOf(Struct(`${SERVICE}.snapshot`, {
    source_snapshot: Id(), name: Type.String(), taken_at: DateTime(), received_at: DateTime(), disks: ListOf(DiskContent),
  })),
});

const simulation = (call: Call) => call.authz.require({ type: 'Folder', id: call.deps.rootFolderId }, ['Snapservice.Simulation']);

/** One replica VM as the protected site knows it (its site and VM id), each snapshot's disks read whole. */
async function replicaView(repos: Repos, replica: ReplicaVm, maxDigestBytes: number) {
  const geometry = new Map((await repos.replication.disks(replica.id)).map((d) => [d.diskKey, d]));
  const snapshots = [];
  for (const s of await repos.replication.listSnapshots(replica.id)) {
    const disks = [];
    for (const d of s.disks) {
      const g = geometry.get(d.diskKey);
      if (!g) continue;
      const c = await readContent(repos, d.layerId, g, maxDigestBytes);
      disks.push({ key: d.diskKey, block_size: c.blockSize, blocks: c.blocks, written_blocks: c.writtenBlocks, ...(c.digest === undefined ? {} : { digest: c.digest }) });
    }
    snapshots.push({ source_snapshot: s.sourceSnapshotId, name: s.name, taken_at: formatTime(s.takenAt), received_at: formatTime(s.receivedAt), disks });
  }
  return { site: replica.sourceSiteId, vm: replica.sourceVmId, name: replica.name, pg: replica.pgId, snapshots };
}

export const simReplicaOperations: Operation[] = [
  defineOperation({
    service: SERVICE, name: 'get', since: 'sim', readOnly: true,
    rest: { method: 'GET', path: '/api/sim/replica-vms/{vm}' },
    input: Input({ vm: Id() }), ids: ['vm'], output: ReplicaInfo,
    authorize: simulation,
    handler: async (call, { vm }) => {
      const { repos } = call.deps.store;
      let replica;
      for (const site of await repos.sites.list()) replica ??= await repos.replication.getVm(site.id, vm);
      if (!replica) throw errors.notFound('replica virtual machine', vm);
      return replicaView(repos, replica, call.deps.config.maxDigestBytes);
    },
  }),
  defineOperation({
    service: SERVICE, name: 'list', since: 'sim', readOnly: true,
    rest: { method: 'GET', path: '/api/sim/protection-groups/{pg}/replicas' },
    input: Input({ pg: Id() }), ids: ['pg'],
    output: Struct(`${SERVICE}.list_result`, { items: ListOf(ReplicaInfo) }),
    authorize: async (call, ids) => {
      await simulation(call);
      if (!(await call.deps.store.repos.groups.get(ids.pg))) throw errors.notFound('protection group', ids.pg);
    },
    handler: async (call, { pg }) => {
      const { repos } = call.deps.store;
      const items = [];
      for (const vm of await repos.replication.listVms(pg)) items.push(await replicaView(repos, vm, call.deps.config.maxDigestBytes));
      return { items };
    },
  }),
];
