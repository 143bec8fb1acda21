import { describe, expect, it } from 'vitest';
import type { Vm } from '../../src/domain/model.ts';
import { AWKWARD_IDS, BIG, binary, cluster, disk, FAR, scrambled, vm, type Ctx } from './fixtures.ts';

/** Expected "creation time, then id" order of records. */
const byCreation = <T extends { id: string; createdAt: number }>(rows: T[]): string[] =>
  [...rows].sort((a, b) => a.createdAt - b.createdAt || a.id.length - b.id.length || binary(a.id, b.id)).map((r) => r.id);

/** Two creation times, each shared by several awkward ids. */
const timed = (prefix: string) => AWKWARD_IDS.map((s, i) => ({ id: `${prefix}${s}`, createdAt: i % 2 ? FAR : 7 }));

export function inventoryContract(ctx: Ctx): void {
  describe('inventory', () => {
    it('round-trips datacenters and lists them by creation time then id', async () => {
      const inv = ctx.store.repos.inventory;
      expect(await inv.getDatacenter('dc-1')).toBeUndefined();
      const rows = timed('dc').map((r) => ({ ...r, name: `DC ${r.id}` }));
      for (const r of scrambled(rows)) await inv.insertDatacenter(r);
      expect((await inv.listDatacenters()).map((r) => r.id)).toEqual(byCreation(rows));
      expect(await inv.getDatacenter(rows[1].id)).toEqual(rows[1]);
    });

    it('round-trips folders, with and without datacenter and parent', async () => {
      const inv = ctx.store.repos.inventory;
      const root = { id: 'group-d1', name: 'Datacenters', type: 'DATACENTER' as const, datacenterId: null, parentId: null, createdAt: FAR };
      await inv.insertFolder(root);
      const rows = timed('f').map((r) => ({ ...r, name: `F ${r.id}`, type: 'VIRTUAL_MACHINE' as const, datacenterId: 'dc-1', parentId: 'group-d1' }));
      for (const r of scrambled(rows)) await inv.insertFolder(r);
      expect(await inv.getFolder('group-d1')).toEqual(root);
      expect(await inv.getFolder(rows[0].id)).toEqual(rows[0]);
      expect(await inv.getFolder('nope')).toBeUndefined();
      expect((await inv.listFolders()).map((r) => r.id)).toEqual(byCreation([...rows, root]));
    });

    it('round-trips clusters with both boolean values', async () => {
      const inv = ctx.store.repos.inventory;
      const rows = timed('c').map((r, i) => cluster(r.id, { createdAt: r.createdAt, haEnabled: i % 3 === 0, drsEnabled: i % 2 === 0 }));
      for (const r of scrambled(rows)) await inv.insertCluster(r);
      for (const r of rows) expect(await inv.getCluster(r.id)).toEqual(r);
      expect(await inv.getCluster('nope')).toBeUndefined();
      expect((await inv.listClusters()).map((r) => r.id)).toEqual(byCreation(rows));
      expect(await inv.listClusters()).toEqual(byCreation(rows).map((id) => rows.find((r) => r.id === id)));
    });

    it('round-trips hosts and resource pools', async () => {
      const inv = ctx.store.repos.inventory;
      const hosts = timed('h').map((r) => ({ ...r, name: `esx-${r.id}`, clusterId: 'c-1', connectionState: 'NOT_RESPONDING' as const, powerState: 'STANDBY' as const }));
      for (const r of scrambled(hosts)) await inv.insertHost(r);
      expect(await inv.getHost(hosts[2].id)).toEqual(hosts[2]);
      expect(await inv.getHost('nope')).toBeUndefined();
      expect((await inv.listHosts()).map((r) => r.id)).toEqual(byCreation(hosts));

      const pools = timed('rp').map((r, i) => ({ ...r, name: `Pool ${r.id}`, clusterId: 'c-1', parentId: i === 0 ? null : 'rp-root' }));
      for (const r of scrambled(pools)) await inv.insertResourcePool(r);
      expect(await inv.getResourcePool(pools[0].id)).toEqual(pools[0]);
      expect(await inv.getResourcePool(pools[1].id)).toEqual(pools[1]);
      expect(await inv.getResourcePool('nope')).toBeUndefined();
      expect((await inv.listResourcePools()).map((r) => r.id)).toEqual(byCreation(pools));
    });
  });

  describe('vms', () => {
    const full = vm('vm-full', { memoryMib: BIG, createdAt: FAR, name: "O'Brien %_ ünï", cpuCount: 128, coresPerSocket: 64 });
    const bare = vm('vm-bare', { clusterId: null, hostId: null, folderId: null, resourcePoolId: null, deletedAt: FAR + 1, powerState: 'POWERED_OFF' });

    it('round-trips every field including nulls', async () => {
      const { vms } = ctx.store.repos;
      await vms.insert(full);
      await vms.insert(bare);
      expect(await vms.get('vm-full')).toEqual(full);
      expect(await vms.get('vm-bare')).toEqual(bare);
      expect(await vms.get('nope')).toBeUndefined();
    });

    it('lists by creation time then id, hiding deleted VMs unless asked', async () => {
      const { vms } = ctx.store.repos;
      const rows = timed('vm').map((r) => vm(r.id, { createdAt: r.createdAt }));
      for (const r of scrambled(rows)) await vms.insert(r);
      await vms.insert(bare);
      expect((await vms.list()).map((v) => v.id)).toEqual(byCreation(rows));
      expect((await vms.list({})).map((v) => v.id)).toEqual(byCreation(rows));
      expect((await vms.list({ includeDeleted: true })).map((v) => v.id)).toEqual(byCreation([...rows, bare]));
      expect(await vms.list({ ids: ['vm-bare'] })).toEqual([]);
      expect(await vms.list({ ids: ['vm-bare'], includeDeleted: true })).toEqual([bare]);
    });

    it('filters by ids, names, clusters, hosts and power states (AND); empty sets match nothing', async () => {
      const { vms } = ctx.store.repos;
      const rows: Vm[] = [
        vm('a', { name: 'web-1', clusterId: 'c-1', hostId: 'h-1', powerState: 'POWERED_ON', createdAt: 1 }),
        vm('b', { name: 'web_1', clusterId: 'c-1', hostId: 'h-2', powerState: 'POWERED_OFF', createdAt: 2 }),
        vm('c', { name: 'WEB-1', clusterId: 'c-2', hostId: 'h-3', powerState: 'SUSPENDED', createdAt: 3 }),
        vm('d', { name: 'web-%', clusterId: 'c-2', hostId: 'h-3', powerState: 'POWERED_ON', createdAt: 4 }),
      ];
      for (const r of scrambled(rows)) await vms.insert(r);
      const ids = async (f: Parameters<typeof vms.list>[0]) => (await vms.list(f)).map((v) => v.id);
      expect(await ids({ ids: ['d', 'a', 'zz'] })).toEqual(['a', 'd']);
      expect(await ids({ names: ['web-1'] })).toEqual(['a']);
      expect(await ids({ names: ['web-%', 'web_1'] })).toEqual(['b', 'd']);
      expect(await ids({ clusterIds: ['c-2'] })).toEqual(['c', 'd']);
      expect(await ids({ hostIds: ['h-1', 'h-2'] })).toEqual(['a', 'b']);
      expect(await ids({ powerStates: ['POWERED_ON'] })).toEqual(['a', 'd']);
      expect(await ids({ clusterIds: ['c-1'], powerStates: ['POWERED_OFF', 'SUSPENDED'] })).toEqual(['b']);
      expect(await ids({ ids: ['a', 'c'], names: ['WEB-1'], hostIds: ['h-3'] })).toEqual(['c']);
      for (const key of ['ids', 'names', 'clusterIds', 'hostIds', 'powerStates'] as const) {
        expect(await ids({ [key]: [] })).toEqual([]);
        expect(await ids({ [key]: [], includeDeleted: true })).toEqual([]);
      }
    });

    it('updates the given fields only, including to null', async () => {
      const { vms } = ctx.store.repos;
      await vms.insert(full);
      await vms.insert(vm('other'));
      await vms.update('vm-full', { clusterId: null, hostId: null, deletedAt: FAR + 5, powerState: 'POWERED_OFF', memoryMib: BIG + 2 });
      const expected = { ...full, clusterId: null, hostId: null, deletedAt: FAR + 5, powerState: 'POWERED_OFF', memoryMib: BIG + 2 };
      expect(await vms.get('vm-full')).toEqual(expected);
      await vms.update('vm-full', {});
      await vms.update('vm-full', { deletedAt: null, name: 'back' });
      expect(await vms.get('vm-full')).toEqual({ ...expected, deletedAt: null, name: 'back' });
      expect(await vms.get('other')).toEqual(vm('other'));
      await vms.update('nope', { name: 'x' });
      expect(await vms.get('nope')).toBeUndefined();
    });
  });

  describe('disks', () => {
    it('round-trips, lists by disk key, updates and deletes per VM', async () => {
      const { disks } = ctx.store.repos;
      const rows = [disk('vm-1', 2002, { epoch: FAR }), disk('vm-1', 2000, { headLayerId: BIG }), disk('vm-1', 2001)];
      for (const d of rows) await disks.insert(d);
      await disks.insert(disk('vm-2', 2000));
      expect(await disks.get('vm-1', 2000)).toEqual(rows[1]);
      expect(await disks.get('vm-1', 2002)).toEqual(rows[0]);
      expect(await disks.get('vm-1', 9)).toBeUndefined();
      expect(await disks.get('vm-9', 2000)).toBeUndefined();
      expect((await disks.listForVm('vm-1')).map((d) => d.diskKey)).toEqual([2000, 2001, 2002]);
      expect(await disks.listForVm('vm-9')).toEqual([]);

      await disks.update('vm-1', 2001, { headLayerId: 77, epoch: FAR + 1, sequenceUuid: 'new-seq' });
      expect(await disks.get('vm-1', 2001)).toEqual({ ...rows[2], headLayerId: 77, epoch: FAR + 1, sequenceUuid: 'new-seq' });
      await disks.update('vm-1', 2000, { epoch: 4 });
      expect(await disks.get('vm-1', 2000)).toEqual({ ...rows[1], epoch: 4 });
      expect(await disks.get('vm-2', 2000)).toEqual(disk('vm-2', 2000));

      await disks.deleteForVm('vm-1');
      expect(await disks.listForVm('vm-1')).toEqual([]);
      expect(await disks.listForVm('vm-2')).toEqual([disk('vm-2', 2000)]);
      await disks.deleteForVm('vm-9');
    });
  });
}
