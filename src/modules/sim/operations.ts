import { Type } from '@sinclair/typebox';
import type { Disk, Vm } from '../../domain/model.ts';
import { blockCount, readBlock, readContent, writeBlock } from '../../engine/disks.ts';
import { liveVmOr404 } from '../../access/lookup.ts';
import { takeVmSnapshot } from '../../engine/snapshots.ts';
import { errors } from '../../errors.ts';
import { defineOperation, type Call, type Operation } from '../../vapi/operation.ts';
import { Id, Input, Struct } from '../../vapi/wire.ts';

/**
 * The simulation plane (only with --sim, admin only): what a guest OS would do to its disks,
 * and a look at disk content so tests can prove what a revert restored.
 */
const SERVICE = 'com.vmware.snapservice.sim';

async function admin(call: Call): Promise<void> {
  await call.authz.require({ type: 'Folder', id: call.deps.rootFolderId }, ['Snapservice.Simulation']);
}

async function vmAndDisk(call: Call, ids: Record<string, string>): Promise<{ vm: Vm; disk: Disk }> {
  await admin(call);
  const repos = call.deps.store.repos;
  const vm = await liveVmOr404(repos, ids.vm);
  const key = Number(ids.disk_key);
  const disk = Number.isInteger(key) ? await repos.disks.get(vm.id, key) : undefined;
  if (!disk) throw errors.notFound('disk', `${vm.id}/${ids.disk_key}`);
  return { vm, disk };
}

const DiskContentSchema = Struct('com.vmware.snapservice.sim.disk_content', {
  block_size: Type.Integer(),
  blocks: Type.Integer(),
  written_blocks: Type.Integer(),
  digest: Type.Optional(Type.String()),
});

const WriteSpec = Struct('com.vmware.snapservice.sim.write_spec', {
  block: Type.Integer({ minimum: 0 }),
  data: Type.String({ contentEncoding: 'base64' }),
});

function contentToWire(c: Awaited<ReturnType<typeof readContent>>) {
  const out: Record<string, unknown> = { block_size: c.blockSize, blocks: c.blocks, written_blocks: c.writtenBlocks };
  if (c.digest !== undefined) out.digest = c.digest;
  return out;
}

function decodeBase64(s: string, max: number): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) throw errors.invalidArgument('spec.data', 'must be base64');
  const buf = Buffer.from(s, 'base64');
  if (buf.length > max) throw errors.invalidArgument('spec.data', `must decode to at most the block size (${max} bytes)`);
  return buf;
}

export const simOperations: Operation[] = [
  defineOperation({
    service: `${SERVICE}.disks`, name: 'write', since: 'sim',
    rest: { method: 'POST', path: '/api/sim/vms/{vm}/disks/{disk_key}', action: 'write', body: 'spec', status: 204 },
    input: Input({ vm: Id(), disk_key: Id(), spec: WriteSpec }),
    ids: ['vm', 'disk_key'],
    authorize: (call, ids) => vmAndDisk(call, ids),
    handler: async (call, input, { vm, disk }) => {
      const data = decodeBase64(input.spec.data, disk.blockSize);
      if (input.spec.block >= blockCount(disk)) {
        throw errors.invalidArgument('spec.block', `must be below the disk's ${blockCount(disk)} blocks`);
      }
      await call.deps.store.transaction(async (tx) => {
        const now = await tx.vms.get(vm.id);
        if (!now || now.deletedAt !== null) throw errors.notFound('virtual machine', vm.id);
        if (now.powerState !== 'POWERED_ON') {
          throw errors.notAllowed('sim.guest_not_running', `Virtual machine ${vm.id} is ${now.powerState}; only a running guest writes to its disks.`, vm.id);
        }
        const current = await tx.disks.get(vm.id, disk.diskKey);
        if (current) await writeBlock(tx, current, input.spec.block, data);
      });
    },
  }),
  defineOperation({
    service: `${SERVICE}.disks`, name: 'get', since: 'sim', readOnly: true,
    rest: { method: 'GET', path: '/api/sim/vms/{vm}/disks/{disk_key}' },
    input: Input({ vm: Id(), disk_key: Id() }),
    ids: ['vm', 'disk_key'],
    output: DiskContentSchema,
    authorize: (call, ids) => vmAndDisk(call, ids),
    handler: async (call, _input, { disk }) =>
      contentToWire(await readContent(call.deps.store.repos, disk.headLayerId, disk, call.deps.config.maxDigestBytes)),
  }),
  defineOperation({
    service: `${SERVICE}.disks.blocks`, name: 'get', since: 'sim', readOnly: true,
    rest: { method: 'GET', path: '/api/sim/vms/{vm}/disks/{disk_key}/blocks/{block}' },
    input: Input({ vm: Id(), disk_key: Id(), block: Id() }),
    ids: ['vm', 'disk_key', 'block'],
    output: Struct('com.vmware.snapservice.sim.block', { data: Type.String() }),
    authorize: (call, ids) => vmAndDisk(call, ids),
    handler: async (call, input, { disk }) => {
      const n = Number(input.block);
      if (!Number.isInteger(n) || n < 0 || n >= blockCount(disk)) throw errors.notFound('block', input.block);
      return { data: (await readBlock(call.deps.store.repos, disk.headLayerId, n, disk.blockSize)).toString('base64') };
    },
  }),
  defineOperation({
    service: `${SERVICE}.snapshots.disks`, name: 'get', since: 'sim', readOnly: true,
    rest: { method: 'GET', path: '/api/sim/vms/{vm}/snapshots/{snapshot}/disks/{disk_key}' },
    input: Input({ vm: Id(), snapshot: Id(), disk_key: Id() }),
    ids: ['vm', 'snapshot', 'disk_key'],
    output: DiskContentSchema,
    authorize: async (call) => admin(call),
    handler: async (call, input) => {
      const repos = call.deps.store.repos;
      const s = await repos.snapshots.get(input.snapshot);
      if (!s || s.vmId !== input.vm) throw errors.notFound('snapshot', input.snapshot);
      const d = (await repos.snapshots.disks(s.id)).find((x) => String(x.diskKey) === input.disk_key);
      if (!d) throw errors.notFound('disk', `${input.snapshot}/${input.disk_key}`);
      return contentToWire(await readContent(repos, d.layerId, d, call.deps.config.maxDigestBytes));
    },
  }),
  defineOperation({
    service: `${SERVICE}.snapshots`, name: 'create', since: 'sim',
    rest: { method: 'POST', path: '/api/sim/vms/{vm}/snapshots', body: 'spec', status: 201 },
    input: Input({ vm: Id(), spec: Struct('com.vmware.snapservice.sim.snapshot_spec', { name: Type.String({ minLength: 1 }) }) }),
    ids: ['vm'],
    output: Id(),
    authorize: async (call, ids) => {
      await admin(call);
      return liveVmOr404(call.deps.store.repos, ids.vm);
    },
    handler: async (call, input, vm) => {
      const { store, clock, config } = call.deps;
      return store.transaction(async (tx) => {
        const now = await tx.vms.get(vm.id);
        if (!now || now.deletedAt !== null) throw errors.notFound('virtual machine', vm.id);
        const { snapshot } = await takeVmSnapshot(tx, now, { name: input.spec.name, type: 'ONE_TIME', createdAt: clock.now(), expiresAt: null }, config.limits.snapshotsPerVm);
        return snapshot.id;
      });
    },
  }),
];
