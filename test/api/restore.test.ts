import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFolder } from '../../src/engine/inventory.ts';
import { makeApp, type TestApp } from '../helpers/app.ts';
import { demo, expectError } from './vcenter-helpers.ts';

let t: TestApp;
let D: Awaited<ReturnType<typeof demo>>;
beforeEach(async () => {
  t = await makeApp({ taskDelayMs: 2000, taskQueueMs: 500 });
  D = await demo(t);
});
afterEach(() => t.close());

const repos = () => t.runtime.deps.store.repos;
const snapshotsOf = async (cluster: string, vm: string) =>
  (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${cluster}/virtual-machines/${vm}/snapshots` })).json().items as Array<{ snapshot: string; info: any }>;
const snapshotNamed = async (vm: string, name: string) => (await repos().snapshots.list({ vmId: vm, names: [name] }))[0].id;
const digest = async (url: string) => {
  const res = await t.req({ method: 'GET', url });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().digest as string;
};
const diskDigests = (vm: string) => Promise.all([2000, 2001].map((k) => digest(`/api/sim/vms/${vm}/disks/${k}`)));
const snapshotDigests = (vm: string, s: string) => Promise.all([2000, 2001].map((k) => digest(`/api/sim/vms/${vm}/snapshots/${s}/disks/${k}`)));
const task = async (id: string) => (await t.req({ method: 'GET', url: `/api/snapservice/tasks/${id}` })).json();
const restore = (cluster: string, vm: string, spec: Record<string, unknown>) =>
  t.req({ method: 'POST', url: `/api/snapservice/clusters/${cluster}/virtual-machines/${vm}?action=restore&vmw-task=true`, payload: spec });

/** Powers the VM off if needed and deletes it through vCenter. */
async function deleteVm(vm: string): Promise<void> {
  if ((await repos().vms.get(vm))?.powerState === 'POWERED_ON') {
    expect((await t.req({ method: 'POST', url: `/api/vcenter/vm/${vm}/power?action=stop` })).statusCode).toBe(204);
  }
  const res = await t.req({ method: 'DELETE', url: `/api/vcenter/vm/${vm}` });
  expect(res.statusCode, res.body).toBe(204);
}

/** Submits a restore and runs it to the end; returns the finished task. */
async function restored(cluster: string, vm: string, spec: Record<string, unknown>) {
  const res = await restore(cluster, vm, spec);
  expect(res.statusCode, res.body).toBe(202);
  await t.advance(3000);
  const done = await task(res.json());
  expect(done.status, JSON.stringify(done.error)).toBe('SUCCEEDED');
  return done;
}

describe('restore', () => {
  it('brings a deleted VM back as a new VM, powered off, with the snapshot data exactly', async () => {
    const vm = D.vm('web-01');
    const [daily1] = await snapshotsOf(D.A, vm);
    expect(daily1.info.name).toBe('daily-1');
    const wanted = await snapshotDigests(vm, daily1.snapshot);
    expect(await diskDigests(vm)).not.toEqual(wanted);
    await deleteVm(vm);
    expect((await t.req({ method: 'GET', url: `/api/vcenter/vm/${vm}` })).statusCode).toBe(404);
    expect((await t.req({ method: 'GET', url: `/api/snapservice/clusters/${D.A}/virtual-machines/${vm}` })).json().in_cluster).toBe(false);

    const res = await restore(D.A, vm, { snapshot: daily1.snapshot });
    expect(res.statusCode).toBe(202);
    expect(typeof res.json()).toBe('string');
    expect((await task(res.json())).status).toBe('PENDING');
    await t.advance(600);
    const running = await task(res.json());
    expect(running.status).toBe('RUNNING');
    expect(running.progress.message.id).toBe('com.vmware.snapservice.vm.restore.progress');
    await t.advance(2500);
    const done = await task(res.json());
    expect(done).toMatchObject({ status: 'SUCCEEDED', operation: 'restore', target: { type: 'VirtualMachine', id: vm } });
    expect(done.progress.completed).toBe(done.progress.total);
    const copy = done.result as string;
    expect(copy).toMatch(/^vm-\d+$/);
    expect(copy).not.toBe(vm);
    expect((await t.req({ method: 'GET', url: `/api/cis/tasks/${res.json()}` })).json().result).toBe(copy);

    const info = (await t.req({ method: 'GET', url: `/api/vcenter/vm/${copy}` })).json();
    expect(info).toMatchObject({ name: 'web-01', power_state: 'POWERED_OFF', guest_os: 'UBUNTU_64', cpu: { count: 2 }, memory: { size_mib: 4096 } });
    expect(Object.keys(info.disks)).toEqual(['2000', '2001']);
    const listed = (await t.req({ method: 'GET', url: `/api/vcenter/vm?names=web-01` })).json();
    expect(listed).toEqual([{ vm: copy, name: 'web-01', power_state: 'POWERED_OFF', cpu_count: 2, memory_size_mib: 4096 }]);
    expect(await diskDigests(copy)).toEqual(wanted);
    // Default placement: the snapshot's folder and pool, a host DRS picked in the cluster.
    const made = (await repos().vms.get(copy))!;
    expect(made).toMatchObject({ clusterId: D.A, folderId: D.vmFolder, resourcePoolId: D.rootPoolA });
    expect(D.hostsOf(D.A)).toContain(made.hostId);

    // The old id stays deleted, its snapshots still listed under it.
    expect((await t.req({ method: 'GET', url: `/api/vcenter/vm/${vm}` })).statusCode).toBe(404);
    expect((await snapshotsOf(D.A, vm)).map((s) => s.info.name)).toEqual(['daily-1', 'daily-2']);
    const views = (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${D.A}/virtual-machines?vms=${vm}&vms=${copy}` })).json().items;
    expect(Object.fromEntries(views.map((v: any) => [v.vm, v.info.in_cluster]))).toEqual({ [vm]: false, [copy]: true });

    // The name is taken now; the restored VM is an ordinary VM.
    expectError(await restore(D.A, vm, { snapshot: daily1.snapshot }), 'ALREADY_EXISTS', "'web-01'");
    expect((await t.req({ method: 'POST', url: `/api/vcenter/vm/${copy}/power?action=start` })).statusCode).toBe(204);
  });

  it('uses the name and placement given, and by default the folder and pool the VM had', async () => {
    const now = t.clock.now();
    const prod = await t.runtime.deps.store.transaction(async (tx) => (await createFolder(tx, 'Prod', D.dc, D.vmFolder, now)).id);
    const vm = D.vm('db-02');
    const daily2 = await snapshotNamed(vm, 'daily-2');
    // The VM lives in Prod / Production when its last snapshot is taken.
    expect((await t.req({ method: 'POST', url: `/api/vcenter/vm/${vm}?action=relocate`, payload: { placement: { folder: prod, resource_pool: D.production } } })).statusCode).toBe(204);
    const inProd = (await t.req({ method: 'POST', url: `/api/sim/vms/${vm}/snapshots`, payload: { name: 'in-prod' } })).json();
    await deleteVm(vm);

    const a2 = D.host('esxi-a-02.lab.local');
    const named = (await restored(D.A, vm, { snapshot: daily2, name: 'db-02-restored', placement: { folder: D.vmFolder, resource_pool: D.rootPoolA, host: a2 } })).result;
    expect(await repos().vms.get(named)).toMatchObject({ name: 'db-02-restored', folderId: D.vmFolder, resourcePoolId: D.rootPoolA, hostId: a2, powerState: 'POWERED_OFF' });
    expect(await diskDigests(named)).toEqual(await snapshotDigests(vm, daily2));

    const dflt = (await restored(D.A, vm, { snapshot: inProd })).result;
    expect(await repos().vms.get(dflt)).toMatchObject({ name: 'db-02', folderId: prod, resourcePoolId: D.production });
    const byFilter = (await t.req({ method: 'GET', url: `/api/vcenter/vm?folders=${prod}&resource_pools=${D.production}` })).json();
    expect(byFilter.map((v: any) => v.vm)).toEqual([dflt]);
    // A name is unique per folder only.
    const again = (await restored(D.A, vm, { snapshot: inProd, placement: { folder: D.vmFolder } })).result;
    expect(await repos().vms.get(again)).toMatchObject({ name: 'db-02', folderId: D.vmFolder, resourcePoolId: D.production });
  });

  it('restores a VM that moved to another cluster into the cluster that holds its snapshots', async () => {
    const vm = D.vm('app-02');
    const daily1 = await snapshotNamed(vm, 'daily-1');
    expect((await t.req({ method: 'POST', url: `/api/vcenter/vm/${vm}?action=relocate`, payload: { placement: { cluster: D.B } } })).statusCode).toBe(204);
    expect((await t.req({ method: 'GET', url: `/api/snapservice/clusters/${D.A}/virtual-machines/${vm}` })).json().in_cluster).toBe(false);
    // The moved VM still holds its name in the folder.
    expectError(await restore(D.A, vm, { snapshot: daily1 }), 'ALREADY_EXISTS', "'app-02'");
    // In Cluster-B it is present, and the snapshot is not one of that cluster's.
    expectError(await restore(D.B, vm, { snapshot: daily1, name: 'x' }), 'INVALID_ARGUMENT', 'spec.snapshot');
    const before = await diskDigests(vm);
    const copy = (await restored(D.A, vm, { snapshot: daily1, name: 'app-02-restored' })).result;
    expect(await repos().vms.get(copy)).toMatchObject({ clusterId: D.A, name: 'app-02-restored' });
    expect(await diskDigests(copy)).toEqual(await snapshotDigests(vm, daily1));
    expect(await repos().vms.get(vm)).toMatchObject({ clusterId: D.B, deletedAt: null });
    expect(await diskDigests(vm)).toEqual(before);
  });

  it('every snapshot restores to exactly its own content', async () => {
    const vm = D.vm('db-01');
    const write = (block: number, text: string) =>
      t.req({ method: 'POST', url: `/api/sim/vms/${vm}/disks/2001?action=write`, payload: { block, data: Buffer.from(text).toString('base64') } });
    expect((await write(3, 'after daily-2')).statusCode).toBe(204);
    const fresh = (await t.req({ method: 'POST', url: `/api/sim/vms/${vm}/snapshots`, payload: { name: 'fresh' } })).json();
    expect((await write(0, 'dirty, then reverted away')).statusCode).toBe(204);
    const revert = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${D.A}/virtual-machines/${vm}?action=revert&vmw-task=true`, payload: { snapshot: fresh } });
    expect(revert.statusCode).toBe(202);
    await t.advance(3000);
    await deleteVm(vm);
    const all = await snapshotsOf(D.A, vm);
    expect(all.map((s) => s.info.name)).toEqual(['daily-1', 'daily-2', 'fresh', 'system snapshot before revert to fresh']);
    const seen = new Set<string>();
    for (const [i, s] of all.entries()) {
      const wanted = await snapshotDigests(vm, s.snapshot);
      seen.add(wanted.join());
      const copy = (await restored(D.A, vm, { snapshot: s.snapshot, name: `db-01-${i}` })).result;
      expect(await diskDigests(copy), s.info.name).toEqual(wanted);
    }
    expect(seen.size).toBe(all.length);
  });

  it('takes taskDelayMs plus taskMsPerBlock for each block of the snapshot', async () => {
    await t.close();
    t = await makeApp({ taskDelayMs: 1000, taskQueueMs: 0, taskMsPerBlock: 100 });
    D = await demo(t);
    const vm = D.vm('cache-01');
    const daily2 = await snapshotNamed(vm, 'daily-2');
    await deleteVm(vm);
    const res = await restore(D.A, vm, { snapshot: daily2 });
    await t.advance(0);
    // daily-2 holds blocks 0 and 1 of disk 2000 and blocks 0 and 7 of disk 2001.
    expect((await task(res.json())).progress.total).toBe(4);
    await t.advance(1350);
    expect((await task(res.json())).status).toBe('RUNNING');
    await t.advance(100);
    expect((await task(res.json())).status).toBe('SUCCEEDED');
  });

  it('fails cleanly when the snapshot or the name goes away before the task runs', async () => {
    const vm = D.vm('web-03');
    const pg = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${D.A}/protection-groups?vmw-task=true`, payload: { name: 'g', target_entities: { vms: [vm] }, snapshot_policies: [] } });
    await t.advance(3000);
    const pgId = (await task(pg.json())).result;
    const s = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${D.A}/protection-groups/${pgId}/snapshots?vmw-task=true`, payload: { name: 'once' } });
    await t.advance(3000);
    const pgSnap = (await task(s.json())).result.snapshot;
    const vmSnap = (await repos().snapshots.list({ pgSnapshotId: pgSnap }))[0].id;
    await deleteVm(vm);

    const gone = await restore(D.A, vm, { snapshot: vmSnap });
    expect(gone.statusCode).toBe(202);
    expect((await t.req({ method: 'DELETE', url: `/api/snapservice/clusters/${D.A}/protection-groups/${pgId}/snapshots/${pgSnap}` })).statusCode).toBe(204);
    await t.advance(3000);
    const failed = await task(gone.json());
    expect(failed.status).toBe('FAILED');
    expect(failed.error.error_type).toBe('NOT_ALLOWED_IN_CURRENT_STATE');
    expect(failed.result).toBeUndefined();

    // A VM named like the restore arrives in the folder meanwhile.
    const now = t.clock.now();
    const prod = await t.runtime.deps.store.transaction(async (tx) => (await createFolder(tx, 'Prod', D.dc, D.vmFolder, now)).id);
    const clash = await restore(D.A, vm, { snapshot: await snapshotNamed(vm, 'daily-1'), name: 'web-01', placement: { folder: prod } });
    expect(clash.statusCode).toBe(202);
    expect((await t.req({ method: 'POST', url: `/api/vcenter/vm/${D.vm('web-01')}?action=relocate`, payload: { placement: { folder: prod } } })).statusCode).toBe(204);
    await t.advance(3000);
    const lost = await task(clash.json());
    expect(lost.status).toBe('FAILED');
    expect(lost.error.error_type).toBe('ALREADY_EXISTS');
    expect((await repos().vms.list({ names: ['web-01'] })).map((v) => v.id)).toEqual([D.vm('web-01')]);
  });
});
