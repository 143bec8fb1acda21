import type { Cluster, Datacenter, Folder, Host, PowerState, ResourcePool, Vm } from '../domain/model.ts';
import { moref, newUuid } from '../domain/ids.ts';
import { VSAN_DATASTORE_BYTES, vsanDatastoreName } from '../domain/sites.ts';
import type { Repos } from '../store/store.ts';
import { createDisk, type NewDisk } from './disks.ts';

/** Creation of inventory objects with server-assigned ids, shared by seeds, restore and clone. */

export async function createRootFolder(tx: Repos, now: number): Promise<Folder> {
  const f: Folder = { id: moref('rootFolder', await tx.ids.next()), name: 'Datacenters', type: 'DATACENTER', datacenterId: null, parentId: null, createdAt: now };
  await tx.inventory.insertFolder(f);
  return f;
}

export async function createDatacenter(tx: Repos, name: string, now: number): Promise<{ dc: Datacenter; vmFolder: Folder }> {
  const dc: Datacenter = { id: moref('datacenter', await tx.ids.next()), name, createdAt: now };
  await tx.inventory.insertDatacenter(dc);
  const vmFolder: Folder = { id: moref('folder', await tx.ids.next()), name: 'vm', type: 'VIRTUAL_MACHINE', datacenterId: dc.id, parentId: null, createdAt: now };
  await tx.inventory.insertFolder(vmFolder);
  const hostFolder: Folder = { id: moref('hostFolder', await tx.ids.next()), name: 'host', type: 'HOST', datacenterId: dc.id, parentId: null, createdAt: now };
  await tx.inventory.insertFolder(hostFolder);
  return { dc, vmFolder };
}

export async function createFolder(tx: Repos, name: string, datacenterId: string, parentId: string | null, now: number): Promise<Folder> {
  const f: Folder = { id: moref('folder', await tx.ids.next()), name, type: 'VIRTUAL_MACHINE', datacenterId, parentId, createdAt: now };
  await tx.inventory.insertFolder(f);
  return f;
}

export async function createCluster(
  tx: Repos,
  spec: { name: string; datacenterId: string; drsEnabled: boolean; haEnabled: boolean },
  now: number,
): Promise<Cluster> {
  const id = moref('cluster', await tx.ids.next());
  const rp: ResourcePool = { id: moref('resourcePool', await tx.ids.next()), name: 'Resources', clusterId: id, parentId: null, createdAt: now };
  const cluster: Cluster = { id, name: spec.name, datacenterId: spec.datacenterId, haEnabled: spec.haEnabled, drsEnabled: spec.drsEnabled, resourcePoolId: rp.id, createdAt: now };
  await tx.inventory.insertCluster(cluster);
  await tx.inventory.insertResourcePool(rp);
  await tx.datastores.create({
    name: vsanDatastoreName(spec.name), type: 'VSAN', clusterId: id, datacenterId: spec.datacenterId,
    capacityBytes: VSAN_DATASTORE_BYTES, createdAt: now,
  });
  return cluster;
}

export async function createResourcePool(tx: Repos, name: string, cluster: Cluster, now: number): Promise<ResourcePool> {
  const rp: ResourcePool = { id: moref('resourcePool', await tx.ids.next()), name, clusterId: cluster.id, parentId: cluster.resourcePoolId, createdAt: now };
  await tx.inventory.insertResourcePool(rp);
  return rp;
}

export async function createHost(tx: Repos, name: string, clusterId: string, now: number): Promise<Host> {
  const h: Host = { id: moref('host', await tx.ids.next()), name, clusterId, connectionState: 'CONNECTED', powerState: 'POWERED_ON', createdAt: now };
  await tx.inventory.insertHost(h);
  return h;
}

export interface NewVm {
  name: string;
  clusterId: string;
  hostId: string;
  folderId: string;
  resourcePoolId: string;
  powerState: PowerState;
  cpuCount: number;
  coresPerSocket?: number;
  memoryMib: number;
  guestOs: string;
  disks: NewDisk[];
}

export async function createVm(tx: Repos, spec: NewVm, now: number): Promise<Vm> {
  const vm: Vm = {
    id: moref('vm', await tx.ids.next()),
    name: spec.name,
    clusterId: spec.clusterId,
    hostId: spec.hostId,
    folderId: spec.folderId,
    resourcePoolId: spec.resourcePoolId,
    powerState: spec.powerState,
    cpuCount: spec.cpuCount,
    coresPerSocket: spec.coresPerSocket ?? 1,
    memoryMib: spec.memoryMib,
    guestOs: spec.guestOs,
    biosUuid: newUuid(),
    instanceUuid: newUuid(),
    createdAt: now,
    deletedAt: null,
    lastClusterId: spec.clusterId,
  };
  await tx.vms.insert(vm);
  for (const d of spec.disks) await createDisk(tx, vm.id, d);
  return vm;
}
