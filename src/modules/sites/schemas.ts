import { Type } from '@sinclair/typebox';
import { Id, ListOf, LocalizableMessageSchema, Secret, SetOf, Since, StringEnum, Struct } from '../../vapi/wire.ts';

const S = 'com.vmware.snapservice.sites';

export const ServiceType = StringEnum(`${S}.service_type`, ['SS', 'SRM', 'HMS'] as const);

export const ConnectionSpec = Struct(`${S}.vcenter_connection_spec`, {
  host: Type.String(),
  port: Type.Optional(Type.Integer()),
});

export const UserCredentials = Struct(`${S}.user_credentials`, { user: Type.String(), password: Secret() });

export const ProbeSpec = Struct(`${S}.probe_spec`, {
  vcenter_connection_spec: ConnectionSpec,
  vcenter_creds: Type.Optional(UserCredentials),
  vcenter_certificate: Type.Optional(Type.String()),
});

export const CertificateInfo = Struct(`${S}.certificate_info`, {
  certificate: Type.String(),
  thumbprint: Type.String(),
  dns_names: Type.Optional(ListOf(Type.String())),
  trusted: Type.Boolean(),
});

export const ProbeResult = Struct(`${S}.probe_result`, {
  status: StringEnum(`${S}.probe_result.probe_status`, ['PARTIAL', 'COMPLETED'] as const),
  vcenter_certificate: CertificateInfo,
  va_certificate: Type.Optional(CertificateInfo),
});

export const AddSpec = Struct(`${S}.add_spec`, {
  vcenter_connection_spec: ConnectionSpec,
  vcenter_creds: Type.Optional(UserCredentials),
  vcenter_certificate: Type.Optional(Type.String()),
  va_certificate: Type.Optional(Type.String()),
});

export const UpdateSpec = Struct(`${S}.update_spec`, {
  vcenter_connection_spec: Type.Optional(ConnectionSpec),
  vcenter_creds: Type.Optional(UserCredentials),
  vcenter_certificate: Type.Optional(Type.String()),
  va_certificate: Type.Optional(Type.String()),
});

export const DeleteSpec = Struct(`${S}.delete_spec`, { vcenter_creds: Type.Optional(UserCredentials) });
export const DeleteOptions = Struct(`${S}.delete_options`, {
  exclude_hms: Type.Optional(Type.Boolean()),
  remote_site_failed: Type.Optional(Type.Boolean()),
});

export const FilterSpec = Struct(`${S}.filter_spec`, {
  sites: Type.Optional(SetOf(Id())),
  local: Type.Optional(Type.Boolean()),
  paired: Type.Optional(Type.Boolean()),
});

const Reason = Struct('com.vmware.snapservice.reason', { messages: ListOf(LocalizableMessageSchema) });
export { Reason };

export const ConnectionState = Struct(`${S}.connection_state`, {
  connection_status: StringEnum(`${S}.connection_state.connection_status`, ['CONNECTED', 'ERROR'] as const),
  errors: Type.Optional(ListOf(Reason)),
  warnings: Type.Optional(ListOf(Reason)),
});

export const VCenterInfo = Struct(`${S}.v_center_info`, {
  name: Type.String(),
  host: Type.String(),
  port: Type.Optional(Type.Integer()),
  vcenter: Type.String(),
});

export const Service = Struct(`${S}.service`, {
  id: Type.String(),
  type: ServiceType,
  name: Type.String(),
  url: Type.String({ format: 'uri' }),
  connection_state: ConnectionState,
});

export const PairingSummary = Struct(`${S}.pairing_summary`, {
  site: Id(),
  connection_state: ConnectionState,
  paired_services: ListOf(ServiceType),
});

export const Summary = Struct(`${S}.summary`, {
  name: Type.String(),
  local: Type.Boolean(),
  vcenter_info: VCenterInfo,
  pairing_summaries: ListOf(PairingSummary),
  in_use: Type.Boolean(),
});

