import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, createDatacenter, createFolder, createHost } from '../../src/engine/inventory.ts';
import { makeApp, type TestApp, type Who } from '../helpers/app.ts';
import { activeTask, addUser, demo, expectError, expectOk, finishTask, ODD_IDS } from './vcenter-helpers.ts';

let t: TestApp;
let D: Awaited<ReturnType<typeof demo>>;
/** Fixtures beyond the demo seed. */
const X = { prod: '', noDrs: '', noDrsHost: '', empty: '', dc2: '', dc2Folder: '', dc2Cluster: '', dc2Host: '', down: '' };

beforeAll(async () => {
  t = await makeApp();
  D = await demo(t);
  const now = t.clock.now();
  await t.runtime.deps.store.transaction(async (tx) => {
    X.prod = (await createFolder(tx, 'Prod', D.dc, D.vmFolder, now)).id;
    const noDrs = await createCluster(tx, { name: 'Cluster-NoDRS', datacenterId: D.dc, drsEnabled: false, haEnabled: true }, now);
    X.noDrs = noDrs.id;
    X.noDrsHost = (await createHost(tx, 'esxi-n-01.lab.local', noDrs.id, now)).id;
    X.empty = (await createCluster(tx, { name: 'Cluster-Empty', datacenterId: D.dc, drsEnabled: true, haEnabled: true }, now)).id;
    const { dc, vmFolder } = await createDatacenter(tx, 'DC-2', now);
    X.dc2 = dc.id;
    X.dc2Folder = vmFolder.id;
    const c2 = await createCluster(tx, { name: 'Cluster-C', datacenterId: dc.id, drsEnabled: true, haEnabled: true }, now);
    X.dc2Cluster = c2.id;
    X.dc2Host = (await createHost(tx, 'esxi-c-01.lab.local', c2.id, now)).id;
    X.down = `host-${await tx.ids.next()}`;
    await tx.inventory.insertHost({ id: X.down, name: 'esxi-b-09.lab.local', clusterId: D.B, connectionState: 'NOT_RESPONDING', powerState: 'POWERED_ON', createdAt: now });
  });
});
afterAll(() => t.close());

const repos = () => t.runtime.deps.store.repos;
const vmNow = async (id: string) => (await repos().vms.get(id))!;
const relocate = (vm: string, payload: unknown, as: Who | null = 'admin', headers: Record<string, string> = {}) =>
  t.req({ method: 'POST', url: `/api/vcenter/vm/${vm}?action=relocate`, payload: payload as string, as, headers: { 'content-type': 'application/json', ...headers } });
const relocateWith = (vm: string, payload: unknown, authorization: string) =>
  t.req({ method: 'POST', url: `/api/vcenter/vm/${vm}?action=relocate`, payload: payload as object, as: null, headers: { authorization } });

