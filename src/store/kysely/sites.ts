import type { DatastoreType } from '../../domain/sites.ts';
import type { ClusterPairRepo, DatastoreRepo, SiteRepo } from '../store.ts';
import { NONE, num, type Db } from './core.ts';

export function siteRepo(db: Db): SiteRepo {
  const of = <R extends { createdAt: number; updatedAt: number }>(r: R) => ({ ...r, createdAt: num(r.createdAt), updatedAt: num(r.updatedAt) });
  return {
    async insert(site) {
      await db.insertInto('sites').values(site).execute();
    },
    async get(id) {
      const r = await db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();
      return r && of(r);
    },
    async list() {
      return (await db.selectFrom('sites').selectAll().orderBy('createdAt').orderBy('id').execute()).map(of);
    },
    async byLocalUser(user) {
      const r = await db.selectFrom('sites').selectAll().where('localUser', '=', user).executeTakeFirst();
      return r && of(r);
    },
    async update(id, patch) {
      if (Object.keys(patch).length === 0) return;
      await db.updateTable('sites').set(patch).where('id', '=', id).execute();
    },
    async delete(id) {
      await db.deleteFrom('sites').where('id', '=', id).execute();
    },
  };
}

export function clusterPairRepo(db: Db): ClusterPairRepo {
  return {
    async insert(pair) {
      await db.insertInto('clusterPairs').values(pair).execute();
    },
    async get(id) {
      const r = await db.selectFrom('clusterPairs').selectAll().where('id', '=', id).executeTakeFirst();
      return r && { ...r, createdAt: num(r.createdAt) };
    },
    async list(f = {}) {
      let q = db.selectFrom('clusterPairs').selectAll();
      if (f.ids) q = f.ids.length > 0 ? q.where('id', 'in', f.ids) : q.where(NONE);
      if (f.localClusterIds) q = f.localClusterIds.length > 0 ? q.where('localClusterId', 'in', f.localClusterIds) : q.where(NONE);
      if (f.peerSiteIds) q = f.peerSiteIds.length > 0 ? q.where('peerSiteId', 'in', f.peerSiteIds) : q.where(NONE);
      if (f.peerClusterIds) q = f.peerClusterIds.length > 0 ? q.where('peerClusterId', 'in', f.peerClusterIds) : q.where(NONE);
      const rows = await q.orderBy('createdAt').orderBy('id').execute();
      return rows.map((r) => ({ ...r, createdAt: num(r.createdAt) }));
    },
    async delete(id) {
      await db.deleteFrom('clusterPairs').where('id', '=', id).execute();
    },
  };
}

export function datastoreRepo(db: Db): DatastoreRepo {
  const of = (r: { id: string; name: string; type: string; clusterId: string; datacenterId: string; capacityBytes: number; createdAt: number }) => ({
    ...r, type: r.type as DatastoreType, capacityBytes: num(r.capacityBytes), createdAt: num(r.createdAt),
  });
  return {
    async create(ds) {
      const row = await db.updateTable('counters').set((eb) => ({ value: eb('value', '+', 1) }))
        .where('name', '=', 'datastore').returning('value').executeTakeFirstOrThrow();
      const created = { ...ds, id: `datastore-${num(row.value)}` };
      await db.insertInto('datastores').values(created).execute();
      return created;
    },
    async get(id) {
      const r = await db.selectFrom('datastores').selectAll().where('id', '=', id).executeTakeFirst();
      return r && of(r);
    },
    async list(f = {}) {
      let q = db.selectFrom('datastores').selectAll();
      if (f.ids) q = f.ids.length > 0 ? q.where('id', 'in', f.ids) : q.where(NONE);
      if (f.clusterIds) q = f.clusterIds.length > 0 ? q.where('clusterId', 'in', f.clusterIds) : q.where(NONE);
      return (await q.orderBy('createdAt').orderBy('id').execute()).map(of);
    },
    async usedByCluster(clusterIds) {
      const out = new Map<string, number>(clusterIds.map((c) => [c, 0]));
      if (clusterIds.length === 0) return out;
      const rows = await db.selectFrom('disks').innerJoin('vms', 'vms.id', 'disks.vmId')
        .select((eb) => ['vms.clusterId', eb.fn.sum<number>('disks.capacityBytes').as('used')])
        .where('vms.clusterId', 'in', clusterIds).where('vms.deletedAt', 'is', null)
        .groupBy('vms.clusterId').execute();
      for (const r of rows) if (r.clusterId) out.set(r.clusterId, num(r.used));
      return out;
    },
  };
}
