import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vm } from '../../src/domain/model.ts';
import { contentDigest } from '../../src/domain/blockmap.ts';
import { deleteDisks, deleteSnapshot, readContent, revertDisks, snapshotAndRevertDisks, writeBlock } from '../../src/engine/disks.ts';
import { createVm } from '../../src/engine/inventory.ts';
import { takeVmSnapshot } from '../../src/engine/snapshots.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.ts';
import type { Store } from '../../src/store/store.ts';

const BLOCKS = 16;
const BS = 64;

/** The oracle: a disk is a plain array of block contents; a snapshot is a copy of it. */
type Model = { disk: Map<number, Buffer>; snapshots: Array<{ id: string; disk: Map<number, Buffer> } | null> };

const op = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), block: fc.nat(BLOCKS - 1), byte: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('snapshot' as const) }),
  fc.record({ kind: fc.constant('revert' as const), pick: fc.nat() }),
  // A revert task's way: the system snapshot and the revert in one step.
  fc.record({ kind: fc.constant('systemRevert' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
);

function modelDigest(disk: Map<number, Buffer>): string {
  const blocks = [...disk.entries()].sort((a, b) => a[0] - b[0]).map(([blockNo, data]) => ({ blockNo, data }));
  return contentDigest(blocks, BS, BLOCKS);
}

let store: Store;
beforeAll(async () => {
  store = openSqliteStore({ dataDir: ':memory:' });
  await store.migrate();
});
afterAll(() => store.close());

describe('copy-on-write disks against a simple model', () => {
  it('writes, snapshots, reverts and snapshot deletions keep every state exact', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        const vm: Vm = await store.transaction((tx) =>
          createVm(tx, {
            name: 'p', clusterId: 'domain-c1', hostId: 'host-1', folderId: 'group-v1', resourcePoolId: 'resgroup-1',
            powerState: 'POWERED_ON', cpuCount: 1, memoryMib: 64, guestOs: 'x',
            disks: [{ diskKey: 2000, label: 'd', capacityBytes: BLOCKS * BS, blockSize: BS }],
          }, 0),
        );
        const model: Model = { disk: new Map(), snapshots: [] };
        const live = () => model.snapshots.filter((s): s is { id: string; disk: Map<number, Buffer> } => s !== null);
        for (const o of ops) {
          await store.transaction(async (tx) => {
            if (o.kind === 'write') {
              const disk = (await tx.disks.get(vm.id, 2000))!;
              const data = Buffer.alloc(BS, o.byte);
              await writeBlock(tx, disk, o.block, data);
              model.disk.set(o.block, data);
            } else if (o.kind === 'snapshot') {
              const { snapshot } = await takeVmSnapshot(tx, (await tx.vms.get(vm.id))!, { name: 's', type: 'ONE_TIME', createdAt: 0, expiresAt: null }, 1000);
              model.snapshots.push({ id: snapshot.id, disk: new Map(model.disk) });
            } else if (live().length > 0) {
              const s = live()[o.pick % live().length];
              if (o.kind === 'revert') {
                await revertDisks(tx, vm.id, await tx.snapshots.disks(s.id));
                model.disk = new Map(s.disk);
              } else if (o.kind === 'systemRevert') {
                const target = await tx.snapshots.disks(s.id);
                const { snapshot } = await takeVmSnapshot(tx, (await tx.vms.get(vm.id))!, { name: 'sys', type: 'SYSTEM_CREATED', createdAt: 0, expiresAt: null }, Infinity,
                  (t, v, id, clusterId) => snapshotAndRevertDisks(t, v, id, clusterId, target));
                model.snapshots.push({ id: snapshot.id, disk: new Map(model.disk) });
                model.disk = new Map(s.disk);
              } else {
                await deleteSnapshot(tx, s.id);
                model.snapshots[model.snapshots.indexOf(s)] = null;
              }
            }
          });
          const disk = (await store.repos.disks.get(vm.id, 2000))!;
          const now = await readContent(store.repos, disk.headLayerId, disk, Infinity);
          expect(now.digest).toBe(modelDigest(model.disk));
          for (const s of live()) {
            const [d] = await store.repos.snapshots.disks(s.id);
            expect((await readContent(store.repos, d.layerId, d, Infinity)).digest).toBe(modelDigest(s.disk));
          }
        }
        // Tearing everything down must free every layer and block this VM used.
        await store.transaction(async (tx) => {
          for (const s of live()) await deleteSnapshot(tx, s.id);
          await deleteDisks(tx, vm.id);
        });
        const stats = await store.repos.layers.stats();
        expect(stats).toEqual({ layers: 0, blocks: 0, bytes: 0 });
      }),
      { numRuns: 150 },
    );
  });
});
