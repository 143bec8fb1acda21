import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, createDatacenter, createFolder, createHost, createVm } from '../../src/engine/inventory.ts';
import { takeVmSnapshot } from '../../src/engine/snapshots.ts';
import { makeApp, type TestApp, type Who } from '../helpers/app.ts';
import { activeTask, addUser, demo, expectError, finishTask } from './vcenter-helpers.ts';

/**
 * Restore and linked clone share their checks; each runs in this order:
 * 401; 404 cluster, VM; 403 cluster (and, for a clone, the source VM); 400 malformed body;
 * 400 spec.snapshot, spec.name; 400 placement objects that do not exist; 403 on the effective
 * folder and pool; 400 placement that does not fit; 400 NOT_ALLOWED_IN_CURRENT_STATE (source
 * still in the cluster for restore, an operation on the VM, the cap); 400 ALREADY_EXISTS.
 */
const OPS = [
  { action: 'restore', folderPrivilege: 'VirtualMachine.Inventory.Create', vmPrivilege: undefined, capKey: 'maxConcurrentRestores', cap: 'restore' },
  { action: 'linked-clone', folderPrivilege: 'VirtualMachine.Inventory.CreateFromExisting', vmPrivilege: 'VirtualMachine.Provisioning.Clone', capKey: 'maxConcurrentClones', cap: 'linked clone' },
] as const;

type Res = Awaited<ReturnType<TestApp['req']>>;
let names = 0;
const fresh = () => `made-${++names}`;