describe('POST /api/vcenter/vm/{vm}?action=relocate', () => {
  it('moves a powered-off VM to another cluster: a DRS-chosen host, the root pool, same folder; 204', async () => {
    const id = D.vm('test-01');
    const before = await vmNow(id);
    const res = await relocate(id, { placement: { cluster: D.A } });
    expectOk(res, 204);
    expect(res.body).toBe('');
    const after = await vmNow(id);
    expect(after).toMatchObject({ clusterId: D.A, lastClusterId: D.A, resourcePoolId: D.rootPoolA, folderId: before.folderId, powerState: 'POWERED_OFF' });
    expect(D.hostsOf(D.A)).toContain(after.hostId);
    const inA = expectOk(await t.req({ method: 'GET', url: `/api/vcenter/vm?clusters=${D.A}` })).map((v: any) => v.vm);
    expect(inA).toContain(id);
    expect(expectOk(await t.req({ method: 'GET', url: `/api/vcenter/vm?hosts=${after.hostId}` })).map((v: any) => v.vm)).toContain(id);
    // Its snapshots stay in the old cluster, where Snapservice now shows it as gone.
    const snaps = await repos().snapshots.list({ vmId: id });
    expect(snaps.length).toBe(2);
    for (const s of snaps) expect(s.clusterId).toBe(D.B);
    const view = expectOk(await t.req({ method: 'GET', url: `/api/snapservice/clusters/${D.B}/virtual-machines/${id}` }));
    expect(view.in_cluster).toBe(false);
    expect(expectOk(await t.req({ method: 'GET', url: `/api/snapservice/clusters/${D.A}/virtual-machines/${id}` })).in_cluster).toBe(true);
  });

  it('picks the least loaded host of the target cluster', async () => {
    const id = D.vm('test-02');
    expectOk(await relocate(id, { placement: { cluster: D.A } }), 204);
    const chosen = (await vmNow(id)).hostId!;
    const current = await repos().vms.list({ clusterIds: [D.A] });
    const counts = D.hostsOf(D.A).map((h) => current.filter((v) => v.hostId === h && v.id !== id).length);
    expect(current.filter((v) => v.hostId === chosen && v.id !== id).length).toBe(Math.min(...counts));
  });

  it('moves to a named host (the cluster follows), and hot-migrates a running VM', async () => {
    const id = D.vm('build-01');
    expect((await vmNow(id)).powerState).toBe('POWERED_ON');
    const a3 = D.host('esxi-a-03.lab.local');
    expectOk(await relocate(id, { placement: { host: a3 } }), 204);
    expect(await vmNow(id)).toMatchObject({ clusterId: D.A, hostId: a3, resourcePoolId: D.rootPoolA, powerState: 'POWERED_ON' });
    // Host and cluster together, back again, into a named pool.
    const b2 = D.host('esxi-b-02.lab.local');
    expectOk(await relocate(id, { placement: { cluster: D.B, host: b2, resource_pool: D.rootPoolB } }), 204);
    expect(await vmNow(id)).toMatchObject({ clusterId: D.B, lastClusterId: D.B, hostId: b2, resourcePoolId: D.rootPoolB });
  });

  it('moves within a cluster: host, pool and folder change alone', async () => {
    const id = D.vm('web-02');
    const before = await vmNow(id);
    const other = D.hostsOf(D.A).find((h) => h !== before.hostId)!;
    expectOk(await relocate(id, { placement: { host: other } }), 204);
    expect(await vmNow(id)).toMatchObject({ clusterId: D.A, hostId: other, resourcePoolId: before.resourcePoolId, folderId: before.folderId });
    expectOk(await relocate(id, { placement: { resource_pool: D.production } }), 204);
    expect(await vmNow(id)).toMatchObject({ clusterId: D.A, hostId: other, resourcePoolId: D.production });
    expect(expectOk(await t.req({ method: 'GET', url: `/api/vcenter/vm?resource_pools=${D.production}` })).map((v: any) => v.vm)).toEqual([id]);
    expectOk(await relocate(id, { placement: { folder: X.prod } }), 204);
    expect((await vmNow(id)).folderId).toBe(X.prod);
    expect(expectOk(await t.req({ method: 'GET', url: `/api/vcenter/vm?folders=${X.prod}` })).map((v: any) => v.vm)).toEqual([id]);
  });

  it('an empty spec, or one naming where the VM already is, changes nothing', async () => {
    const id = D.vm('web-03');
    const before = await vmNow(id);
    for (const spec of [{}, { placement: {} }, { placement: null }, { disks: {} }, { placement: { cluster: D.A, host: before.hostId, folder: before.folderId, resource_pool: before.resourcePoolId } }]) {
      expectOk(await relocate(id, spec), 204);
      expect(await vmNow(id)).toEqual(before);
    }
  });

  it('moves to another datacenter only with a folder there', async () => {
    const id = D.vm('backup-01');
    expectError(await relocate(id, { placement: { cluster: X.dc2Cluster } }), 'INVALID_ARGUMENT', 'spec.placement.folder');
    expectError(await relocate(id, { placement: { cluster: X.dc2Cluster, folder: D.vmFolder } }), 'INVALID_ARGUMENT', 'spec.placement.folder');
    expectOk(await relocate(id, { placement: { cluster: X.dc2Cluster, folder: X.dc2Folder } }), 204);
    expect(await vmNow(id)).toMatchObject({ clusterId: X.dc2Cluster, hostId: X.dc2Host, folderId: X.dc2Folder });
    expect(expectOk(await t.req({ method: 'GET', url: `/api/vcenter/vm?datacenters=${X.dc2}` })).map((v: any) => v.vm)).toEqual([id]);
  });

  it('400 INVALID_ARGUMENT when the targets do not fit together', async () => {
    const id = D.vm('test-01');
    const before = await vmNow(id);
    const b1 = D.host('esxi-b-01.lab.local');
    expectError(await relocate(id, { placement: { cluster: D.A, host: b1 } }), 'INVALID_ARGUMENT', 'spec.placement.host');
    expectError(await relocate(id, { placement: { cluster: D.B, resource_pool: D.production } }), 'INVALID_ARGUMENT', 'spec.placement.resource_pool');
    expectError(await relocate(id, { placement: { host: b1, resource_pool: D.production } }), 'INVALID_ARGUMENT', 'spec.placement.resource_pool');
    expectError(await relocate(id, { placement: { folder: D.hostFolder } }), 'INVALID_ARGUMENT', 'spec.placement.folder');
    expectError(await relocate(id, { placement: { folder: D.rootFolder } }), 'INVALID_ARGUMENT', 'spec.placement.folder');
    // No DRS: somebody must name the host.
    expectError(await relocate(id, { placement: { cluster: X.noDrs } }), 'INVALID_ARGUMENT', 'spec.placement.host');
    expectError(await relocate(id, { placement: { resource_pool: (await repos().inventory.getCluster(X.noDrs))!.resourcePoolId } }), 'INVALID_ARGUMENT', 'spec.placement.host');
    // Disk placement names datastores, and this server has none to offer.
    expectError(await relocate(id, { disks: { 2000: {} } }), 'INVALID_ARGUMENT', 'spec.disks[2000].datastore');
    expect(await vmNow(id)).toEqual(before);
    expectOk(await relocate(id, { placement: { cluster: X.noDrs, host: X.noDrsHost } }), 204);
    expect(await vmNow(id)).toMatchObject({ clusterId: X.noDrs, hostId: X.noDrsHost });
    expectOk(await relocate(id, { placement: { cluster: D.A } }), 204);
  });

  it('RESOURCE_INACCESSIBLE when no host can take the VM', async () => {
    const id = D.vm('jump-01');
    expectError(await relocate(id, { placement: { host: X.down } }), 'RESOURCE_INACCESSIBLE', X.down);
    expectError(await relocate(id, { placement: { cluster: X.empty } }), 'RESOURCE_INACCESSIBLE', X.empty);
    expect((await vmNow(id)).clusterId).toBe(D.B);
  });

  it('404 NOT_FOUND for any object the spec names that does not exist, datastores included', async () => {
    const id = D.vm('jump-01');
    expectError(await relocate(id, { placement: { cluster: 'domain-c999' } }), 'NOT_FOUND', 'domain-c999');
    expectError(await relocate(id, { placement: { cluster: D.host('esxi-a-01.lab.local') } }), 'NOT_FOUND');
    expectError(await relocate(id, { placement: { host: 'host-999' } }), 'NOT_FOUND', 'host-999');
    expectError(await relocate(id, { placement: { resource_pool: 'resgroup-999' } }), 'NOT_FOUND', 'resgroup-999');
    expectError(await relocate(id, { placement: { folder: 'group-v999' } }), 'NOT_FOUND', 'group-v999');
    expectError(await relocate(id, { placement: { datastore: 'datastore-1' } }), 'NOT_FOUND', 'datastore-1');
    expectError(await relocate(id, { disks: { 2000: { datastore: 'datastore-1' } } }), 'NOT_FOUND', 'datastore-1');
    for (const odd of ['../x', '\u2603', 'x'.repeat(10_000)]) expectError(await relocate(id, { placement: { cluster: odd } }), 'NOT_FOUND');
    expect((await vmNow(id)).clusterId).toBe(D.B);
  });

  it('404 for unknown and odd VM ids, before privileges and the body', async () => {
    expectError(await relocate('vm-99999', { placement: { cluster: D.A } }), 'NOT_FOUND', 'vm-99999');
    expectError(await relocate('vm-99999', '{bad', 'readonly'), 'NOT_FOUND');
    for (const odd of ODD_IDS) expectError(await relocate(odd, {}), 'NOT_FOUND');
  });

  it('400 INVALID_ARGUMENT for malformed or wrongly shaped bodies', async () => {
    const id = D.vm('jump-01');
    expectError(await relocate(id, '{"placement":'), 'INVALID_ARGUMENT', 'not valid JSON');
    expectError(await t.req({ method: 'POST', url: `/api/vcenter/vm/${id}?action=relocate` }), 'INVALID_ARGUMENT', 'spec');
    expectError(await relocate(id, { spec: { placement: { cluster: D.A } } }), 'INVALID_ARGUMENT', 'spec.spec');
    expectError(await relocate(id, { placement: { cluster: D.A }, force: true }), 'INVALID_ARGUMENT', 'spec.force');
    expectError(await relocate(id, { placement: { cluster: D.A, pool: D.rootPoolA } }), 'INVALID_ARGUMENT', 'spec.placement.pool');
    expectError(await relocate(id, { placement: { cluster: 5 } }), 'INVALID_ARGUMENT', 'spec.placement.cluster');
    expectError(await relocate(id, { placement: [D.A] }), 'INVALID_ARGUMENT', 'spec.placement');
    expectError(await relocate(id, { placement: D.A }), 'INVALID_ARGUMENT', 'spec.placement');
    expectError(await relocate(id, { disks: [] }), 'INVALID_ARGUMENT', 'spec.disks');
    expectError(await relocate(id, { disks: { 2000: { datastore: 1 } } }), 'INVALID_ARGUMENT', 'spec.disks[2000].datastore');
    expectError(await relocate(id, '[]'), 'INVALID_ARGUMENT', 'spec');
    expectError(await relocate(id, '"x"'), 'INVALID_ARGUMENT', 'spec');
    expectError(await relocate(id, 'placement=x', 'admin', { 'content-type': 'application/x-www-form-urlencoded' }), 'INVALID_REQUEST', 'content type');
    expectError(await t.req({ method: 'POST', url: `/api/vcenter/vm/${id}?action=relocate&cluster=${D.A}`, payload: {} }), 'INVALID_ARGUMENT', 'cluster');
    expect((await vmNow(id)).clusterId).toBe(D.B);
  });

  it('dispatch: no action, an unknown one, or a task variant do not exist', async () => {
    const id = D.vm('jump-01');
    expectError(await t.req({ method: 'POST', url: `/api/vcenter/vm/${id}`, payload: {} }), 'OPERATION_NOT_FOUND');
    expectError(await t.req({ method: 'POST', url: `/api/vcenter/vm/${id}?action=migrate`, payload: {} }), 'OPERATION_NOT_FOUND', 'migrate');
    expectError(await t.req({ method: 'POST', url: `/api/vcenter/vm/${id}?action=relocate&vmw-task=true`, payload: {} }), 'OPERATION_NOT_FOUND');
  });

  it('401 first; then 403 naming Resource.ColdMigrate or Resource.HotMigrate, before the body', async () => {
    expectError(await relocate(D.vm('jump-01'), { placement: { cluster: D.A } }, null), 'UNAUTHENTICATED');
    expectError(await relocate(D.vm('jump-01'), '{bad', 'readonly'), 'UNAUTHORIZED', 'Resource.ColdMigrate');
    expectError(await relocate(D.vm('analytics-01'), { placement: { cluster: D.A } }, 'readonly'), 'UNAUTHORIZED', 'Resource.HotMigrate');
    expectError(await relocate(D.vm('web-01'), { placement: { cluster: D.B } }, 'operator'), 'UNAUTHORIZED', 'Resource.HotMigrate');
    expectError(await relocate(D.vm('analytics-02'), { placement: { cluster: D.A } }, 'operator'), 'UNAUTHORIZED', 'Resource.ColdMigrate');
    expect((await vmNow(D.vm('jump-01'))).clusterId).toBe(D.B);
  });

  it('403 for Resource.AssignVMToPool on the target pool, VirtualMachine.Inventory.Move for a new folder, System.Read on targets', async () => {
    const id = D.vm('analytics-02');
    const migrateOnly = await addUser(t, [{ on: D.dc, privileges: ['System.Read', 'Resource.ColdMigrate'] }]);
    expectError(await relocateWith(id, { placement: { cluster: D.A } }, migrateOnly), 'UNAUTHORIZED', 'Resource.AssignVMToPool');
    expectError(await relocateWith(id, { placement: { folder: X.prod } }, migrateOnly), 'UNAUTHORIZED', 'VirtualMachine.Inventory.Move');
    const other = D.hostsOf(D.B).find((h) => h !== (D.vms.find((v) => v.id === id)!.hostId))!;
    expectOk(await relocateWith(id, { placement: { host: other } }, migrateOnly), 204);

    const pools = await addUser(t, [
      { on: D.dc, privileges: ['System.Read', 'Resource.ColdMigrate'] },
      { on: D.rootPoolA, privileges: ['System.Read', 'Resource.AssignVMToPool'], propagate: false },
    ]);
    expectError(await relocateWith(id, { placement: { resource_pool: D.production } }, pools), 'UNAUTHORIZED', 'Resource.AssignVMToPool');
    expectOk(await relocateWith(id, { placement: { cluster: D.A } }, pools), 204);
    expect(await vmNow(id)).toMatchObject({ clusterId: D.A, resourcePoolId: D.rootPoolA });

    // Migrate rights on the VM's cluster only: the other cluster is not readable.
    const narrow = await addUser(t, [{ on: D.A, privileges: ['System.Read', 'Resource.ColdMigrate', 'Resource.AssignVMToPool'] }]);
    expectError(await relocateWith(id, { placement: { cluster: D.B } }, narrow), 'UNAUTHORIZED', 'System.Read');
    expectError(await relocateWith(id, { placement: { host: D.host('esxi-b-01.lab.local') } }, narrow), 'UNAUTHORIZED', 'System.Read');
    expectError(await relocateWith(id, { placement: { folder: X.prod } }, narrow), 'UNAUTHORIZED', 'System.Read');
    expectOk(await relocateWith(id, { placement: { resource_pool: D.production } }, narrow), 204);
  });

  it('RESOURCE_BUSY while a recovery task is pending or running on the VM', async () => {
    const id = D.vm('test-02');
    const before = await vmNow(id);
    const task = await activeTask(t, id, 'vm.restore');
    expectError(await relocate(id, { placement: { cluster: D.B } }), 'RESOURCE_BUSY', task.id);
    expectError(await relocate(id, {}), 'RESOURCE_BUSY');
    expect(await vmNow(id)).toEqual(before);
    // Privileges, lookups and the body are still checked first.
    expectError(await relocate(id, { placement: { cluster: D.B } }, 'readonly'), 'UNAUTHORIZED');
    expectError(await relocate(id, { placement: { cluster: 'domain-c999' } }), 'NOT_FOUND');
    expectError(await relocate(id, { placement: { cluster: D.A, host: D.host('esxi-b-01.lab.local') } }), 'INVALID_ARGUMENT');
    await finishTask(t, task);
    expectOk(await relocate(id, { placement: { cluster: D.B } }), 204);
  });
});

