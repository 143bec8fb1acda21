import { Value } from '@sinclair/typebox/value';
import { LABEL_LIMITS, labelTextProblem, sameLabel, type SnapshotLabel } from '../domain/labels.ts';
import type { Cluster, Folder, Host, ResourcePool, Vm } from '../domain/model.ts';
import { BUILTIN_ROLES } from '../domain/privileges.ts';
import { hashPassword } from '../security/passwords.ts';
import { writeBlock } from '../engine/disks.ts';
import { createCluster, createDatacenter, createFolder, createHost, createResourcePool, createVm } from '../engine/inventory.ts';
import { takeVmSnapshot } from '../engine/snapshots.ts';
import type { Repos } from '../store/store.ts';
import { SeedSchema, type Seed, type SeedVmSpec } from './format.ts';
import { seedGroup } from './groups.ts';
import { seedTags } from './tags.ts';
import { licenseOf, type License } from '../domain/sites.ts';

export interface SeedContext {
  now: number;
  rootFolderId: string;
  scryptCost: number;
  maxSnapshotsPerVm: number;
  /** How far back seeded groups write snapshot history (the reporting retention). */
  historyMs?: number;
}

/** Entities by inventory path ('/', 'DC', 'DC/Cluster', 'DC/Cluster/name'). */
type PathIndex = Map<string, string>;

/** Labels follow the API's rules; a seed that breaks them is refused whole. */
async function seedLabels(tx: Repos, where: string, snapshotId: string, labels: SnapshotLabel[]): Promise<void> {
  const unique = labels.filter((l, i) => labels.findIndex((o) => sameLabel(o, l)) === i);
  if (unique.length > LABEL_LIMITS.perSnapshot) throw new Error(`seed: ${where}: more than ${LABEL_LIMITS.perSnapshot} labels`);
  for (const l of unique) {
    const why = labelTextProblem(l.category) ?? labelTextProblem(l.name);
    if (why) throw new Error(`seed: ${where}: label '${l.category}/${l.name}': ${why}`);
    await tx.labels.add(snapshotId, l);
  }
}