describe.each(OPS)('$action: checks in the documented order', (op) => {
  let t: TestApp;
  let D: Awaited<ReturnType<typeof demo>>;
  const X = { prod: '', dc2Folder: '', noDrs: '', noDrsPool: '', noDrsHost: '', noDrsGone: '', noDrsSnap: '', down: '', gone: '', moved: '', movedSnapB: '' };
  const snap = async (vm: string, name = 'daily-1') => (await t.runtime.deps.store.repos.snapshots.list({ vmId: vm, names: [name] }))[0].id;
  const url = (cluster: string, vm: string, query = `action=${op.action}&vmw-task=true`) => `/api/snapservice/clusters/${cluster}/virtual-machines/${vm}?${query}`;
  const post = (cluster: string, vm: string, payload: unknown, as: Who | null | string = 'admin'): Promise<Res> => {
    const who = typeof as === 'string' && as.startsWith('Basic ') ? { as: null, headers: { authorization: as, 'content-type': 'application/json' } } : { as: as as Who | null, headers: { 'content-type': 'application/json' } };
    return t.req({ method: 'POST', url: url(cluster, vm), payload: payload as string, ...who });
  };
  /** A body for the gone VM that passes every check unless `extra` breaks one. */
  const body = async (extra: Record<string, unknown> = {}) => ({ snapshot: await snap(X.gone), name: fresh(), ...extra });
  const expectAccepted = (res: Res) => {
    expect(res.statusCode, res.body).toBe(202);
    expect(typeof res.json()).toBe('string');
  };

  beforeAll(async () => {
    t = await makeApp({ taskDelayMs: 1000, taskQueueMs: 0 });
    D = await demo(t);
    const now = t.clock.now();
    const { store, config } = t.runtime.deps;
    await store.transaction(async (tx) => {
      X.prod = (await createFolder(tx, 'Prod', D.dc, D.vmFolder, now)).id;
      X.dc2Folder = (await createDatacenter(tx, 'DC-2', now)).vmFolder.id;
      const noDrs = await createCluster(tx, { name: 'Cluster-NoDRS', datacenterId: D.dc, drsEnabled: false, haEnabled: true }, now);
      X.noDrs = noDrs.id;
      X.noDrsPool = noDrs.resourcePoolId;
      X.noDrsHost = (await createHost(tx, 'esxi-n-01.lab.local', noDrs.id, now)).id;
      const vm = await createVm(tx, {
        name: 'legacy-01', clusterId: noDrs.id, hostId: X.noDrsHost, folderId: D.vmFolder, resourcePoolId: noDrs.resourcePoolId,
        powerState: 'POWERED_OFF', cpuCount: 1, memoryMib: 1024, guestOs: 'DEBIAN_12_64',
        disks: [{ diskKey: 2000, label: 'Hard disk 1', capacityBytes: 1 << 20, blockSize: 4096 }],
      }, now);
      X.noDrsSnap = (await takeVmSnapshot(tx, vm, { name: 'before', type: 'ONE_TIME', createdAt: now, expiresAt: null }, config.limits.snapshotsPerVm)).snapshot.id;
      await tx.vms.update(vm.id, { deletedAt: now, clusterId: null, hostId: null });
      X.noDrsGone = vm.id;
      X.down = `host-${await tx.ids.next()}`;
      await tx.inventory.insertHost({ id: X.down, name: 'esxi-a-09.lab.local', clusterId: D.A, connectionState: 'NOT_RESPONDING', powerState: 'POWERED_ON', createdAt: now });
    });
    X.gone = D.vm('web-03');
    expect((await t.req({ method: 'DELETE', url: `/api/vcenter/vm/${X.gone}` })).statusCode).toBe(204);
    // app-02 moves to Cluster-B and takes a snapshot there.
    X.moved = D.vm('app-02');
    expect((await t.req({ method: 'POST', url: `/api/vcenter/vm/${X.moved}?action=relocate`, payload: { placement: { cluster: D.B } } })).statusCode).toBe(204);
    const s = await t.req({ method: 'POST', url: `/api/sim/vms/${X.moved}/snapshots`, payload: { name: 'in-b' } });
    X.movedSnapB = s.json();
  });
  afterAll(() => t.close());

  it('401 before anything else', async () => {
    expectError(await post('domain-c999', 'vm-999', '{bad', null), 'UNAUTHENTICATED');
  });

  it('404 for an unknown cluster, then an unknown VM; a deleted VM is known', async () => {
    expectError(await post('domain-c999', X.gone, '{bad', 'readonly'), 'NOT_FOUND', 'domain-c999');
    expectError(await post(D.A, 'vm-99999', '{bad', 'readonly'), 'NOT_FOUND', 'vm-99999');
    expectError(await post(D.A, X.gone, '{bad', 'readonly'), 'UNAUTHORIZED', 'Host.Config.Storage');
  });

  it('403 on the cluster (and a clone source) before the body is read', async () => {
    expectError(await post(D.A, X.gone, '{bad', 'readonly'), 'UNAUTHORIZED', 'Host.Config.Storage');
    const storageOnly = await addUser(t, [{ on: D.dc, privileges: ['System.Read', 'Host.Config.Storage'] }]);
    const res = await post(D.A, X.gone, '{bad', storageOnly);
    if (op.vmPrivilege) expectError(res, 'UNAUTHORIZED', op.vmPrivilege);
    else expectError(res, 'INVALID_ARGUMENT', 'not valid JSON');
  });

  it('400 INVALID_ARGUMENT for a malformed body or a wrong snapshot or name', async () => {
    expectError(await post(D.A, X.gone, '{"snapshot":'), 'INVALID_ARGUMENT', 'not valid JSON');
    expectError(await post(D.A, X.gone, { name: fresh() }), 'INVALID_ARGUMENT', 'spec.snapshot');
    expectError(await post(D.A, X.gone, { snapshot: 42, name: fresh() }), 'INVALID_ARGUMENT', 'spec.snapshot');
    expectError(await post(D.A, X.gone, await body({ extra: 1 })), 'INVALID_ARGUMENT', 'spec.extra');
    expectError(await post(D.A, X.gone, await body({ placement: { datastore: 'x' } })), 'INVALID_ARGUMENT', 'spec.placement.datastore');
    if (op.action === 'linked-clone') expectError(await post(D.A, X.gone, { snapshot: await snap(X.gone) }), 'INVALID_ARGUMENT', 'spec.name');
    expectError(await post(D.A, X.gone, await body({ snapshot: 'nope' })), 'INVALID_ARGUMENT', 'spec.snapshot');
    expectError(await post(D.A, X.gone, await body({ snapshot: await snap(D.vm('web-01')) })), 'INVALID_ARGUMENT', 'not a snapshot of virtual machine');
    // A snapshot of this VM, but taken in another cluster.
    expectError(await post(D.A, X.moved, { snapshot: X.movedSnapB, name: fresh() }), 'INVALID_ARGUMENT', `in cluster ${D.A}`);
    expectError(await post(D.A, X.gone, await body({ name: '' })), 'INVALID_ARGUMENT', 'spec.name');
    expectError(await post(D.A, X.gone, await body({ name: 'x'.repeat(81) })), 'INVALID_ARGUMENT', 'spec.name');
  });

  it('400 for placement objects that do not exist, before the 403 on folder and pool', async () => {
    const noFolderRight = await addUser(t, [{ on: D.dc, privileges: ['System.Read', 'Host.Config.Storage', 'VirtualMachine.Provisioning.Clone'] }]);
    expectError(await post(D.A, X.gone, await body({ placement: { folder: 'group-v999' } }), noFolderRight), 'INVALID_ARGUMENT', 'spec.placement.folder');
    expectError(await post(D.A, X.gone, await body({ placement: { resource_pool: 'resgroup-999' } }), noFolderRight), 'INVALID_ARGUMENT', 'spec.placement.resource_pool');
    expectError(await post(D.A, X.gone, await body({ placement: { host: 'host-999' } }), noFolderRight), 'INVALID_ARGUMENT', 'spec.placement.host');
    // The default folder is the snapshot's (the datacenter's vm folder here), the default pool the cluster's root.
    expectError(await post(D.A, X.gone, await body(), noFolderRight), 'UNAUTHORIZED', `${op.folderPrivilege}' on Folder ${D.vmFolder}`);
    // 403 comes before a placement that does not fit.
    expectError(await post(D.A, X.gone, await body({ placement: { host: D.host('esxi-b-01.lab.local') } }), noFolderRight), 'UNAUTHORIZED', op.folderPrivilege);
    const noPoolRight = await addUser(t, [{ on: D.dc, privileges: ['System.Read', 'Host.Config.Storage', 'VirtualMachine.Provisioning.Clone', op.folderPrivilege] }]);
    expectError(await post(D.A, X.gone, await body(), noPoolRight), 'UNAUTHORIZED', `Resource.AssignVMToPool' on ResourcePool ${D.rootPoolA}`);
    // Rights on one folder and one pool only: placed there, the checks pass and the fit is judged.
    const narrow = await addUser(t, [
      { on: D.dc, privileges: ['System.Read', 'Host.Config.Storage', 'VirtualMachine.Provisioning.Clone'] },
      { on: X.prod, privileges: [op.folderPrivilege] },
      { on: D.production, privileges: ['Resource.AssignVMToPool'] },
    ]);
    expectError(await post(D.A, X.gone, await body(), narrow), 'UNAUTHORIZED', op.folderPrivilege);
    expectError(await post(D.A, X.gone, await body({ placement: { folder: X.prod } }), narrow), 'UNAUTHORIZED', 'Resource.AssignVMToPool');
    const placement = { folder: X.prod, resource_pool: D.production, host: D.host('esxi-b-01.lab.local') };
    expectError(await post(D.A, X.gone, await body({ placement }), narrow), 'INVALID_ARGUMENT', 'spec.placement.host');
    expectAccepted(await post(D.A, X.gone, await body({ placement: { ...placement, host: undefined } }), narrow));
    await t.advance(2000);
  });

  it('400 INVALID_ARGUMENT for a placement that does not fit the cluster', async () => {
    const b1 = D.host('esxi-b-01.lab.local');
    const a1 = D.host('esxi-a-01.lab.local');
    const cases: Array<[Record<string, string>, string]> = [
      [{ host: b1 }, `host ${b1} is not a member of cluster ${D.A}`],
      [{ resource_pool: D.rootPoolB }, `does not belong to cluster ${D.A}`],
      [{ host: a1, resource_pool: D.rootPoolB }, `does not belong to host ${a1}`],
      [{ folder: D.hostFolder }, 'cannot hold virtual machines'],
      [{ folder: D.rootFolder }, 'cannot hold virtual machines'],
      [{ folder: X.dc2Folder }, 'is not in datacenter'],
      [{ host: X.down }, 'connection state NOT_RESPONDING'],
    ];
    for (const [placement, text] of cases) expectError(await post(D.A, X.gone, await body({ placement })), 'INVALID_ARGUMENT', text);
  });

  it('without DRS the host is required; with it the VM may go there', async () => {
    const s = { snapshot: X.noDrsSnap, name: fresh() };
    expectError(await post(X.noDrs, X.noDrsGone, s), 'INVALID_ARGUMENT', "'spec.placement'");
    expectError(await post(X.noDrs, X.noDrsGone, { ...s, placement: { folder: D.vmFolder } }), 'INVALID_ARGUMENT', 'spec.placement.host');
    expectError(await post(X.noDrs, X.noDrsGone, { ...s, placement: { resource_pool: X.noDrsPool } }), 'INVALID_ARGUMENT', 'spec.placement.host');
    const ok = await post(X.noDrs, X.noDrsGone, { ...s, placement: { host: X.noDrsHost } });
    expectAccepted(ok);
    await t.advance(2000);
    const task = (await t.req({ method: 'GET', url: `/api/snapservice/tasks/${ok.json()}` })).json();
    expect(task.status).toBe('SUCCEEDED');
    expect(await t.runtime.deps.store.repos.vms.get(task.result)).toMatchObject({ clusterId: X.noDrs, hostId: X.noDrsHost, resourcePoolId: X.noDrsPool });
  });

  it('400 NOT_ALLOWED_IN_CURRENT_STATE after the body checks and before ALREADY_EXISTS', async () => {
    const present = D.vm('web-02');
    expectError(await post(D.A, present, { snapshot: 'nope', name: fresh() }), 'INVALID_ARGUMENT', 'spec.snapshot');
    const own = { snapshot: await snap(present), name: 'web-02' };
    if (op.action === 'restore') {
      // Still in the cluster: restore is for VMs gone from it, whatever the name.
      expectError(await post(D.A, present, own), 'NOT_ALLOWED_IN_CURRENT_STATE', 'still in cluster');
    } else {
      expectError(await post(D.A, present, own), 'ALREADY_EXISTS', "named 'web-02'");
    }
    const busy = await activeTask(t, X.gone, 'vm.revert');
    expectError(await post(D.A, X.gone, await body({ name: 'web-01' })), 'NOT_ALLOWED_IN_CURRENT_STATE', 'in progress on virtual machine');
    await finishTask(t, busy);
  });

  it('400 ALREADY_EXISTS for a name taken in the target folder, by a VM or by an admitted task', async () => {
    expectError(await post(D.A, X.gone, await body({ name: 'web-01' })), 'ALREADY_EXISTS', "'web-01' already exists");
    // Names are unique per folder: the same name goes elsewhere.
    const first = await post(D.A, X.gone, await body({ name: 'web-01', placement: { folder: X.prod } }));
    expectAccepted(first);
    const other = { snapshot: await snap(X.moved), name: 'web-01', placement: { folder: X.prod } };
    expectError(await post(D.A, X.moved, other), 'ALREADY_EXISTS', `Task ${first.json()} is already creating`);
    await t.advance(2000);
    expectError(await post(D.A, X.moved, other), 'ALREADY_EXISTS', "'web-01' already exists in folder");
  });

  it('is a task-only operation', async () => {
    const payload = await body();
    expectError(await t.req({ method: 'POST', url: url(D.A, X.gone, `action=${op.action}`), payload }), 'OPERATION_NOT_FOUND', 'only as a task');
    expectError(await t.req({ method: 'POST', url: url(D.A, X.gone, `action=${op.action}&vmw-task=false`), payload }), 'INVALID_REQUEST', 'vmw-task');
  });
});

