import { Type } from '@sinclair/typebox';
import { defineOperation, type Operation } from '../../vapi/operation.ts';
import { Id, Input } from '../../vapi/wire.ts';
import {
  ClusterFilter, ClusterInfo, clusterInfoToWire, ClusterList, clusterToWire, DatacenterFilter, DatacenterList, datacenterToWire,
  FolderFilter, FolderList, folderToWire, HostFilter, HostList, hostToWire, ResourcePoolFilter, ResourcePoolList, resourcePoolToWire,
} from './schemas.ts';
import { hostUuid, listClusters, listDatacenters, listFolders, listHosts, listResourcePools, readableCluster } from './inventory.ts';
import { vcenterVmOperations } from './vm-operations.ts';

/**
 * The slice of the vCenter Automation API beside Snapservice: inventory reads, and VM reads,
 * power, relocate and delete (vm-operations.ts). Only list and get; inventory is created by seeds.
 */
const VC = 'com.vmware.vcenter';
const SINCE = '6.5';

const inventoryOperations: Operation[] = [
  defineOperation({
    service: `${VC}.datacenter`, name: 'list', since: SINCE, readOnly: true,
    rest: { method: 'GET', path: '/api/vcenter/datacenter', query: ['filter'] },
    input: Input({ filter: Type.Optional(DatacenterFilter) }),
    output: DatacenterList,
    handler: async (call, input) => (await listDatacenters(call, input.filter)).map(datacenterToWire),
  }),
  defineOperation({
    service: `${VC}.cluster`, name: 'list', since: SINCE, readOnly: true,
    rest: { method: 'GET', path: '/api/vcenter/cluster', query: ['filter'] },
    input: Input({ filter: Type.Optional(ClusterFilter) }),
    output: ClusterList,
    handler: async (call, input) => (await listClusters(call, input.filter)).map(clusterToWire),
  }),
  defineOperation({
    service: `${VC}.cluster`, name: 'get', since: SINCE, readOnly: true,
    rest: { method: 'GET', path: '/api/vcenter/cluster/{cluster}' },
    input: Input({ cluster: Id() }),
    ids: ['cluster'],
    output: ClusterInfo,
    authorize: (call, ids) => readableCluster(call, ids.cluster),
    handler: async (_call, _input, cluster) => clusterInfoToWire(cluster),
  }),
  defineOperation({
    service: `${VC}.folder`, name: 'list', since: SINCE, readOnly: true,
    rest: { method: 'GET', path: '/api/vcenter/folder', query: ['filter'] },
    input: Input({ filter: Type.Optional(FolderFilter) }),
    output: FolderList,
    handler: async (call, input) => (await listFolders(call, input.filter)).map(folderToWire),
  }),
  defineOperation({
    service: `${VC}.host`, name: 'list', since: SINCE, readOnly: true,
    rest: { method: 'GET', path: '/api/vcenter/host', query: ['filter'] },
    input: Input({ filter: Type.Optional(HostFilter) }),
    output: HostList,
    handler: async (call, input) => (await listHosts(call, input.filter)).map((h) => hostToWire(h, hostUuid(h.id))),
  }),
  defineOperation({
    service: `${VC}.resource_pool`, name: 'list', since: SINCE, readOnly: true,
    rest: { method: 'GET', path: '/api/vcenter/resource-pool', query: ['filter'] },
    input: Input({ filter: Type.Optional(ResourcePoolFilter) }),
    output: ResourcePoolList,
    handler: async (call, input) => (await listResourcePools(call, input.filter)).map(resourcePoolToWire),
  }),
];

export const vcenterOperations: Operation[] = [...inventoryOperations, ...vcenterVmOperations];
