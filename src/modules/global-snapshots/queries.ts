import type { Static } from '@sinclair/typebox';
import type { Vm } from '../../domain/model.ts';
import { errors } from '../../errors.ts';
import { constraint, timeBound } from '../../vapi/filters.ts';
import type { Call } from '../../vapi/operation.ts';
import { indexItemToWire, type IndexFilter, type IndexIteration } from './schemas.ts';

/** What the service picks where the vendor leaves page sizes to it. */
export const PAGE = { default: 100, max: 1000 };

function positive(field: string, value: number | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (value < 1) throw errors.invalidArgument(field, 'must be at least 1');
  if (value > max) throw errors.invalidArgument(field, `must be at most ${max}`);
  return value;
}

/**
 * The VMs whose snapshots the caller may see, or undefined when that is every VM the system
 * knows. One read of every VM (deleted ones too: their snapshots remain) and the caller's
 * permissions, so the cost does not grow with the inventory or the page.
 */
async function readableVms(call: Call, all: Vm[]): Promise<string[] | undefined> {
  const readable: string[] = [];
  for (const vm of all) if (await call.authz.canReadVm(vm)) readable.push(vm.id);
  return readable.length === all.length ? undefined : readable;
}

/** Both sets constrain the VMs: the caller's readable ones and the filter's BIOS UUIDs. */
function intersect(a: string[] | undefined, b: string[] | undefined): string[] | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const keep = new Set(b);
  return a.filter((id) => keep.has(id));
}

/**
 * The cross-cluster listing: the snapshots of every VM the caller may read, of every kind
 * (group, one-time, system-created), by creation time then id, one page at a time with the
 * count of all matches. A constant number of queries whatever the page size or inventory.
 */
export async function listIndex(call: Call, f: Static<typeof IndexFilter> = {}, it: Static<typeof IndexIteration> = {}) {
  const limit = positive('iterate.page_size', it.page_size, PAGE.max) ?? PAGE.default;
  if (it.offset !== undefined && it.offset < 0) throw errors.invalidArgument('iterate.offset', 'must not be negative');
  // Past this no page can start (nor could both engines bind it exactly).
  if (it.offset !== undefined && it.offset > Number.MAX_SAFE_INTEGER) throw errors.invalidArgument('iterate.offset', `must be at most ${Number.MAX_SAFE_INTEGER}`);
  const perVm = positive('filter.snapshots_per_vm', f.snapshots_per_vm);
  const repos = call.deps.store.repos;
  const vms = await repos.vms.list({ includeDeleted: true });
  const byId = new Map(vms.map((v) => [v.id, v]));
  const bios = constraint(f.vm_bios_uuids);
  const wanted = bios && new Set(bios);
  const biosVms = wanted && vms.filter((v) => wanted.has(v.biosUuid)).map((v) => v.id);
  const page = await repos.snapshots.page({
    vmIds: intersect(await readableVms(call, vms), biosVms),
    clusterIds: constraint(f.clusters),
    ids: constraint(f.snapshots),
    createdAfter: timeBound(f.created_after),
    createdBefore: timeBound(f.created_before),
    perVm,
    limit,
    offset: it.offset ?? 0,
  });
  const labels = await repos.labels.of(page.items.map((s) => s.id));
  return {
    snapshots: page.items.map((s) => indexItemToWire(s, byId.get(s.vmId), labels.get(s.id) ?? [])),
    total_count: page.total,
  };
}
