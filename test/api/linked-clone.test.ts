import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeBlock } from '../../src/engine/disks.ts';
import { createVm } from '../../src/engine/inventory.ts';
import { makeApp, type TestApp } from '../helpers/app.ts';
import { demo } from './vcenter-helpers.ts';

let t: TestApp;
let D: Awaited<ReturnType<typeof demo>>;
beforeEach(async () => {
  t = await makeApp({ taskDelayMs: 1000, taskQueueMs: 0 });
  D = await demo(t);
});
afterEach(() => t.close());

const H = 3600_000;
const repos = () => t.runtime.deps.store.repos;
const snapshotNamed = async (vm: string, name: string) => (await repos().snapshots.list({ vmId: vm, names: [name] }))[0].id;
const get = async (url: string) => {
  const res = await t.req({ method: 'GET', url });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return res.json();
};
const disks = (vm: string) => Promise.all([2000, 2001].map(async (k) => (await get(`/api/sim/vms/${vm}/disks/${k}`)).digest as string));
const snapshotDisks = (vm: string, s: string) => Promise.all([2000, 2001].map(async (k) => (await get(`/api/sim/vms/${vm}/snapshots/${s}/disks/${k}`)).digest as string));
const task = (id: string) => get(`/api/snapservice/tasks/${id}`);
const ok = async (res: { statusCode: number; body: string }, status = 204) => expect(res.statusCode, res.body).toBe(status);
const power = (vm: string, action: 'start' | 'stop') => t.req({ method: 'POST', url: `/api/vcenter/vm/${vm}/power?action=${action}` });
const write = (vm: string, disk: number, block: number, text: string) =>
  t.req({ method: 'POST', url: `/api/sim/vms/${vm}/disks/${disk}?action=write`, payload: { block, data: Buffer.from(text).toString('base64') } });
const cloneReq = (vm: string, spec: Record<string, unknown>, cluster = D.A) =>
  t.req({ method: 'POST', url: `/api/snapservice/clusters/${cluster}/virtual-machines/${vm}?action=linked-clone&vmw-task=true`, payload: spec });

/** Clones and runs the task to the end; returns the new VM's id. */
async function clone(vm: string, snapshot: string, name: string): Promise<string> {
  const res = await cloneReq(vm, { snapshot, name });
  await ok(res, 202);
  await t.advance(1500);
  const done = await task(res.json());
  expect(done.status, JSON.stringify(done.error)).toBe('SUCCEEDED');
  return done.result;
}

