import { Type } from '@sinclair/typebox';
import type { PgSnapshot, PgStatus, ProtectionGroup, SnapshotPolicy, TargetEntities, TimeUnit, VmSnapshot } from '../../domain/model.ts';
import { ReplicationPolicies, replicationToWire } from './replication.ts';
import { compareIds } from '../../domain/membership.ts';
import { statusIn } from '../../domain/dr.ts';
import { inRelease, type ApiRelease } from '../../vapi/release.ts';
import { snapshotFilterFields } from '../../vapi/filters.ts';
import { compact, DateTime, formatTime, Id, ListOf, LocalizableMessageSchema, SetOf, Since, StringEnum, Struct } from '../../vapi/wire.ts';

const NS = 'com.vmware.snapservice';
const PGS = `${NS}.clusters.protection_groups`;
export const TIME_UNITS = ['MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'YEAR'] as const;
/**
 * The statuses of a group. Disaster recovery (9.0, domain/dr.ts) sets DEMOTED, DORMANT,
 * RECOVERY and, from 9.1, DORMANT_RANSOMWARE_RECOVERY; the other five are never set, and a
 * filter may name them all from their release on.
 */
export const PG_STATUSES = [
  'ACTIVE', 'PAUSED', 'MARKED_FOR_DELETE', 'DEMOTED', 'DORMANT', 'RECOVERY', 'DORMANT_RANSOMWARE_RECOVERY', 'DORMANT_PARTIAL_RECOVERY',
  'ACTIVE_RANSOMWARE_RECOVERY', 'ACTIVE_PARTIAL_RECOVERY', 'PAUSED_RANSOMWARE_RECOVERY', 'PAUSED_PARTIAL_RECOVERY',
] as const;
const V9_0 = '9.0.0.0';
const V9_1 = '9.1.0.0';
// The 9.1 document leaves DEMOTED unmarked; the 9.0 bindings add it with DORMANT and RECOVERY.
const STATUS_SINCE = {
  DEMOTED: V9_0, DORMANT: V9_0, RECOVERY: V9_0, DORMANT_RANSOMWARE_RECOVERY: V9_1, DORMANT_PARTIAL_RECOVERY: V9_1,
  ACTIVE_RANSOMWARE_RECOVERY: V9_1, ACTIVE_PARTIAL_RECOVERY: V9_1, PAUSED_RANSOMWARE_RECOVERY: V9_1, PAUSED_PARTIAL_RECOVERY: V9_1,
} as const;
export const PG_SNAPSHOT_TYPES = ['SCHEDULED', 'ONE_TIME', 'SYSTEM_CREATED'] as const;

export const Unit = () => StringEnum(`${NS}.time_unit`, TIME_UNITS, { since: { YEAR: V9_1 } });
const Status = () => StringEnum(`${NS}.protection_group_status`, PG_STATUSES, { since: STATUS_SINCE });
/** The group status enumeration, for other structures that show a group's status. */
export const PgStatusSchema = Status;

export const LogicalOperator = StringEnum(`${NS}.logical_operator`, ['AND', 'OR'] as const);

export const TagRuleSchema = Struct(`${NS}.tag_rule`, { tags: ListOf(Id()), operator: LogicalOperator });

export const TargetEntitiesSchema = Struct(`${NS}.target_entities`, {
  vm_name_patterns: Type.Optional(ListOf(Type.String())),
  vms: Type.Optional(SetOf(Id())),
  tag_rules: Since(V9_1, Type.Optional(ListOf(TagRuleSchema))),
});

export const RetentionSchema = Struct(`${NS}.retention_period`, { unit: Unit(), duration: Type.Integer() });

export const PolicySchema = Struct(`${NS}.snapshot_policy`, {
  name: Type.String(),
  schedule: Struct(`${NS}.snapshot_schedule`, { unit: Unit(), interval: Type.Integer() }),
  retention: RetentionSchema,
});

export const GroupSpec = Struct(`${NS}.protection_group_spec`, {
  name: Type.String(),
  target_entities: TargetEntitiesSchema,
  snapshot_policies: Type.Optional(ListOf(PolicySchema)),
  locked: Type.Optional(Type.Boolean()),
  replication_policies: Since(V9_0, Type.Optional(ReplicationPolicies())),
});

export const GroupUpdateSpec = Struct(`${NS}.protection_group_update_spec`, {
  name: Type.Optional(Type.String()),
  target_entities: Type.Optional(TargetEntitiesSchema),
  snapshot_policies: Type.Optional(ListOf(PolicySchema)),
  replication_policies: Since(V9_0, Type.Optional(ReplicationPolicies())),
  locked: Since(V9_1, Type.Optional(Type.Boolean())),
});

export const GroupInfo = Struct(`${NS}.protection_group_info`, {
  name: Type.String(),
  status: Status(),
  target_entities: TargetEntitiesSchema,
  snapshot_policies: ListOf(PolicySchema),
  last_snapshot_time: Type.Optional(DateTime()),
  oldest_snapshot_time: Type.Optional(DateTime()),
  vms: SetOf(Id()),
  snapshots: SetOf(Id()),
  locked: Type.Boolean(),
  guid: Since(V9_0, Type.Optional(Id())),
  replication_policies: Since(V9_0, Type.Optional(ReplicationPolicies())),
});

export const GroupFilter = Struct(`${PGS}.filter_spec`, {
  pgs: Type.Optional(SetOf(Id())),
  names: Type.Optional(SetOf(Type.String())),
  states: Type.Optional(SetOf(Status())),
  vms: Type.Optional(SetOf(Id())),
});

export const GroupList = Struct(`${PGS}.list_result`, {
  items: ListOf(Struct(`${PGS}.list_item`, { pg: Id(), info: GroupInfo })),
});

export const DeleteSpec = Struct(`${PGS}.delete_spec`, { force: Type.Optional(Type.Boolean()) });

const SNAPS = `${PGS}.snapshots`;

export const VmSnapshotSummary = Struct(`${SNAPS}.vm_snapshot_summary`, {
  snapshot: Id(),
  name: Type.String(),
  created_at: DateTime(),
  expires_at: Type.Optional(DateTime()),
  vm: Id(),
});

export const PgSnapshotInfo = Struct(`${SNAPS}.info`, {
  name: Type.String(),
  snapshot_type: StringEnum(`${SNAPS}.type`, PG_SNAPSHOT_TYPES),
  start_time: DateTime(),
  end_time: DateTime(),
  expires_at: Type.Optional(DateTime()),
  pg: Id(),
  vm_snapshots: ListOf(VmSnapshotSummary),
});

export const PgSnapshotFilter = Struct(`${SNAPS}.filter_spec`, snapshotFilterFields());

/** Note the vendor's list field here is `snapshots`, not `items`. */
export const PgSnapshotList = Struct(`${SNAPS}.list_result`, {
  snapshots: ListOf(Struct(`${SNAPS}.list_item`, { snapshot: Id(), info: PgSnapshotInfo })),
});

export const PgSnapshotCreateSpec = Struct(`${SNAPS}.create_spec`, {
  name: Type.String(),
  retention: Type.Optional(RetentionSchema),
});

export const PgSnapshotCreateResult = Struct(`${SNAPS}.create_result`, {
  snapshot_type: StringEnum(`${SNAPS}.type`, PG_SNAPSHOT_TYPES),
  total_vms: Type.Integer(),
  successful_vms: Type.Integer(),
  failed_vms: Type.Integer(),
  policy: Type.Optional(Type.String()),
  snapshot: Id(),
});

type WirePolicy = { name: string; schedule: { unit: string; interval: number }; retention: { unit: string; duration: number } };
type WireTargets = { vm_name_patterns?: string[]; vms?: string[]; tag_rules?: Array<{ tags: string[]; operator: 'AND' | 'OR' }> };

export function policiesFromWire(p: WirePolicy[] | undefined): SnapshotPolicy[] {
  return (p ?? []).map((x) => ({
    name: x.name,
    schedule: { unit: x.schedule.unit as TimeUnit, interval: x.schedule.interval },
    retention: { unit: x.retention.unit as TimeUnit, duration: x.retention.duration },
  }));
}

export function targetsFromWire(t: WireTargets): TargetEntities {
  return compact({
    vmNamePatterns: t.vm_name_patterns,
    vms: t.vms,
    tagRules: t.tag_rules?.map((r) => ({ tags: [...r.tags], operator: r.operator })),
  });
}

export function targetsToWire(t: TargetEntities) {
  return compact({
    vm_name_patterns: t.vmNamePatterns,
    vms: t.vms,
    tag_rules: t.tagRules?.map((r) => ({ tags: [...r.tags], operator: r.operator })),
  });
}

/** The group's status as `release` can say it (domain/dr.ts statusIn). */
export function statusOnWire(status: PgStatus, release: ApiRelease): PgStatus {
  return statusIn(status, (s) => inRelease((STATUS_SINCE as Record<string, string>)[s], release));
}

export function groupToWire(pg: ProtectionGroup, members: string[], snapshots: PgSnapshot[], release: ApiRelease) {
  const times = snapshots.map((s) => s.startTime);
  return compact({
    name: pg.name,
    status: statusOnWire(pg.status, release),
    target_entities: targetsToWire(pg.targetEntities),
    snapshot_policies: pg.policies.map((p) => ({ name: p.name, schedule: { ...p.schedule }, retention: { ...p.retention } })),
    last_snapshot_time: times.length > 0 ? formatTime(Math.max(...times)) : undefined,
    oldest_snapshot_time: times.length > 0 ? formatTime(Math.min(...times)) : undefined,
    vms: members,
    snapshots: snapshots.map((s) => s.id),
    locked: pg.locked,
    // The global identifier that ties a group to its replicas on other sites: a group made
    // here has no other identity than its own.
    guid: pg.id,
    replication_policies: pg.replication ? [replicationToWire(pg.replication)] : undefined,
  });
}

export function pgSnapshotToWire(s: PgSnapshot, vmSnapshots: VmSnapshot[]) {
  return compact({
    name: s.name,
    snapshot_type: s.type,
    start_time: formatTime(s.startTime),
    end_time: formatTime(s.endTime),
    expires_at: s.expiresAt === null ? undefined : formatTime(s.expiresAt),
    pg: s.pgId,
    // One per member VM, all taken at one instant: listed in VM id order.
    vm_snapshots: [...vmSnapshots].sort((a, b) => compareIds(a.vmId, b.vmId)).map((v) => compact({
      snapshot: v.id,
      name: v.name,
      created_at: formatTime(v.createdAt),
      expires_at: v.expiresAt === null ? undefined : formatTime(v.expiresAt),
      vm: v.vmId,
    })),
  });
}

// ---- 9.1: membership preview and capabilities ----

export const ComputeMembersSpec = Struct(`${NS}.protection_groups.compute_members_spec`, {
  create_spec: Type.Optional(GroupSpec),
  update_spec: Type.Optional(GroupUpdateSpec),
  protection_group: Type.Optional(Id()),
  cluster_id: Type.Optional(Id()),
});

export const MEMBERSHIP_CHANGES = ['ADD', 'REMOVE', 'EXCLUDE', 'EXISTING'] as const;

export const VmMembershipInfo = Struct(`${NS}.vm_membership_info`, {
  vm: Id(),
  vm_name: Type.String(),
  protection_groups: SetOf(Id()),
  membership_change_type: StringEnum(`${NS}.membership_change_type`, MEMBERSHIP_CHANGES),
  membership_change_reasons: ListOf(LocalizableMessageSchema),
});

export const MemberEntities = Struct(`${NS}.member_entities`, {
  included_vms: ListOf(VmMembershipInfo),
  excluded_vms: ListOf(VmMembershipInfo),
});

export const CapabilityInfo = Struct(`${NS}.capability.capability_info`, { capabilities: ListOf(Type.String()) });
