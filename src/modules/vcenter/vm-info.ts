import { Type, type TSchema } from '@sinclair/typebox';
import type { Disk, Vm } from '../../domain/model.ts';
import { Canonical, Id, ListOf, Long, StringEnum, Struct } from '../../vapi/wire.ts';
import { VmPowerState } from './schemas.ts';

/**
 * Vcenter.VM.Info: the document-style view of one VM's configuration. Field names are the REST
 * ones; where the bindings' canonical name differs (guest_OS, size_MiB), `Canonical` says so. The model keeps CPU,
 * memory, guest OS and disks; every other device map is present (the fields are required)
 * and empty, except the one SCSI controller the disks hang off.
 */

const HW = 'com.vmware.vcenter.vm.hardware';
const MapOf = (value: TSchema) => Type.Record(Type.String(), value, { vapi_map: true });
const Optional = Type.Optional;

const ScsiAddress = Struct(`${HW}.scsi_address_info`, { bus: Long(), unit: Long() });
const SataAddress = Struct(`${HW}.sata_address_info`, { bus: Long(), unit: Long() });
const NvmeAddress = Struct(`${HW}.nvme_address_info`, { bus: Long(), unit: Long() });
const IdeAddress = Struct(`${HW}.ide_address_info`, { primary: Type.Boolean(), master: Type.Boolean() });

/** Members every connectable device (CD-ROM, NIC, floppy, ports) shares. */
const connectable = {
  state: Type.String(),
  start_connected: Type.Boolean(),
  allow_guest_control: Type.Boolean(),
};

const DiskInfo = Struct(`${HW}.disk.info`, {
  label: Type.String(),
  type: StringEnum(`${HW}.disk.host_bus_adapter_type`, ['IDE', 'SCSI', 'SATA', 'NVME']),
  ide: Optional(IdeAddress),
  scsi: Optional(ScsiAddress),
  sata: Optional(SataAddress),
  nvme: Optional(NvmeAddress),
  backing: Struct(`${HW}.disk.backing_info`, {
    type: StringEnum(`${HW}.disk.backing_type`, ['VMDK_FILE']),
    vmdk_file: Optional(Type.String()),
  }),
  capacity: Optional(Long()),
});

const EthernetInfo = Struct(`${HW}.ethernet.info`, {
  label: Type.String(),
  type: Type.String(),
  upt_compatibility_enabled: Optional(Type.Boolean()),
  upt_v2_compatibility_enabled: Optional(Type.Boolean()),
  mac_type: Type.String(),
  mac_address: Optional(Type.String()),
  pci_slot_number: Optional(Long()),
  wake_on_lan_enabled: Type.Boolean(),
  backing: Struct(`${HW}.ethernet.backing_info`, {
    type: Type.String(),
    network: Optional(Id()),
    network_name: Optional(Type.String()),
    host_device: Optional(Type.String()),
    distributed_switch_uuid: Optional(Type.String()),
    distributed_port: Optional(Type.String()),
    connection_cookie: Optional(Long()),
    opaque_network_type: Optional(Type.String()),
    opaque_network_id: Optional(Type.String()),
  }),
  ...connectable,
});

const CdromInfo = Struct(`${HW}.cdrom.info`, {
  type: Type.String(),
  label: Type.String(),
  ide: Optional(IdeAddress),
  sata: Optional(SataAddress),
  backing: Struct(`${HW}.cdrom.backing_info`, {
    type: Type.String(),
    iso_file: Optional(Type.String()),
    host_device: Optional(Type.String()),
    auto_detect: Optional(Type.Boolean()),
    device_access_type: Optional(Type.String()),
  }),
  ...connectable,
});

const FloppyInfo = Struct(`${HW}.floppy.info`, {
  label: Type.String(),
  backing: Struct(`${HW}.floppy.backing_info`, {
    type: Type.String(),
    image_file: Optional(Type.String()),
    host_device: Optional(Type.String()),
    auto_detect: Optional(Type.Boolean()),
  }),
  ...connectable,
});

const ParallelInfo = Struct(`${HW}.parallel.info`, {
  label: Type.String(),
  backing: Struct(`${HW}.parallel.backing_info`, {
    type: Type.String(),
    file: Optional(Type.String()),
    host_device: Optional(Type.String()),
    auto_detect: Optional(Type.Boolean()),
  }),
  ...connectable,
});

const SerialInfo = Struct(`${HW}.serial.info`, {
  label: Type.String(),
  yield_on_poll: Type.Boolean(),
  backing: Struct(`${HW}.serial.backing_info`, {
    type: Type.String(),
    file: Optional(Type.String()),
    host_device: Optional(Type.String()),
    auto_detect: Optional(Type.Boolean()),
    pipe: Optional(Type.String()),
    no_rx_loss: Optional(Type.Boolean()),
    network_location: Optional(Type.String({ format: 'uri' })),
    proxy: Optional(Type.String({ format: 'uri' })),
  }),
  ...connectable,
});

const SataAdapterInfo = Struct(`${HW}.adapter.sata.info`, {
  label: Type.String(),
  type: Type.String(),
  bus: Long(),
  pci_slot_number: Optional(Long()),
});

const ScsiAdapterInfo = Struct(`${HW}.adapter.scsi.info`, {
  label: Type.String(),
  type: StringEnum(`${HW}.adapter.scsi.type`, ['BUSLOGIC', 'LSILOGIC', 'LSILOGICSAS', 'PVSCSI']),
  scsi: ScsiAddress,
  pci_slot_number: Optional(Long()),
  sharing: StringEnum(`${HW}.adapter.scsi.sharing`, ['NONE', 'VIRTUAL', 'PHYSICAL']),
});