describe('linked clone', () => {
  it('makes a new powered-off VM with the snapshot content, leaving the running source alone', async () => {
    const src = D.vm('web-01');
    const daily1 = await snapshotNamed(src, 'daily-1');
    const before = await disks(src);
    const res = await cloneReq(src, { snapshot: daily1, name: 'web-01-clone' });
    await ok(res, 202);
    await t.advance(500);
    expect(await task(res.json())).toMatchObject({ status: 'RUNNING', progress: { total: 2, message: { id: 'com.vmware.snapservice.vm.linked_clone.progress' } } });
    await t.advance(600);
    const done = await task(res.json());
    expect(done).toMatchObject({ status: 'SUCCEEDED', operation: 'linked_clone', target: { type: 'VirtualMachine', id: src } });
    const c = done.result as string;
    expect(c).toMatch(/^vm-\d+$/);
    expect(await get(`/api/vcenter/vm/${c}`)).toMatchObject({ name: 'web-01-clone', power_state: 'POWERED_OFF', cpu: { count: 2 }, memory: { size_mib: 4096 } });
    expect((await repos().vms.get(c))).toMatchObject({ clusterId: D.A, folderId: D.vmFolder, resourcePoolId: D.rootPoolA });
    expect(await disks(c)).toEqual(await snapshotDisks(src, daily1));
    expect(await disks(src)).toEqual(before);
    expect((await repos().vms.get(src))?.powerState).toBe('POWERED_ON');
    expect((await get(`/api/snapservice/clusters/${D.A}/virtual-machines/${c}`)).in_cluster).toBe(true);
  });

  it('writes to the clone never reach the source or the snapshot, nor the other way round', async () => {
    const src = D.vm('web-02');
    const daily2 = await snapshotNamed(src, 'daily-2');
    const c = await clone(src, daily2, 'web-02-clone');
    const snap = await snapshotDisks(src, daily2);
    const source = await disks(src);
    await ok(await power(c, 'start'));
    await ok(await write(c, 2000, 0, 'the clone boots differently'));
    await ok(await write(c, 2001, 7, 'clone table'));
    const cloned = await disks(c);
    expect(cloned[0]).not.toBe(snap[0]);
    expect(cloned[1]).not.toBe(snap[1]);
    expect(await snapshotDisks(src, daily2)).toEqual(snap);
    expect(await disks(src)).toEqual(source);
    await ok(await write(src, 2000, 0, 'the source changes too'));
    expect(await disks(c)).toEqual(cloned);
    expect(await snapshotDisks(src, daily2)).toEqual(snap);
    const block = await get(`/api/sim/vms/${c}/disks/2000/blocks/0`);
    expect(Buffer.from(block.data, 'base64').toString().replace(/\0+$/, '')).toBe('the clone boots differently');
  });

  it('survives deleting the source VM and deleting or expiring the snapshot it came from', async () => {
    const src = D.vm('db-02');
    const pgRes = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${D.A}/protection-groups?vmw-task=true`, payload: { name: 'g', target_entities: { vms: [src] }, snapshot_policies: [] } });
    await t.advance(1500);
    const pg = (await task(pgRes.json())).result;
    const pgSnapshot = async (name: string, retention?: object) => {
      const res = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${D.A}/protection-groups/${pg}/snapshots?vmw-task=true`, payload: { name, retention } });
      await t.advance(1500);
      const id = (await task(res.json())).result.snapshot;
      return { pgSnap: id as string, vmSnap: (await repos().snapshots.list({ pgSnapshotId: id }))[0].id };
    };
    await ok(await power(src, 'start'));
    await ok(await write(src, 2001, 4, 'only in the deleted snapshot'));
    const kept = await pgSnapshot('kept');
    await ok(await write(src, 2001, 5, 'only in the expiring snapshot'));
    const short = await pgSnapshot('short', { unit: 'HOUR', duration: 1 });
    await ok(await write(src, 2001, 6, 'only in the source'));
    const wanted = { kept: await snapshotDisks(src, kept.vmSnap), short: await snapshotDisks(src, short.vmSnap) };

    const fromKept = await clone(src, kept.vmSnap, 'from-kept');
    const fromShort = await clone(src, short.vmSnap, 'from-short');
    await ok(await power(fromKept, 'start'));
    await ok(await write(fromKept, 2000, 3, 'clone data'));
    const keptNow = await disks(fromKept);
    expect(await disks(fromShort)).toEqual(wanted.short);

    await ok(await t.req({ method: 'DELETE', url: `/api/snapservice/clusters/${D.A}/protection-groups/${pg}/snapshots/${kept.pgSnap}` }));
    expect((await t.req({ method: 'GET', url: `/api/snapservice/clusters/${D.A}/virtual-machines/${src}/snapshots/${kept.vmSnap}` })).statusCode).toBe(404);
    await ok(await power(src, 'stop'));
    await ok(await t.req({ method: 'DELETE', url: `/api/vcenter/vm/${src}` }));
    await t.advance(2 * H);
    expect(await repos().snapshots.get(short.vmSnap)).toBeUndefined();

    expect(await disks(fromKept)).toEqual(keptNow);
    expect(await disks(fromShort)).toEqual(wanted.short);
    const block = await get(`/api/sim/vms/${fromShort}/disks/2001/blocks/5`);
    expect(Buffer.from(block.data, 'base64').toString()).toContain('only in the expiring snapshot');
    // The source is gone from the cluster; its seed snapshots still clone.
    const daily1 = await snapshotNamed(src, 'daily-1');
    const late = await clone(src, daily1, 'after-delete');
    expect(await disks(late)).toEqual(await snapshotDisks(src, daily1));
    // Deleting the clones leaves the others whole.
    await ok(await power(fromKept, 'stop'));
    await ok(await t.req({ method: 'DELETE', url: `/api/vcenter/vm/${fromKept}` }));
    expect(await disks(fromShort)).toEqual(wanted.short);
    expect(await disks(late)).toEqual(await snapshotDisks(src, daily1));
  });

  it('every snapshot clones to exactly its own content, clones of clones too', async () => {
    const src = D.vm('cache-01');
    await ok(await power(src, 'start'));
    await ok(await write(src, 2000, 2, 'newer than daily-2'));
    const fresh = (await t.req({ method: 'POST', url: `/api/sim/vms/${src}/snapshots`, payload: { name: 'fresh' } })).json();
    const sources: Array<[string, string]> = [
      [src, await snapshotNamed(src, 'daily-1')],
      [src, await snapshotNamed(src, 'daily-2')],
      [src, fresh],
    ];
    const first = await clone(src, fresh, 'cache-clone');
    await ok(await power(first, 'start'));
    await ok(await write(first, 2001, 1, 'written in the clone'));
    sources.push([first, (await t.req({ method: 'POST', url: `/api/sim/vms/${first}/snapshots`, payload: { name: 'of-clone' } })).json()]);
    const seen = new Set<string>();
    for (const [i, [vm, s]] of sources.entries()) {
      const wanted = await snapshotDisks(vm, s);
      seen.add(wanted.join());
      expect(await disks(await clone(vm, s, `cache-clone-${i}`))).toEqual(wanted);
    }
    expect(seen.size).toBe(sources.length);
  });
});