describe('DELETE /api/vcenter/vm/{vm}', () => {
  it('refuses a running VM with NOT_ALLOWED_IN_CURRENT_STATE', async () => {
    const id = D.vm('db-01');
    expectError(await t.req({ method: 'DELETE', url: `/api/vcenter/vm/${id}` }), 'NOT_ALLOWED_IN_CURRENT_STATE', 'powered on');
    expect((await vmNow(id)).deletedAt).toBeNull();
  });

  it('403 naming VirtualMachine.Inventory.Delete; 401 without credentials; 404 for unknown ids', async () => {
    const id = D.vm('db-02');
    expectError(await t.req({ method: 'DELETE', url: `/api/vcenter/vm/${id}`, as: 'readonly' }), 'UNAUTHORIZED', 'VirtualMachine.Inventory.Delete');
    expectError(await t.req({ method: 'DELETE', url: `/api/vcenter/vm/${id}`, as: 'operator' }), 'UNAUTHORIZED', 'VirtualMachine.Inventory.Delete');
    expectError(await t.req({ method: 'DELETE', url: `/api/vcenter/vm/${id}`, as: null }), 'UNAUTHENTICATED');
    expectError(await t.req({ method: 'DELETE', url: '/api/vcenter/vm/vm-99999' }), 'NOT_FOUND');
    for (const odd of ODD_IDS) expectError(await t.req({ method: 'DELETE', url: `/api/vcenter/vm/${odd}` }), 'NOT_FOUND');
    expectError(await t.req({ method: 'DELETE', url: `/api/vcenter/vm/${id}?force=true` }), 'INVALID_ARGUMENT', 'force');
    expectError(await t.req({ method: 'DELETE', url: `/api/vcenter/vm/${id}?vmw-task=true` }), 'OPERATION_NOT_FOUND');
    expect((await vmNow(id)).deletedAt).toBeNull();
  });

  it('RESOURCE_BUSY while a recovery task holds the VM', async () => {
    const id = D.vm('db-02');
    const task = await activeTask(t, id, 'vm.linked_clone', 'RUNNING');
    expectError(await t.req({ method: 'DELETE', url: `/api/vcenter/vm/${id}` }), 'RESOURCE_BUSY', task.id);
    expect((await vmNow(id)).deletedAt).toBeNull();
    await finishTask(t, task);
  });

  it('deletes a powered-off VM: 204, gone from vCenter, disks dropped, snapshots kept', async () => {
    const id = D.vm('db-02');
    const res = await t.req({ method: 'DELETE', url: `/api/vcenter/vm/${id}` });
    expectOk(res, 204);
    expect(res.body).toBe('');
    const vm = await vmNow(id);
    expect(vm).toMatchObject({ deletedAt: t.clock.now(), clusterId: null, hostId: null, lastClusterId: D.A });
    expect(await repos().disks.listForVm(id)).toEqual([]);
    expect((await repos().snapshots.list({ vmId: id })).length).toBe(2);
    expectError(await t.req({ method: 'GET', url: `/api/vcenter/vm/${id}` }), 'NOT_FOUND');
    expectError(await t.req({ method: 'GET', url: `/api/vcenter/vm/${id}/power` }), 'NOT_FOUND');
    expectError(await t.req({ method: 'POST', url: `/api/vcenter/vm/${id}/power?action=start` }), 'NOT_FOUND');
    expectError(await relocate(id, { placement: { cluster: D.A } }), 'NOT_FOUND');
    expectError(await t.req({ method: 'DELETE', url: `/api/vcenter/vm/${id}` }), 'NOT_FOUND');
    expect(expectOk(await t.req({ method: 'GET', url: `/api/vcenter/vm?vms=${id}` }))).toEqual([]);
    expect(expectOk(await t.req({ method: 'GET', url: '/api/vcenter/vm?names=db-02' }))).toEqual([]);
    // Snapservice still knows it in its old cluster, as gone.
    expect(expectOk(await t.req({ method: 'GET', url: `/api/snapservice/clusters/${D.A}/virtual-machines/${id}` })).in_cluster).toBe(false);
  });

  it('refuses to delete a suspended VM (it must be powered off)', async () => {
    const id = D.vm('app-01');
    expectOk(await t.req({ method: 'POST', url: `/api/vcenter/vm/${id}/power?action=suspend` }), 204);
    expectError(await t.req({ method: 'DELETE', url: `/api/vcenter/vm/${id}` }), 'NOT_ALLOWED_IN_CURRENT_STATE');
    expectOk(await t.req({ method: 'POST', url: `/api/vcenter/vm/${id}/power?action=stop` }), 204);
    expectOk(await t.req({ method: 'DELETE', url: `/api/vcenter/vm/${id}` }), 204);
    expect((await vmNow(id)).deletedAt).not.toBeNull();
  });
});
