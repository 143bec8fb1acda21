import type { Folder, Host, ResourcePool } from '../domain/model.ts';
import { BUILTIN_ROLES } from '../domain/privileges.ts';
import { yieldToEventLoop } from '../clock/clock.ts';
import { ascendingUuids } from '../domain/ids.ts';
import { licenseOf, type License } from '../domain/sites.ts';
import { hashPassword } from '../security/passwords.ts';
import { createCluster, createDatacenter, createFolder, createHost, createResourcePool } from '../engine/inventory.ts';
import type { Repos, Store } from '../store/store.ts';
import type { Seed } from './format.ts';
import { seedGroup } from './groups.ts';
import type { SeedRecord } from './records.ts';
import { seedTags } from './tags.ts';
import { emptyRows, layersNeeded, planVm, type Placement } from './vms.ts';

export interface SeedContext {
  now: number;
  rootFolderId: string;
  scryptCost: number;
  maxSnapshotsPerVm: number;
  /** How far back seeded groups write snapshot history (the reporting retention). */
  historyMs?: number;
  /** Real time now, for the time part of new ids. */
  wallNow: number;
  /** Checked between batches: once aborted, seeding stops with SeedInterrupted. */
  signal?: AbortSignal;
  /** Called after every batch with the totals so far. */
  progress?: (p: SeedProgress) => void;
}

export interface SeedProgress { vms: number; snapshots: number }

export class SeedInterrupted extends Error {
  constructor(readonly done: SeedProgress) {
    super(`seeding interrupted after ${done.vms} VMs and ${done.snapshots} snapshots`);
  }
}

/**
 * Rows per transaction: big enough that commits cost little next to the inserts, small enough
 * that a batch's rows stay a few MB in memory and a signal is seen within a fraction of a second.
 */
const BATCH_ROWS = 20_000;

interface PendingVm { spec: Extract<SeedRecord, { vm: unknown }>['vm']; at: Placement; base: string; hostIndex: number }

/**
 * Applies a seed's records in creation order, each batch in a transaction of its own: the
 * caller marks the store as being seeded before and as seeded after, so that a seed stopped
 * halfway is never taken for a whole one.
 */
