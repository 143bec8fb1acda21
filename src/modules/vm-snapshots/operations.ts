import { Type } from '@sinclair/typebox';
import type { Cluster, Vm } from '../../domain/model.ts';
import { errors } from '../../errors.ts';
import { snapshotFilter } from '../../vapi/filters.ts';
import { defineOperation, type Call, type Operation } from '../../vapi/operation.ts';
import { Id, Input } from '../../vapi/wire.ts';
import { clusterAndVm } from '../vms/operations.ts';
import { VmSnapshotFilter, VmSnapshotInfo, VmSnapshotList, vmSnapshotToWire } from './schemas.ts';

const SERVICE = 'com.vmware.snapservice.clusters.virtual_machines.snapshots';
const BASE = '/api/snapservice/clusters/{cluster}/virtual-machines/{vm}/snapshots';
const READ = { cluster: ['System.Read'], vm: ['System.Read'] };

/** The VM must be in the cluster or have snapshots there, as for the VM get. */
async function associated(call: Call, cluster: Cluster, vm: Vm): Promise<void> {
  if (vm.clusterId === cluster.id) return;
  const here = await call.deps.store.repos.snapshots.list({ vmId: vm.id, clusterId: cluster.id });
  if (here.length === 0) throw errors.notFound('virtual machine', vm.id);
}


export const vmSnapshotOperations: Operation[] = [
  defineOperation({
    service: SERVICE, name: 'list', since: '8.0.3.0', readOnly: true,
    rest: { method: 'GET', path: BASE, query: ['filter'] },
    input: Input({ cluster: Id(), vm: Id(), filter: Type.Optional(VmSnapshotFilter) }),
    ids: ['cluster', 'vm'],
    output: VmSnapshotList,
    authorize: (call, ids) => clusterAndVm(call, ids, READ),
    handler: async (call, input, { cluster, vm }) => {
      await associated(call, cluster, vm);
      const f = input.filter ?? {};
      const repos = call.deps.store.repos;
      const snapshots = await repos.snapshots.list({
        vmId: vm.id,
        clusterId: cluster.id,
        ...snapshotFilter(f),
        type: f.snapshot_type,
      });
      const ids = snapshots.map((s) => s.id);
      const [disks, labels] = await Promise.all([repos.snapshots.disksOf(ids), repos.labels.of(ids)]);
      return { items: snapshots.map((s) => ({ snapshot: s.id, info: vmSnapshotToWire(s, disks.get(s.id) ?? [], labels.get(s.id) ?? []) })) };
    },
  }),
  defineOperation({
    service: SERVICE, name: 'get', since: '8.0.3.0', readOnly: true,
    rest: { method: 'GET', path: `${BASE}/{snapshot}` },
    input: Input({ cluster: Id(), vm: Id(), snapshot: Id() }),
    ids: ['cluster', 'vm', 'snapshot'],
    output: VmSnapshotInfo,
    authorize: (call, ids) => clusterAndVm(call, ids, READ),
    handler: async (call, input, { cluster, vm }) => {
      const repos = call.deps.store.repos;
      const s = await repos.snapshots.get(input.snapshot);
      if (!s || s.vmId !== vm.id || s.clusterId !== cluster.id) throw errors.notFound('snapshot', input.snapshot);
      const labels = (await repos.labels.of([s.id])).get(s.id) ?? [];
      return vmSnapshotToWire(s, await repos.snapshots.disks(s.id), labels);
    },
  }),
];
