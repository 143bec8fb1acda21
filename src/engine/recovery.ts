import { newUuid } from '../domain/ids.ts';
import type { Cluster, Folder, ProtectionGroup, Vm } from '../domain/model.ts';
import type { ReplicaDisk, ReplicaSnapshot } from '../domain/replication.ts';
import { errors, vapiError } from '../errors.ts';
import type { Repos } from '../store/store.ts';
import { releaseLayer } from './disks.ts';
import { createFolder, createVm } from './inventory.ts';
import { leastLoadedHost } from './placement.ts';

/** What a VM is recovered with when its replicas came without the source's configuration. */
const FALLBACK = { cpuCount: 1, coresPerSocket: 1, memoryMib: 1024, guestOs: 'OTHER_LINUX_64' };

/**
 * A promote's inventory work: every replica VM of the group becomes a VM of the recovery
 * site's vCenter, powered off, whose disks read exactly as its latest replica snapshot. No
 * block is copied: each disk's head is the replica's empty head, already a layer on top of
 * that snapshot's layer. The replica records are consumed: the layers now belong to the
 * recovered VM (and its snapshots), which the layer bookkeeping sees, where replica snapshots
 * it would not.
 */
export async function recoverGroup(tx: Repos, pg: ProtectionGroup, now: number): Promise<Vm[]> {
  const cluster = await tx.inventory.getCluster(pg.clusterId);
  if (!cluster) throw errors.notFound('cluster', pg.clusterId);
  const folder = await recoveryFolder(tx, cluster, pg.name, now);
  const out: Vm[] = [];
  for (const replica of await tx.replication.listVms(pg.id)) {
    const heads = new Map((await tx.replication.disks(replica.id)).map((d) => [d.diskKey, d]));
    const latest = await latestReplica(tx, replica.id, [...heads.values()]);
    if (latest) {
      const host = await leastLoadedHost(tx, cluster);
      if (!host) throw errors.notAllowed('vm.placement.no_host', `No host of cluster ${cluster.id} can take virtual machines.`, cluster.id);
      await nameFree(tx, replica.name, folder.id);
      const config = (await tx.recovery.vmConfig(replica.id)) ?? FALLBACK;
      const vm = await createVm(tx, {
        name: replica.name, clusterId: cluster.id, hostId: host.id, folderId: folder.id, resourcePoolId: cluster.resourcePoolId,
        powerState: 'POWERED_OFF', cpuCount: config.cpuCount, coresPerSocket: config.coresPerSocket, memoryMib: config.memoryMib,
        guestOs: config.guestOs, disks: [],
      }, now);
      for (const frozen of latest.disks) {
        const geometry = heads.get(frozen.diskKey);
        if (!geometry) continue;
        heads.delete(frozen.diskKey);
        // The replica's head sits on the snapshot's layer; should it not, a fresh one does.
        const reuse = (await tx.layers.parentOf(geometry.headLayerId)) === frozen.layerId;
        const head = reuse ? geometry.headLayerId : await tx.layers.create(frozen.layerId);
        if (!reuse) await releaseLayer(tx, geometry.headLayerId);
        await tx.disks.insert({
          vmId: vm.id, diskKey: frozen.diskKey, label: geometry.label, capacityBytes: geometry.capacityBytes,
          blockSize: geometry.blockSize, headLayerId: head, sequenceUuid: newUuid(), epoch: 0,
        });
      }
      out.push(vm);
    }
    for (const stray of heads.values()) await releaseLayer(tx, stray.headLayerId);
    await tx.recovery.dropReplicaVm(replica.id);
  }
  return out;
}

/**
 * The replica snapshot the replica's disks were last frozen into: its layer is their head's
 * parent. Two snapshots taken at the same instant (a manual clock) tie in time order; the
 * layer chain does not.
 */
async function latestReplica(tx: Repos, replicaVmId: string, heads: ReplicaDisk[]): Promise<ReplicaSnapshot | undefined> {
  const snaps = await tx.replication.listSnapshots(replicaVmId);
  const parent = heads[0] && (await tx.layers.parentOf(heads[0].headLayerId));
  return snaps.find((s) => s.disks.some((d) => d.layerId === parent)) ?? snaps.at(-1);
}

/** Recovered VMs go into a folder named after the group, beside the datacenter's own VMs (whose names they may share). */
async function recoveryFolder(tx: Repos, cluster: Cluster, name: string, now: number): Promise<Folder> {
  const folders = await tx.inventory.listFolders();
  const root = folders.find((f) => f.type === 'VIRTUAL_MACHINE' && f.datacenterId === cluster.datacenterId && f.parentId === null);
  if (!root) throw errors.notAllowed('vm.placement.no_folder', `Datacenter ${cluster.datacenterId} has no virtual machine folder.`, cluster.datacenterId);
  return folders.find((f) => f.type === 'VIRTUAL_MACHINE' && f.parentId === root.id && f.name === name)
    ?? createFolder(tx, name, cluster.datacenterId, root.id, now);
}

async function nameFree(tx: Repos, name: string, folderId: string): Promise<void> {
  const clash = (await tx.vms.list({ names: [name] })).find((v) => v.folderId === folderId);
  if (clash) throw vapiError('ALREADY_EXISTS', 'vm.name.exists', `A virtual machine named '${name}' already exists in folder ${folderId} (${clash.id}).`, name, folderId);
}
