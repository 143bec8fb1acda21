import { describe, expect, it } from 'vitest';
import type { ClusterPair, Site } from '../../src/domain/sites.ts';
import { AWKWARD_IDS, BIG, binary, disk, FAR, scrambled, vm, type Ctx } from './fixtures.ts';

function site(id: string, over: Partial<Site> = {}): Site {
  return {
    id, name: `site ${id} ünï 'q'`, url: 'https://[::1]:8443', certificate: '-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n',
    vcenterId: `vc-${id}`, release: '9.1', remoteUser: 'snapservice-peer-x@vsphere.local', remotePassword: 'p%_\'"',
    localUser: `snapservice-peer-${id}@vsphere.local`, createdAt: FAR, updatedAt: FAR + 1, ...over,
  };
}

function pair(id: string, over: Partial<ClusterPair> = {}): ClusterPair {
  return { id, localClusterId: 'c-1', localClusterName: 'Cluster-A', peerSiteId: 's-1', peerClusterId: 'pc-1', peerClusterName: 'Cluster-X', createdAt: 5, ...over };
}

export function sitesContract(ctx: Ctx): void {
  describe('sites', () => {
    it('round-trips, lists in creation order, finds by service user, updates and deletes', async () => {
      const { sites } = ctx.store.repos;
      const rows = AWKWARD_IDS.map((id, i) => site(id, { createdAt: i % 2 ? FAR : 5 }));
      for (const s of scrambled(rows)) await sites.insert(s);
      expect(await sites.get('x-b')).toEqual(rows[0]);
      expect(await sites.get('nope')).toBeUndefined();
      expect((await sites.list()).map((s) => s.id)).toEqual([...rows].sort((a, b) => a.createdAt - b.createdAt || binary(a.id, b.id)).map((s) => s.id));
      expect((await sites.byLocalUser('snapservice-peer-x_a@vsphere.local'))?.id).toBe('x_a');
      expect(await sites.byLocalUser('nobody')).toBeUndefined();
      await sites.update('x-b', { url: 'https://other:1', updatedAt: BIG });
      await sites.update('x-b', {});
      expect(await sites.get('x-b')).toEqual({ ...rows[0], url: 'https://other:1', updatedAt: BIG });
      await sites.delete('x-b');
      expect(await sites.get('x-b')).toBeUndefined();
      expect(await sites.list()).toHaveLength(rows.length - 1);
    });
  });

  describe('cluster pairs', () => {
    it('round-trips, lists with filters (empty sets match nothing), deletes', async () => {
      const { clusterPairs } = ctx.store.repos;
      const rows = AWKWARD_IDS.map((id, i) => pair(id, { createdAt: i % 2 ? FAR : 5, localClusterId: `c-${i % 3}`, peerSiteId: i % 2 ? 's-1' : 's-2', peerClusterId: `pc-${i}` }));
      for (const p of scrambled(rows)) await clusterPairs.insert(p);
      expect(await clusterPairs.get('x-b')).toEqual(rows[0]);
      const order = (keep: (p: ClusterPair) => boolean) => rows.filter(keep).sort((a, b) => a.createdAt - b.createdAt || binary(a.id, b.id)).map((p) => p.id);
      const ids = async (f: Parameters<typeof clusterPairs.list>[0]) => (await clusterPairs.list(f)).map((p) => p.id);
      expect(await ids({})).toEqual(order(() => true));
      expect(await ids({ localClusterIds: ['c-1'] })).toEqual(order((p) => p.localClusterId === 'c-1'));
      expect(await ids({ peerSiteIds: ['s-2'], peerClusterIds: ['pc-0', 'pc-1'] })).toEqual(['x-b']);
      expect(await ids({ ids: ['x_a', 'zz'] })).toEqual(['x_a']);
      for (const key of ['ids', 'localClusterIds', 'peerSiteIds', 'peerClusterIds'] as const) expect(await ids({ [key]: [] })).toEqual([]);
      await clusterPairs.delete('x-b');
      expect(await clusterPairs.get('x-b')).toBeUndefined();
    });
  });

  describe('datastores', () => {
    it('numbers datastores from their own counter, lists them per cluster and sums the disks of live VMs', async () => {
      const { datastores, vms, disks } = ctx.store.repos;
      const first = await datastores.create({ name: 'vsanDatastore (A)', type: 'VSAN', clusterId: 'c-1', datacenterId: 'dc-1', capacityBytes: BIG, createdAt: 7 });
      const second = await datastores.create({ name: 'nfs', type: 'NFS', clusterId: 'c-2', datacenterId: 'dc-1', capacityBytes: 10, createdAt: 7 });
      expect(first.id).toBe('datastore-1');
      expect(second.id).toBe('datastore-2');
      expect(await datastores.get('datastore-1')).toEqual(first);
      expect(await datastores.list()).toEqual([first, second]);
      expect(await datastores.list({ clusterIds: ['c-2'] })).toEqual([second]);
      expect(await datastores.list({ ids: [] })).toEqual([]);
      await vms.insert(vm('vm-1', { clusterId: 'c-1' }));
      await vms.insert(vm('vm-2', { clusterId: 'c-1', deletedAt: 9 }));
      await disks.insert(disk('vm-1', 2000, { capacityBytes: BIG }));
      await disks.insert(disk('vm-1', 2001, { capacityBytes: 5 }));
      await disks.insert(disk('vm-2', 2000, { capacityBytes: 1000 }));
      expect(await datastores.usedByCluster(['c-1', 'c-2'])).toEqual(new Map([['c-1', BIG + 5], ['c-2', 0]]));
      expect(await datastores.usedByCluster([])).toEqual(new Map());
    });
  });

  describe('users', () => {
    it('deletes a user with its permissions and sessions', async () => {
      const { users, permissions, sessions } = ctx.store.repos;
      await users.insert({ name: 'svc@vsphere.local', passwordHash: 'h', createdAt: 1 });
      await permissions.upsert({ principal: 'svc@vsphere.local', entityId: 'group-d1', roleId: '-1', propagate: true });
      await sessions.insert({ tokenHash: 't', user: 'svc@vsphere.local', createdAt: 1, lastAccessedAt: 1 });
      await users.delete('svc@vsphere.local');
      expect(await users.get('svc@vsphere.local')).toBeUndefined();
      expect(await permissions.listForPrincipal('svc@vsphere.local')).toEqual([]);
      expect(await sessions.get('t')).toBeUndefined();
      await users.delete('nobody');
    });
  });
}