export async function seedStore(store: Store, records: AsyncIterable<SeedRecord>, ctx: SeedContext): Promise<void> {
  const paths = new Map<string, string>([['/', ctx.rootFolderId]]);
  const done: SeedProgress = { vms: 0, snapshots: 0 };
  let folders = new Map<string, Folder>();
  let dcName = '';
  let dcId = '';
  let placement: Placement | undefined;
  let base = '';
  let hostIndex = 0;
  let pending: PendingVm[] = [];
  let pendingRows = 0;
  const newId = ascendingUuids(ctx.wallNow ?? Date.now());

  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    pendingRows = 0;
    const made = await store.transaction(async (tx) => {
      const rows = emptyRows();
      let idNo = await tx.bulk.reserveIds(batch.length);
      let layer = await tx.bulk.reserveLayers(batch.reduce((n, p) => n + layersNeeded(p.spec), 0));
      for (const p of batch) {
        const vctx = { now: ctx.now, newId, maxSnapshotsPerVm: ctx.maxSnapshotsPerVm, hostIndex: p.hostIndex, idNo: idNo++, layer };
        planVm(p.spec, p.at, vctx, rows);
        layer = vctx.layer;
      }
      await tx.bulk.insert(rows);
      for (const l of rows.labels) await tx.labels.add(l.snapshotId, l.label);
      return { snapshots: rows.snapshots.length };
    });
    done.vms += batch.length;
    done.snapshots += made.snapshots;
    ctx.progress?.({ ...done });
    await yieldToEventLoop();
    if (ctx.signal?.aborted) throw new SeedInterrupted({ ...done });
  };

  for await (const r of records) {
    if (ctx.signal?.aborted) throw new SeedInterrupted({ ...done });
    if ('vm' in r) {
      if (!placement) throw new Error(`seed: VM ${r.vm.name} comes before any cluster`);
      pending.push({ spec: r.vm, at: placement, base, hostIndex: hostIndex++ });
      pendingRows += 3 * (1 + layersNeeded(r.vm));
      if (pendingRows >= BATCH_ROWS) await flush();
      continue;
    }
    await flush();
    if ('datacenter' in r) {
      const spec = r.datacenter;
      await store.transaction(async (tx) => {
        const { dc, vmFolder } = await createDatacenter(tx, spec.name, ctx.now);
        folders = new Map([['vm', vmFolder]]);
        for (const name of spec.folders ?? []) folders.set(name, await createFolder(tx, name, dc.id, vmFolder.id, ctx.now));
        dcName = spec.name;
        dcId = dc.id;
      });
      paths.set(dcName, dcId);
      placement = undefined;
    } else if ('cluster' in r) {
      const cs = r.cluster;
      if (!dcId) throw new Error(`seed: cluster ${cs.name} comes before any datacenter`);
      base = `${dcName}/${cs.name}`;
      placement = await store.transaction(async (tx) => {
        const cluster = await createCluster(tx, { name: cs.name, datacenterId: dcId, drsEnabled: cs.drs ?? true, haEnabled: cs.ha ?? true }, ctx.now);
        const hosts: Host[] = [];
        for (const h of cs.hosts) hosts.push(await createHost(tx, h, cluster.id, ctx.now));
        const pools = new Map<string, ResourcePool>();
        for (const p of cs.resource_pools ?? []) pools.set(p, await createResourcePool(tx, p, cluster, ctx.now));
        return { cluster, hosts, pools, folders };
      });
      paths.set(base, placement.cluster.id);
      for (const h of placement.hosts) paths.set(`${base}/${h.name}`, h.id);
      for (const [name, rp] of placement.pools) paths.set(`${base}/${name}`, rp.id);
      hostIndex = 0;
    } else {
      const hashes = await hashSeedPasswords(r.rest, ctx.scryptCost);
      await store.transaction(async (tx) => {
        await addVmPaths(tx, r.rest, paths);
        await applyRest(tx, r.rest, paths, ctx, hashes);
      });
    }
  }
  await flush();
}

/**
 * Adds the VMs the rest of the seed names by path. VM paths are not kept while seeding (a
 * hundred thousand of them would hold tens of MB for the few a seed's groups, tags and
 * permissions name); a VM wins over a host or pool of the same name, as it always did.
 */
async function addVmPaths(tx: Repos, seed: Seed, paths: Map<string, string>): Promise<void> {
  const named = new Set<string>();
  for (const c of seed.tag_categories ?? []) for (const t of c.tags ?? []) for (const p of t.attached_to ?? []) named.add(p);
  for (const g of seed.protection_groups ?? []) for (const name of g.vms ?? []) named.add(`${g.cluster}/${name}`);
  for (const u of seed.users ?? []) for (const p of u.permissions ?? []) named.add(p.on);
  const byCluster = new Map<string, Set<string>>();
  for (const path of named) {
    const cut = path.lastIndexOf('/');
    const clusterId = cut > 0 ? paths.get(path.slice(0, cut)) : undefined;
    if (!clusterId || path.slice(0, cut).split('/').length !== 2) continue;
    const names = byCluster.get(path.slice(0, cut)) ?? new Set();
    names.add(path.slice(cut + 1));
    byCluster.set(path.slice(0, cut), names);
  }
  for (const [base, names] of byCluster) {
    for (const vm of await tx.vms.list({ clusterIds: [paths.get(base) as string], names: [...names] })) paths.set(`${base}/${vm.name}`, vm.id);
  }
}

/** What comes after the inventory: tags, groups, roles, users and their permissions. */
async function applyRest(tx: Repos, seed: Seed, paths: Map<string, string>, ctx: SeedContext, passwordHashes: Map<string, string>): Promise<void> {
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
