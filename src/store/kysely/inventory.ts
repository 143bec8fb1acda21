import type { Cluster, Folder, FolderType, Host, ResourcePool, Vm, PowerState } from '../../domain/model.ts';
import { sql } from 'kysely';
import type { InventoryRepo, VmRepo } from '../store.ts';
import { bool, int, NONE, num, type Db } from './core.ts';
import type { DB } from './schema.ts';
import { changes, rows } from './prepared.ts';

const clusterOf = (r: DB['clusters']): Cluster => ({
  ...r, haEnabled: bool(r.haEnabled), drsEnabled: bool(r.drsEnabled), createdAt: num(r.createdAt),
});

/**
 * Inventory ids are morefs (vm-9, vm-10): among objects created at the same instant, the
 * shorter id first puts them in counter order, where plain text order would not.
 */
export function inventoryRepo(db: Db): InventoryRepo {
  return {
    async insertDatacenter(dc) {
      await db.insertInto('datacenters').values(dc).execute();
    },
    async getDatacenter(id) {
      const r = await db.selectFrom('datacenters').selectAll().where('id', '=', id).executeTakeFirst();
      return r && { ...r, createdAt: num(r.createdAt) };
    },
    async listDatacenters() {
      const rows = await db.selectFrom('datacenters').selectAll().orderBy('createdAt').orderBy(sql`length(id)`).orderBy('id').execute();
      return rows.map((r) => ({ ...r, createdAt: num(r.createdAt) }));
    },
    async insertFolder(f) {
      await db.insertInto('folders').values(f).execute();
    },
    async getFolder(id) {
      const r = await db.selectFrom('folders').selectAll().where('id', '=', id).executeTakeFirst();
      return r && folderOf(r);
    },
    async listFolders() {
      const rows = await db.selectFrom('folders').selectAll().orderBy('createdAt').orderBy(sql`length(id)`).orderBy('id').execute();
      return rows.map(folderOf);
    },
    async insertCluster(c) {
      await db.insertInto('clusters').values({ ...c, haEnabled: int(c.haEnabled), drsEnabled: int(c.drsEnabled) }).execute();
    },
    async getCluster(id) {
      const [r] = await rows(db, 'clusters.get', (d, a) => d.selectFrom('clusters').selectAll().where('id', '=', a(0)), [id]);
      return r && clusterOf(r);
    },
    async listClusters() {
      const rows = await db.selectFrom('clusters').selectAll().orderBy('createdAt').orderBy(sql`length(id)`).orderBy('id').execute();
      return rows.map(clusterOf);
    },
    async insertHost(h) {
      await db.insertInto('hosts').values(h).execute();
    },
    async getHost(id) {
      const r = await db.selectFrom('hosts').selectAll().where('id', '=', id).executeTakeFirst();
      return r && hostOf(r);
    },
    async listHosts() {
      const rows = await db.selectFrom('hosts').selectAll().orderBy('createdAt').orderBy(sql`length(id)`).orderBy('id').execute();
      return rows.map(hostOf);
    },
    async insertResourcePool(rp) {
      await db.insertInto('resourcePools').values(rp).execute();
    },
    async getResourcePool(id) {
      const r = await db.selectFrom('resourcePools').selectAll().where('id', '=', id).executeTakeFirst();
      return r && { ...r, createdAt: num(r.createdAt) };
    },
    async listResourcePools() {
      const rows = await db.selectFrom('resourcePools').selectAll().orderBy('createdAt').orderBy(sql`length(id)`).orderBy('id').execute();
      return rows.map((r): ResourcePool => ({ ...r, createdAt: num(r.createdAt) }));
    },
  };
}

function folderOf(r: DB['folders']): Folder {
  return { ...r, type: r.type as FolderType, createdAt: num(r.createdAt) };
}

function hostOf(r: DB['hosts']): Host {
  return {
    ...r,
    connectionState: r.connectionState as Host['connectionState'],
    powerState: r.powerState as Host['powerState'],
    createdAt: num(r.createdAt),
  };
}

function vmOf(r: DB['vms']): Vm {
  return {
    ...r,
    powerState: r.powerState as PowerState,
    memoryMib: num(r.memoryMib),
    createdAt: num(r.createdAt),
    deletedAt: r.deletedAt === null ? null : num(r.deletedAt),
  };
}

export function vmRepo(db: Db): VmRepo {
  return {
    async insert(vm) {
      await db.insertInto('vms').values(vm).execute();
    },
    async get(id) {
      const [r] = await rows(db, 'vms.get', (d, a) => d.selectFrom('vms').selectAll().where('id', '=', a(0)), [id]);
      return r && vmOf(r);
    },
    async list(f = {}) {
      let q = db.selectFrom('vms').selectAll();
      if (!f.includeDeleted) q = q.where('deletedAt', 'is', null);
      if (f.ids) q = f.ids.length > 0 ? q.where('id', 'in', f.ids) : q.where(NONE);
      if (f.names) q = f.names.length > 0 ? q.where('name', 'in', f.names) : q.where(NONE);
      if (f.clusterIds) q = f.clusterIds.length > 0 ? q.where('clusterId', 'in', f.clusterIds) : q.where(NONE);
      if (f.hostIds) q = f.hostIds.length > 0 ? q.where('hostId', 'in', f.hostIds) : q.where(NONE);
      if (f.powerStates) q = f.powerStates.length > 0 ? q.where('powerState', 'in', f.powerStates) : q.where(NONE);
      const rows = await q.orderBy('createdAt').orderBy(sql`length(id)`).orderBy('id').execute();
      return rows.map(vmOf);
    },
    async update(id, patch) {
      const cols = (Object.keys(patch) as Array<keyof typeof patch>).filter((c) => patch[c] !== undefined);
      if (cols.length === 0) return;
      await changes(db, `vms.update:${cols.join()}`,
        (d, a) => d.updateTable('vms').set(Object.fromEntries(cols.map((c, i) => [c, a(i + 1)]))).where('id', '=', a(0)),
        [id, ...cols.map((c) => patch[c])]);
    },
  };
}
