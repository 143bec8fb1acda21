import { Type } from '@sinclair/typebox';
import { readContent } from '../../engine/disks.ts';
import { errors } from '../../errors.ts';
import { defineOperation, type Operation } from '../../vapi/operation.ts';
import { Id, Input, ListOf, Struct } from '../../vapi/wire.ts';

/**
 * The simulation plane's look at a group's replicas at a recovery site (--sim, admin only):
 * replica VMs are not in the vCenter inventory until a promote, and a test or a person wants
 * to see that what arrived reads exactly as the source snapshot.
 */
const SERVICE = 'com.vmware.snapservice.sim.replicas';

const ReplicaDisk = Struct(`${SERVICE}.disk`, { disk_key: Type.Integer(), digest: Type.Optional(Type.String()) });
const ReplicaSnapshot = Struct(`${SERVICE}.snapshot`, { source_snapshot: Id(), name: Type.String(), disks: ListOf(ReplicaDisk) });
const ReplicaVm = Struct(`${SERVICE}.vm`, { source_site: Id(), source_vm: Id(), name: Type.String(), snapshots: ListOf(ReplicaSnapshot) });

export const drSimOperations: Operation[] = [
  defineOperation({
    service: SERVICE, name: 'list', since: 'sim', readOnly: true,
    rest: { method: 'GET', path: '/api/sim/protection-groups/{pg}/replicas' },
    input: Input({ pg: Id() }), ids: ['pg'],
    output: Struct(`${SERVICE}.list_result`, { items: ListOf(ReplicaVm) }),
    authorize: async (call, ids) => {
      await call.authz.require({ type: 'Folder', id: call.deps.rootFolderId }, ['Snapservice.Simulation']);
      if (!(await call.deps.store.repos.groups.get(ids.pg))) throw errors.notFound('protection group', ids.pg);
    },
    handler: async (call, { pg }) => {
      const { repos } = call.deps.store;
      const items = [];
      for (const vm of await repos.replication.listVms(pg)) {
        const geometry = new Map((await repos.replication.disks(vm.id)).map((d) => [d.diskKey, d]));
        const snapshots = [];
        for (const s of await repos.replication.listSnapshots(vm.id)) {
          const disks = [];
          for (const d of s.disks) {
            const g = geometry.get(d.diskKey);
            const digest = g && (await readContent(repos, d.layerId, g, call.deps.config.maxDigestBytes)).digest;
            disks.push({ disk_key: d.diskKey, ...(digest ? { digest } : {}) });
          }
          snapshots.push({ source_snapshot: s.sourceSnapshotId, name: s.name, disks });
        }
        items.push({ source_site: vm.sourceSiteId, source_vm: vm.sourceVmId, name: vm.name, snapshots });
      }
      return { items };
    },
  }),
];