const NvmeAdapterInfo = Struct(`${HW}.adapter.nvme.info`, { label: Type.String(), bus: Long(), pci_slot_number: Optional(Long()) });

export const VmInfo = Struct('com.vmware.vcenter.VM.info', {
  guest_os: Canonical('guest_OS', Type.String()),
  name: Type.String(),
  identity: Optional(Struct('com.vmware.vcenter.vm.identity.info', { name: Type.String(), bios_uuid: Type.String(), instance_uuid: Type.String() })),
  power_state: VmPowerState,
  instant_clone_frozen: Optional(Type.Boolean()),
  hardware: Struct(`${HW}.info`, {
    version: Type.String(),
    upgrade_policy: StringEnum(`${HW}.upgrade_policy`, ['NEVER', 'AFTER_CLEAN_SHUTDOWN', 'ALWAYS']),
    upgrade_version: Optional(Type.String()),
    upgrade_status: StringEnum(`${HW}.upgrade_status`, ['NONE', 'PENDING', 'SUCCESS', 'FAILED']),
    upgrade_error: Optional(Type.Unknown({ opaque: true })),
  }),
  boot: Struct(`${HW}.boot.info`, {
    type: StringEnum(`${HW}.boot.type`, ['BIOS', 'EFI']),
    efi_legacy_boot: Optional(Type.Boolean()),
    network_protocol: Optional(StringEnum(`${HW}.boot.network_protocol`, ['IPV4', 'IPV6'])),
    delay: Long(),
    retry: Type.Boolean(),
    retry_delay: Long(),
    enter_setup_mode: Type.Boolean(),
  }),
  boot_devices: ListOf(Struct(`${HW}.boot.device.entry`, {
    type: StringEnum(`${HW}.boot.device.type`, ['CDROM', 'DISK', 'ETHERNET', 'FLOPPY']),
    nic: Optional(Id()),
    disks: Optional(ListOf(Id())),
  })),
  cpu: Struct(`${HW}.cpu.info`, { count: Long(), cores_per_socket: Long(), hot_add_enabled: Type.Boolean(), hot_remove_enabled: Type.Boolean() }),
  memory: Struct(`${HW}.memory.info`, {
    size_mib: Canonical('size_MiB', Long()),
    hot_add_enabled: Type.Boolean(),
    hot_add_increment_size_mib: Canonical('hot_add_increment_size_MiB', Optional(Long())),
    hot_add_limit_mib: Canonical('hot_add_limit_MiB', Optional(Long())),
  }),
  disks: MapOf(DiskInfo),
  nics: MapOf(EthernetInfo),
  cdroms: MapOf(CdromInfo),
  floppies: MapOf(FloppyInfo),
  parallel_ports: MapOf(ParallelInfo),
  serial_ports: MapOf(SerialInfo),
  sata_adapters: MapOf(SataAdapterInfo),
  scsi_adapters: MapOf(ScsiAdapterInfo),
  nvme_adapters: Optional(MapOf(NvmeAdapterInfo)),
});

/** Virtual hardware of the vSphere 8.0 U2/U3 generation, which this server answers as. */
export const HARDWARE_VERSION = 'VMX_21';
/** The datastore every VM home and disk lives on: the cluster's vSAN datastore. */
export const DATASTORE_NAME = 'vsanDatastore';
const SCSI_CONTROLLER_KEY = '1000';
/** SCSI unit 7 belongs to the controller itself. */
const scsiUnit = (index: number) => (index < 7 ? index : index + 1);

/** vCenter names a VM's first disk `<vm>/<vm>.vmdk`, the next ones `<vm>/<vm>_1.vmdk`, ... */
export function vmdkPath(vmName: string, index: number): string {
  return `[${DATASTORE_NAME}] ${vmName}/${vmName}${index === 0 ? '' : `_${index}`}.vmdk`;
}

export function vmInfoToWire(vm: Vm, disks: readonly Disk[]): Record<string, unknown> {
  const efi = vm.guestOs.startsWith('WINDOWS');
  const diskMap: Record<string, unknown> = {};
  disks.forEach((d, i) => {
    diskMap[String(d.diskKey)] = {
      label: d.label,
      type: 'SCSI',
      scsi: { bus: 0, unit: scsiUnit(i) },
      backing: { type: 'VMDK_FILE', vmdk_file: vmdkPath(vm.name, i) },
      capacity: d.capacityBytes,
    };
  });
  return {
    guest_os: vm.guestOs,
    name: vm.name,
    identity: { name: vm.name, bios_uuid: vm.biosUuid, instance_uuid: vm.instanceUuid },
    power_state: vm.powerState,
    instant_clone_frozen: false,
    hardware: { version: HARDWARE_VERSION, upgrade_policy: 'NEVER', upgrade_status: 'NONE' },
    boot: efi
      ? { type: 'EFI', efi_legacy_boot: false, network_protocol: 'IPV4', delay: 0, retry: false, retry_delay: 10000, enter_setup_mode: false }
      : { type: 'BIOS', delay: 0, retry: false, retry_delay: 10000, enter_setup_mode: false },
    boot_devices: [],
    cpu: { count: vm.cpuCount, cores_per_socket: vm.coresPerSocket, hot_add_enabled: false, hot_remove_enabled: false },
    memory: { size_mib: vm.memoryMib, hot_add_enabled: false },
    disks: diskMap,
    nics: {},
    cdroms: {},
    floppies: {},
    parallel_ports: {},
    serial_ports: {},
    sata_adapters: {},
    scsi_adapters: {
      [SCSI_CONTROLLER_KEY]: { label: 'SCSI controller 0', type: 'PVSCSI', scsi: { bus: 0, unit: 7 }, pci_slot_number: 160, sharing: 'NONE' },
    },
    nvme_adapters: {},
  };
}
