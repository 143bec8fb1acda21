import { Type } from '@sinclair/typebox';
import { clusterOr404 } from '../../access/lookup.ts';
import type { Cluster } from '../../domain/model.ts';
import type { HistoryFilter } from '../../store/store.ts';
import { defineOperation, type Call, type Operation } from '../../vapi/operation.ts';
import { Id, Input, Since } from '../../vapi/wire.ts';
import { groupReport, readableVms, vmReport } from './entities.ts';
import {
  DEFAULT_PAGE, Iteration, NAMESPACES, PgCountsByGroup, PgCountsBySlice, PgReportList, PgSnapshotReport, PgSnapshotReportFilter,
  ReplicationFilter, VmCountsBySlice, VmCountsByVm, VmReportList, VmSnapshotReport, VmSnapshotReportFilter,
} from './schemas.ts';
import {
  countsByKey, countsBySlice, historyFilter, pgAttemptToWire, sliceMsOf, timeRange, vmAttemptToWire, vmCounts, type TimeRange,
} from './views.ts';

const { PGS, VMS, PG_SNAPS, VM_SNAPS } = NAMESPACES;
const BASE = '/api/snapservice/reports/clusters/{cluster}';
const V9_0 = '9.0.0.0';

/** Every report reads one cluster and needs System.Read on it (the vendor's only privilege here). */
async function readableCluster(call: Call, ids: Record<string, string>): Promise<Cluster> {
  const cluster = await clusterOr404(call.deps.store.repos, ids.cluster);
  await call.authz.require({ type: 'ClusterComputeResource', id: cluster.id }, ['System.Read']);
  return cluster;
}

const common = { since: V9_0, readOnly: true, ids: ['cluster'], authorize: readableCluster };

/** The VM history filter of a caller: the VMs asked for, less those the caller may not read. */
async function vmFilter(call: Call, cluster: Cluster, range: TimeRange, vms: string[] | undefined): Promise<HistoryFilter> {
  const readable = await readableVms(call, cluster, range.from);
  const wanted = vms && vms.length > 0 ? vms : undefined;
  // An empty list left after the caller's view is applied matches nothing (the store's rule).
  const vmIds = readable === 'all' ? wanted : (wanted ?? [...readable]).filter((id) => readable.has(id));
  return { ...historyFilter(cluster.id, 'VM', range, {}), vmIds };
}

const pageOf = (it: { page_size?: number; offset?: number } | undefined) => ({ limit: it?.page_size ?? DEFAULT_PAGE, offset: it?.offset ?? 0 });