export function parseSeed(input: unknown): Seed {
  const errs = [...Value.Errors(SeedSchema, input)];
  if (errs.length > 0) {
    throw new Error(`invalid seed: ${errs.slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`).join('; ')}`);
  }
  return input as Seed;
}

const MIB = 1024 * 1024;

/** Applies a seed inside the caller's transaction. Hashing passwords happens first, outside it. */
export async function applySeed(tx: Repos, seed: Seed, ctx: SeedContext, passwordHashes: Map<string, string>): Promise<void> {
  const paths: PathIndex = new Map([['/', ctx.rootFolderId]]);
  for (const dcSpec of seed.datacenters ?? []) {
    const { dc, vmFolder } = await createDatacenter(tx, dcSpec.name, ctx.now);
    paths.set(dcSpec.name, dc.id);
    const folders = new Map<string, Folder>([['vm', vmFolder]]);
    for (const name of dcSpec.folders ?? []) folders.set(name, await createFolder(tx, name, dc.id, vmFolder.id, ctx.now));
    for (const cs of dcSpec.clusters ?? []) {
      const cluster = await createCluster(tx, { name: cs.name, datacenterId: dc.id, drsEnabled: cs.drs ?? true, haEnabled: cs.ha ?? true }, ctx.now);
      const base = `${dcSpec.name}/${cs.name}`;
      paths.set(base, cluster.id);
      const hosts: Host[] = [];
      for (const h of cs.hosts) {
        const host = await createHost(tx, h, cluster.id, ctx.now);
        hosts.push(host);
        paths.set(`${base}/${h}`, host.id);
      }
      const pools = new Map<string, ResourcePool>();
      for (const p of cs.resource_pools ?? []) {
        const rp = await createResourcePool(tx, p, cluster, ctx.now);
        pools.set(p, rp);
        paths.set(`${base}/${p}`, rp.id);
      }
      let i = 0;
      for (const spec of cs.vms ?? []) {
        const vm = await seedVm(tx, spec, { cluster, hosts, pools, folders, hostIndex: i++ }, ctx);
        paths.set(`${base}/${spec.name}`, vm.id);
      }
    }
  }
  const tags = await seedTags(tx, seed.tag_categories ?? [], paths, ctx.now);
  for (const g of seed.protection_groups ?? []) await seedGroup(tx, g, paths, tags, ctx.now, ctx.maxSnapshotsPerVm, ctx.historyMs);
  if (seed.license) await tx.meta.set('license', JSON.stringify(licenseOf(seed.license as Partial<License> & Pick<License, 'state'>)));
  const roleIds = new Map(BUILTIN_ROLES.map((r) => [r.name, r.id]));
  let roleNo = 1000;
  for (const r of seed.roles ?? []) {
    const id = String(++roleNo);
    await tx.roles.upsert({ id, name: r.name, privileges: r.privileges, system: false });
    roleIds.set(r.name, id);
  }
  for (const u of seed.users ?? []) {
    await tx.users.insert({ name: u.name, passwordHash: passwordHashes.get(u.name) as string, createdAt: ctx.now });
    for (const p of u.permissions ?? []) {
      const entityId = paths.get(p.on);
      const roleId = roleIds.get(p.role);
      if (!entityId) throw new Error(`seed: user ${u.name}: no inventory object at '${p.on}'`);
      if (!roleId) throw new Error(`seed: user ${u.name}: no role '${p.role}'`);
      await tx.permissions.upsert({ principal: u.name, entityId, roleId, propagate: p.propagate ?? true });
    }
  }
}

/** Hashes seed passwords up front: scrypt is slow and must not run inside a transaction. */
export async function hashSeedPasswords(seed: Seed, cost: number): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const u of seed.users ?? []) out.set(u.name, await hashPassword(u.password, cost));
  return out;
}

interface Placement {
  cluster: Cluster;
  hosts: Host[];
  pools: Map<string, ResourcePool>;
  folders: Map<string, Folder>;
  hostIndex: number;
}

async function seedVm(tx: Repos, spec: SeedVmSpec, at: Placement, ctx: SeedContext): Promise<Vm> {
  const host = spec.host ? at.hosts.find((h) => h.name === spec.host) : at.hosts[at.hostIndex % at.hosts.length];
  if (!host) throw new Error(`seed: VM ${spec.name}: no host '${spec.host}' in cluster ${at.cluster.name}`);
  const folder = at.folders.get(spec.folder ?? 'vm');
  if (!folder) throw new Error(`seed: VM ${spec.name}: no folder '${spec.folder}'`);
  const pool = spec.resource_pool ? at.pools.get(spec.resource_pool)?.id : at.cluster.resourcePoolId;
  if (!pool) throw new Error(`seed: VM ${spec.name}: no resource pool '${spec.resource_pool}'`);
  const disks = (spec.disks ?? [{ capacity_mib: 256 }]).map((d, i) => ({
    diskKey: 2000 + i,
    label: d.label ?? `Hard disk ${i + 1}`,
    capacityBytes: d.capacity_mib * MIB,
    blockSize: d.block_size ?? 4096,
  }));
  let vm = await createVm(tx, {
    name: spec.name, clusterId: at.cluster.id, hostId: host.id, folderId: folder.id, resourcePoolId: pool,
    powerState: spec.power_state ?? 'POWERED_OFF', cpuCount: spec.cpu ?? 2, memoryMib: spec.memory_mib ?? 4096,
    guestOs: spec.guest_os ?? 'OTHER_LINUX_64', disks,
  }, ctx.now);
  for (const step of spec.history ?? []) {
    if ('write' in step) {
      const disk = await tx.disks.get(vm.id, step.write.disk);
      if (!disk) throw new Error(`seed: VM ${spec.name}: no disk ${step.write.disk}`);
      if (step.write.block * disk.blockSize >= disk.capacityBytes) throw new Error(`seed: VM ${spec.name}: block ${step.write.block} is past the end of disk ${disk.diskKey}`);
      const data = step.write.base64 !== undefined ? Buffer.from(step.write.base64, 'base64') : Buffer.from(step.write.text ?? '', 'utf8');
      await writeBlock(tx, disk, step.write.block, data);
    } else {
      const s = step.snapshot;
      const { snapshot } = await takeVmSnapshot(tx, vm, {
        name: s.name,
        type: 'ONE_TIME',
        createdAt: ctx.now - (s.age_minutes ?? 0) * 60_000,
        expiresAt: s.expires_in_minutes === undefined ? null : ctx.now + s.expires_in_minutes * 60_000,
      }, ctx.maxSnapshotsPerVm);
      await seedLabels(tx, `VM ${spec.name}, snapshot ${s.name}`, snapshot.id, s.labels ?? []);
      vm = (await tx.vms.get(vm.id)) as Vm;
    }
  }
  return vm;
}
