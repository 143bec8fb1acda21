import { Type } from '@sinclair/typebox';
import { DateTime, Id, ListOf, LocalizableMessageSchema, StringEnum, Struct } from '../../vapi/wire.ts';
import { Reason } from '../sites/schemas.ts';

const CP = 'com.vmware.snapservice.cluster_pairs';

export const CreateSpec = Struct(`${CP}.create_spec`, {
  local_cluster: Struct(`${CP}.local_cluster_member_spec`, { cluster: Id() }),
  peer_cluster: Struct(`${CP}.peer_cluster_member_spec`, { site: Id(), cluster: Id() }),
});

export const FilterSpec = Struct(`${CP}.filter_spec`, {
  cluster_pairs: Type.Optional(Type.Array(Id(), { uniqueItems: true, set: true })),
  local_clusters: Type.Optional(Type.Array(Id(), { uniqueItems: true, set: true })),
});

const MemberInfo = Struct(`${CP}.member_info`, { site: Id(), vcenter: Type.String(), cluster: Id(), cluster_name: Type.String() });

export const PairInfo = Struct(`${CP}.info`, {
  local_cluster: MemberInfo,
  peer_cluster: MemberInfo,
  connection_status: StringEnum(`${CP}.connection_status`, ['OK', 'WARNING', 'ERROR'] as const),
  connection_state_updated_at: Type.Optional(DateTime()),
  connection_warnings: Type.Optional(ListOf(Reason)),
  connection_errors: Type.Optional(ListOf(Reason)),
  in_use: Type.Boolean(),
});

export const ListResult = Struct(`${CP}.list_result`, { items: ListOf(Struct(`${CP}.list_item`, { cluster_pair: Id(), info: PairInfo })) });

export const PrecheckStatus = StringEnum('com.vmware.snapservice.precheck_result_item.precheck_status', ['OK', 'WARNING', 'ERROR'] as const);

export const PrecheckResult = Struct('com.vmware.snapservice.precheck_result', {
  prechecks: ListOf(Struct('com.vmware.snapservice.precheck_result_item', {
    type: Type.String(),
    desc: LocalizableMessageSchema,
    status: PrecheckStatus,
    errors: Type.Optional(ListOf(Reason)),
  })),
});