export const reportOperations: Operation[] = [
  defineOperation({
    ...common, service: PGS, name: 'list',
    rest: { method: 'GET', path: `${BASE}/protection-groups`, query: ['filter'] },
    input: Input({ cluster: Id(), filter: Since('9.1.0.0', Type.Optional(ReplicationFilter(PGS))) }),
    output: PgReportList,
    handler: async (call, input, cluster) => ({ items: await groupReport(call, cluster, input.filter?.replication ?? false) }),
  }),
  defineOperation({
    ...common, service: VMS, name: 'list',
    rest: { method: 'GET', path: `${BASE}/virtual-machines`, query: ['filter'] },
    input: Input({ cluster: Id(), filter: Since('9.1.0.0', Type.Optional(ReplicationFilter(VMS))) }),
    output: VmReportList,
    handler: async (call, input, cluster) => ({ items: await vmReport(call, cluster, input.filter?.replication ?? false) }),
  }),
  defineOperation({
    ...common, service: PG_SNAPS, name: 'list',
    rest: { method: 'GET', path: `${BASE}/protection-groups/snapshots`, query: ['filter', 'iterate'] },
    input: Input({ cluster: Id(), filter: Type.Optional(PgSnapshotReportFilter), iterate: Type.Optional(Iteration(PG_SNAPS)) }),
    output: PgSnapshotReport,
    handler: async (call, input, cluster) => {
      const f = input.filter ?? {};
      const { limit, offset } = pageOf(input.iterate);
      const page = await call.deps.store.repos.history.page(historyFilter(cluster.id, 'PG', timeRange(call, f), f), limit, offset);
      return { snapshots: page.items.map(pgAttemptToWire), total_count: page.total };
    },
  }),
  defineOperation({
    ...common, service: PG_SNAPS, name: 'list_status_aggregated_by_time_slice',
    rest: { method: 'GET', path: `${BASE}/protection-groups/snapshot-status-counts`, select: { aggregateBy: 'time-slice' }, query: ['filter'] },
    input: Input({ cluster: Id(), filter: Type.Optional(PgSnapshotReportFilter) }),
    output: PgCountsBySlice,
    handler: async (call, input, cluster) => {
      const f = input.filter ?? {};
      const range = timeRange(call, f);
      const rows = await call.deps.store.repos.history.countByStatus(historyFilter(cluster.id, 'PG', range, f), { sliceMs: sliceMsOf(range) });
      return { items: countsBySlice(range, rows) };
    },
  }),
  defineOperation({
    ...common, service: PG_SNAPS, name: 'list_status_aggregated_by_protection_group',
    rest: { method: 'GET', path: `${BASE}/protection-groups/snapshot-status-counts`, select: { aggregateBy: 'protection-group' }, query: ['filter'] },
    input: Input({ cluster: Id(), filter: Type.Optional(PgSnapshotReportFilter) }),
    output: PgCountsByGroup,
    handler: async (call, input, cluster) => {
      const f = input.filter ?? {};
      const rows = await call.deps.store.repos.history.countByStatus(historyFilter(cluster.id, 'PG', timeRange(call, f), f), 'pg');
      return { items: [...countsByKey(rows)].map(([pg, info]) => ({ pg, info })) };
    },
  }),
  defineOperation({
    ...common, service: VM_SNAPS, name: 'list',
    rest: { method: 'GET', path: `${BASE}/virtual-machines/snapshots`, query: ['filter', 'iterate'] },
    input: Input({ cluster: Id(), filter: Type.Optional(VmSnapshotReportFilter), iterate: Type.Optional(Iteration(VM_SNAPS)) }),
    output: VmSnapshotReport,
    handler: async (call, input, cluster) => {
      const f = input.filter ?? {};
      const { limit, offset } = pageOf(input.iterate);
      const range = timeRange(call, f);
      const page = await call.deps.store.repos.history.page(await vmFilter(call, cluster, range, f.vms), limit, offset);
      return { snapshots: page.items.map(vmAttemptToWire), total_count: page.total };
    },
  }),
  defineOperation({
    ...common, service: VM_SNAPS, name: 'list_status_aggregated_by_time_slice',
    rest: { method: 'GET', path: `${BASE}/virtual-machines/snapshot-status-counts`, select: { aggregateBy: 'time-slice' }, query: ['filter'] },
    input: Input({ cluster: Id(), filter: Type.Optional(VmSnapshotReportFilter) }),
    output: VmCountsBySlice,
    handler: async (call, input, cluster) => {
      const f = input.filter ?? {};
      const range = timeRange(call, f);
      const rows = await call.deps.store.repos.history.countByStatus(await vmFilter(call, cluster, range, f.vms), { sliceMs: sliceMsOf(range) });
      return { items: countsBySlice(range, rows).map((s) => ({ ...s, info: vmCounts(s.info) })) };
    },
  }),
  defineOperation({
    ...common, service: VM_SNAPS, name: 'list_status_aggregated_by_virtual_machine',
    rest: { method: 'GET', path: `${BASE}/virtual-machines/snapshot-status-counts`, select: { aggregateBy: 'virtual-machine' }, query: ['filter'] },
    input: Input({ cluster: Id(), filter: Type.Optional(VmSnapshotReportFilter) }),
    output: VmCountsByVm,
    handler: async (call, input, cluster) => {
      const f = input.filter ?? {};
      const rows = await call.deps.store.repos.history.countByStatus(await vmFilter(call, cluster, timeRange(call, f), f.vms), 'vm');
      return { items: [...countsByKey(rows)].map(([vm, info]) => ({ vm, info: vmCounts(info) })) };
    },
  }),
];