export const ListResult = Struct(`${S}.list_result`, {
  items: ListOf(Struct(`${S}.list_item`, { site: Id(), summary: Summary })),
});

export const PairingInfo = Struct(`${S}.pairing_info`, {
  site: Id(),
  connection_state: ConnectionState,
  services: ListOf(Service),
});

export const Info = Struct(`${S}.info`, {
  name: Type.String(),
  local: Type.Boolean(),
  vcenter_info: VCenterInfo,
  pairing_infos: ListOf(PairingInfo),
  services: ListOf(Service),
  in_use: Type.Boolean(),
});

export const ClustersFilter = Struct(`${S}.clusters.filter_spec`, {
  clusters: Type.Optional(SetOf(Id())),
  names: Type.Optional(SetOf(Type.String())),
});

export const ClustersList = Struct(`${S}.clusters.list_result`, {
  items: ListOf(Struct(`${S}.clusters.list_item`, {
    cluster: Id(),
    info: Struct(`${S}.clusters.info`, { name: Type.String(), datastores: Since('9.1.0.0', Type.Optional(ListOf(Id()))) }),
  })),
});

export const LicensesList = Struct(`${S}.licenses.list_result`, {
  items: ListOf(Struct(`${S}.licenses.list_item`, {
    info: Struct(`${S}.licenses.info`, {
      license_type: StringEnum(`${S}.licenses.license_type`, ['VLR'] as const),
      vlr_license_info: Type.Optional(Struct(`${S}.licenses.vlr_info`, {
        vlr_license_type: StringEnum(`${S}.licenses.vlr_license_type`, ['NONE', 'CLOUD_SUBSCRIPTION', 'OFFLINE_SUBSCRIPTION', 'TERM_BASED'] as const),
        operational_mode: Type.Optional(StringEnum(`${S}.licenses.operational_mode`, ['OPERATIONAL', 'DEGRADED', 'SUSPENDED'] as const)),
        available: Type.Optional(Type.Integer()),
        total: Type.Optional(Type.Integer()),
      })),
    }),
  })),
});

export const CapabilityInfo = Struct('com.vmware.snapservice.capability.capability_info', { capabilities: ListOf(Type.String()) });

export const SiteCapabilities = Struct(`${S}.capabilities.site_capabilities`, {
  service_capability_info: ListOf(Struct(`${S}.capabilities.service_capability_info`, {
    service: ServiceType,
    info: Type.Optional(CapabilityInfo),
  })),
});

export const CapabilitiesFilter = Struct(`${S}.capabilities.filter_spec`, {
  service: Type.Optional(SetOf(ServiceType)),
  capability: Type.Optional(SetOf(Type.String())),
});

export const ClusterCapabilitiesView = Struct(`${S}.clusters.capabilities.view_spec`, { aggregated: Type.Optional(Type.Boolean()) });

export const DatastoreType = StringEnum(`${S}.datastores.datastore_type`, ['VMFS', 'NFS', 'NFS41', 'CIFS', 'VSAN', 'VFFS', 'VVOL', 'PMEM'] as const);

export const DatastoresFilter = Struct(`${S}.datastores.filter_spec`, { datastores: Type.Optional(SetOf(Id())) });

export const DatastoreInfo = Struct(`${S}.datastores.info`, {
  name: Type.String(),
  type: DatastoreType,
  free_space: Type.Optional(Type.Integer()),
  capacity: Type.Optional(Type.Integer()),
  hierarchy: ListOf(Type.String()),
});

export const DatastoresList = Struct(`${S}.datastores.list_result`, {
  items: ListOf(Struct(`${S}.datastores.list_item`, { datastore: Id(), info: DatastoreInfo })),
});

export const DatastoreCapabilitiesFilter = Struct(`${S}.datastores.capabilities.filter_spec`, { datastores: Type.Optional(SetOf(Id())) });

export const DatastoreCapabilitiesList = Struct(`${S}.datastores.capabilities.list_result`, {
  items: ListOf(Struct(`${S}.datastores.capabilities.list_item`, { datastore: Id(), info: CapabilityInfo })),
});