describe.each(OPS)('$action: one operation per VM and the service-wide cap', (op) => {
  it('admits up to the configured maximum, counted per kind, and again once one ends', async () => {
    const t = await makeApp({ taskDelayMs: 1000, taskQueueMs: 0, [op.capKey]: 2 });
    try {
      const D = await demo(t);
      const gone = ['web-03', 'db-02', 'cache-01'].map(D.vm);
      for (const vm of gone) expect((await t.req({ method: 'DELETE', url: `/api/vcenter/vm/${vm}` })).statusCode).toBe(204);
      const submit = async (vm: string, action: string = op.action) => {
        const snapshot = (await t.runtime.deps.store.repos.snapshots.list({ vmId: vm }))[0].id;
        return t.req({ method: 'POST', url: `/api/snapservice/clusters/${D.A}/virtual-machines/${vm}?action=${action}&vmw-task=true`, payload: { snapshot, name: fresh() } });
      };
      const [a, b, c] = await Promise.all(gone.map((vm) => submit(vm)));
      expect([a, b].map((r) => r.statusCode)).toEqual([202, 202]);
      expectError(c, 'NOT_ALLOWED_IN_CURRENT_STATE', `${op.cap} operations are in progress, the maximum allowed (2)`);
      // One operation per VM comes before the cap.
      expectError(await submit(gone[0]), 'NOT_ALLOWED_IN_CURRENT_STATE', 'in progress on virtual machine');
      // The other kind has its own cap.
      const other = op.action === 'restore' ? 'linked-clone' : 'restore';
      expect((await submit(gone[2], other)).statusCode).toBe(202);
      await t.advance(1500);
      for (const r of [a, b]) expect((await t.req({ method: 'GET', url: `/api/snapservice/tasks/${r.json()}` })).json().status).toBe('SUCCEEDED');
      expect((await submit(gone[0])).statusCode).toBe(202);
      await t.advance(1500);
    } finally {
      await t.close();
    }
  });
});
