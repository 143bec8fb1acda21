import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vm } from '../../src/domain/model.ts';
import { deleteSnapshot, revertDisks, writeBlock } from '../../src/engine/disks.ts';
import { createVm } from '../../src/engine/inventory.ts';
import { diskDelta } from '../../src/engine/replicas.ts';
import { takeVmSnapshot } from '../../src/engine/snapshots.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.ts';
import type { Store } from '../../src/store/store.ts';

const BLOCKS = 12;
const BS = 32;

const op = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), block: fc.nat(BLOCKS - 1), byte: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('snapshot' as const) }),
  fc.record({ kind: fc.constant('revert' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
);

let store: Store;
beforeAll(async () => {
  store = openSqliteStore({ dataDir: ':memory:' });
  await store.migrate();
});
afterAll(() => store.close());

const newVm = () => store.transaction((tx) => createVm(tx, {
  name: 'p', clusterId: 'domain-c1', hostId: 'host-1', folderId: 'group-v1', resourcePoolId: 'resgroup-1',
  powerState: 'POWERED_ON', cpuCount: 1, memoryMib: 64, guestOs: 'x',
  disks: [{ diskKey: 2000, label: 'd', capacityBytes: BLOCKS * BS, blockSize: BS }],
}, 0));

const snap = (vm: Vm) => store.transaction(async (tx) =>
  (await takeVmSnapshot(tx, (await tx.vms.get(vm.id))!, { name: 's', type: 'ONE_TIME', createdAt: 0, expiresAt: null }, 1000)).snapshot.id);

const layerOf = async (snapshotId: string) => (await store.repos.snapshots.disks(snapshotId))[0].layerId;

function key(m: Map<number, Buffer>): string {
  return [...m.entries()].filter(([, b]) => b.some((x) => x !== 0)).sort((x, y) => x[0] - y[0]).map(([n, b]) => `${n}:${b.toString('hex')}`).join(',');
}

describe('replication deltas', () => {
  it('bring any held snapshot to any other exactly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
        const vm = await newVm();
        let disk = new Map<number, Buffer>();
        const snaps: Array<{ id: string; disk: Map<number, Buffer> }> = [];
        for (const o of ops) {
          if (o.kind === 'write') {
            const data = Buffer.alloc(BS, o.byte);
            await store.transaction(async (tx) => writeBlock(tx, (await tx.disks.get(vm.id, 2000))!, o.block, data));
            disk.set(o.block, data);
          } else if (o.kind === 'snapshot') {
            snaps.push({ id: await snap(vm), disk: new Map(disk) });
          } else if (snaps.length > 0) {
            const s = snaps[o.pick % snaps.length];
            if (o.kind === 'revert') {
              await store.transaction(async (tx) => revertDisks(tx, vm.id, await tx.snapshots.disks(s.id)));
              disk = new Map(s.disk);
            } else {
              await store.transaction((tx) => deleteSnapshot(tx, s.id));
              snaps.splice(snaps.indexOf(s), 1);
            }
          }
        }
        for (const to of snaps) {
          const full = await diskDelta(store.repos, await layerOf(to.id), null, BS);
          expect(key(new Map(full.map((b) => [b.blockNo, b.data])))).toBe(key(to.disk));
          for (const from of snaps) {
            const delta = await diskDelta(store.repos, await layerOf(to.id), await layerOf(from.id), BS);
            const applied = new Map(from.disk);
            for (const b of delta) applied.set(b.blockNo, b.data);
            expect(key(applied)).toBe(key(to.disk));
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('carry only the blocks written since the base', async () => {
    const vm = await newVm();
    for (let i = 0; i < BLOCKS; i++) await store.transaction(async (tx) => writeBlock(tx, (await tx.disks.get(vm.id, 2000))!, i, Buffer.alloc(BS, 1)));
    const base = await snap(vm);
    await store.transaction(async (tx) => writeBlock(tx, (await tx.disks.get(vm.id, 2000))!, 4, Buffer.alloc(BS, 9)));
    const next = await snap(vm);
    const delta = await diskDelta(store.repos, await layerOf(next), await layerOf(base), BS);
    expect(delta.map((b) => b.blockNo)).toEqual([4]);
    expect(await diskDelta(store.repos, await layerOf(next), await layerOf(next), BS)).toEqual([]);
  });
});