describe('linked clone of a large disk', () => {
  it('costs no block copies and no per-block time, whatever the disk size', async () => {
    await t.close();
    t = await makeApp({ taskDelayMs: 1000, taskQueueMs: 0, taskMsPerBlock: 1000 });
    D = await demo(t);
    const TiB = 2 ** 40;
    const now = t.clock.now();
    const big = await t.runtime.deps.store.transaction(async (tx) => {
      const vm = await createVm(tx, {
        name: 'big-01', clusterId: D.A, hostId: D.hostsOf(D.A)[0], folderId: D.vmFolder, resourcePoolId: D.rootPoolA,
        powerState: 'POWERED_OFF', cpuCount: 4, memoryMib: 8192, guestOs: 'RHEL_9_64',
        disks: [{ diskKey: 2000, label: 'Hard disk 1', capacityBytes: TiB, blockSize: 1 << 20 }],
      }, now);
      const disk = (await tx.disks.get(vm.id, 2000))!;
      for (let b = 0; b < 64; b++) await writeBlock(tx, disk, b * 4096, Buffer.from(`block ${b}`));
      return vm.id;
    });
    const snap = (await t.req({ method: 'POST', url: `/api/sim/vms/${big}/snapshots`, payload: { name: 'full' } })).json();
    const before = await repos().layers.stats();
    const res = await cloneReq(big, { snapshot: snap, name: 'big-clone' });
    await ok(res, 202);
    await t.advance(1000);
    const done = await task(res.json());
    expect(done.status).toBe('SUCCEEDED');
    const after = await repos().layers.stats();
    expect(after).toEqual({ layers: before.layers + 1, blocks: before.blocks, bytes: before.bytes });
    const content = await get(`/api/sim/vms/${done.result}/disks/2000`);
    expect(content).toMatchObject({ blocks: 2 ** 20, written_blocks: 64 });
    const b = await get(`/api/sim/vms/${done.result}/disks/2000/blocks/${63 * 4096}`);
    expect(Buffer.from(b.data, 'base64').toString().replace(/\0+$/, '')).toBe('block 63');
  });
});
