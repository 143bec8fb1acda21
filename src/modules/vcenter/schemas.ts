import { Type, type TSchema } from '@sinclair/typebox';
import type { Cluster, Datacenter, Folder, Host, ResourcePool, Vm } from '../../domain/model.ts';
import { Canonical, compact, Id, ListOf, Long, SetOf, StringEnum, Struct } from '../../vapi/wire.ts';

/**
 * Wire shapes of the vCenter inventory slice (vcenter-subset.yaml: Vcenter.Datacenter,
 * Cluster, Folder, Host, ResourcePool, VM, Vm.Power) and the domain -> wire mapping.
 */

const VC = 'com.vmware.vcenter';

export const POWER_STATES = ['POWERED_OFF', 'POWERED_ON', 'SUSPENDED'] as const;
export const FOLDER_TYPES = ['DATACENTER', 'DATASTORE', 'HOST', 'NETWORK', 'VIRTUAL_MACHINE'] as const;
export const HOST_CONNECTION_STATES = ['CONNECTED', 'DISCONNECTED', 'NOT_RESPONDING'] as const;
export const HOST_POWER_STATES = ['POWERED_ON', 'POWERED_OFF', 'STANDBY'] as const;

export const VmPowerState = StringEnum(`${VC}.vm.power.state`, POWER_STATES);
const FolderType = StringEnum(`${VC}.folder.type`, FOLDER_TYPES);
const HostConnectionState = StringEnum(`${VC}.host.connection_state`, HOST_CONNECTION_STATES);
const HostPowerState = StringEnum(`${VC}.host.power_state`, HOST_POWER_STATES);

const Ids = () => Type.Optional(SetOf(Id()));
const Names = () => Type.Optional(SetOf(Type.String()));

/** A list answer: a JSON array of summaries. */
const ArrayOf = (item: TSchema) => ListOf(item);

// ---- filters (query strings; repeated keys are sets) ----

export const DatacenterFilter = Struct(`${VC}.datacenter.filter_spec`, {
  datacenters: Ids(),
  names: Names(),
  folders: Ids(),
});

export const ClusterFilter = Struct(`${VC}.cluster.filter_spec`, {
  clusters: Ids(),
  names: Names(),
  folders: Ids(),
  datacenters: Ids(),
});

export const FolderFilter = Struct(`${VC}.folder.filter_spec`, {
  folders: Ids(),
  names: Names(),
  type: Type.Optional(FolderType),
  parent_folders: Ids(),
  datacenters: Ids(),
});

export const HostFilter = Struct(`${VC}.host.filter_spec`, {
  hosts: Ids(),
  names: Names(),
  folders: Ids(),
  datacenters: Ids(),
  standalone: Type.Optional(Type.Boolean()),
  clusters: Ids(),
  connection_states: Type.Optional(SetOf(HostConnectionState)),
  host_uuids: Names(),
});

export const ResourcePoolFilter = Struct(`${VC}.resource_pool.filter_spec`, {
  resource_pools: Ids(),
  names: Names(),
  parent_resource_pools: Ids(),
  datacenters: Ids(),
  hosts: Ids(),
  clusters: Ids(),
});

export const VmFilter = Struct(`${VC}.VM.filter_spec`, {
  vms: Ids(),
  names: Names(),
  folders: Ids(),
  datacenters: Ids(),
  hosts: Ids(),
  clusters: Ids(),
  resource_pools: Ids(),
  power_states: Type.Optional(SetOf(VmPowerState)),
});

// ---- summaries and infos ----

export const DatacenterSummary = Struct(`${VC}.datacenter.summary`, { datacenter: Id(), name: Type.String() });
export const DatacenterList = ArrayOf(DatacenterSummary);

export const ClusterSummary = Struct(`${VC}.cluster.summary`, {
  cluster: Id(),
  name: Type.String(),
  ha_enabled: Type.Boolean(),
  drs_enabled: Type.Boolean(),
});
export const ClusterList = ArrayOf(ClusterSummary);
export const ClusterInfo = Struct(`${VC}.cluster.info`, { name: Type.String(), resource_pool: Id() });

export const FolderSummary = Struct(`${VC}.folder.summary`, { folder: Id(), name: Type.String(), type: FolderType });
export const FolderList = ArrayOf(FolderSummary);

export const HostSummary = Struct(`${VC}.host.summary`, {
  host: Id(),
  name: Type.String(),
  connection_state: HostConnectionState,
  power_state: Type.Optional(HostPowerState),
  host_uuid: Type.Optional(Type.String()),
});
export const HostList = ArrayOf(HostSummary);

export const ResourcePoolSummary = Struct(`${VC}.resource_pool.summary`, { resource_pool: Id(), name: Type.String() });
export const ResourcePoolList = ArrayOf(ResourcePoolSummary);

export const VmSummary = Struct(`${VC}.VM.summary`, {
  vm: Id(),
  name: Type.String(),
  power_state: VmPowerState,
  cpu_count: Type.Optional(Long()),
  memory_size_mib: Canonical('memory_size_MiB', Type.Optional(Long())),
});
export const VmList = ArrayOf(VmSummary);

export const PowerInfo = Struct(`${VC}.vm.power.info`, {
  state: VmPowerState,
  clean_power_off: Type.Optional(Type.Boolean()),
});

// ---- relocate ----

export const RelocatePlacementSpec = Struct(`${VC}.VM.relocate_placement_spec`, {
  folder: Type.Optional(Id()),
  resource_pool: Type.Optional(Id()),
  host: Type.Optional(Id()),
  cluster: Type.Optional(Id()),
  datastore: Type.Optional(Id()),
});

export const DiskRelocateSpec = Struct(`${VC}.VM.disk_relocate_spec`, { datastore: Type.Optional(Id()) });

export const RelocateSpec = Struct(`${VC}.VM.relocate_spec`, {
  placement: Type.Optional(RelocatePlacementSpec),
  disks: Type.Optional(Type.Record(Type.String(), DiskRelocateSpec, { vapi_map: true })),
});

// ---- mapping ----

export const datacenterToWire = (dc: Datacenter) => ({ datacenter: dc.id, name: dc.name });

export const clusterToWire = (c: Cluster) => ({ cluster: c.id, name: c.name, ha_enabled: c.haEnabled, drs_enabled: c.drsEnabled });

export const clusterInfoToWire = (c: Cluster) => ({ name: c.name, resource_pool: c.resourcePoolId });

export const folderToWire = (f: Folder) => ({ folder: f.id, name: f.name, type: f.type });

/** power_state only means something while the host is connected. */
export const hostToWire = (h: Host, uuid: string) =>
  compact({
    host: h.id,
    name: h.name,
    connection_state: h.connectionState,
    power_state: h.connectionState === 'CONNECTED' ? h.powerState : undefined,
    host_uuid: uuid,
  });

export const resourcePoolToWire = (rp: ResourcePool) => ({ resource_pool: rp.id, name: rp.name });

export const vmSummaryToWire = (vm: Vm) => ({
  vm: vm.id,
  name: vm.name,
  power_state: vm.powerState,
  cpu_count: vm.cpuCount,
  memory_size_mib: vm.memoryMib,
});

/** A VM is only ever stopped through the API here, never crashed: its power-off is clean. */
export const powerInfoToWire = (vm: Vm) =>
  compact({ state: vm.powerState, clean_power_off: vm.powerState === 'POWERED_OFF' ? true : undefined });
