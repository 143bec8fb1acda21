import { Type } from '@sinclair/typebox';
import type { Cluster, ProtectionGroup } from '../../domain/model.ts';
import { replicationProblem, type DayOfWeek, type LongTermRetention, type ReplicationPolicy, type TimePeriod } from '../../domain/replication.ts';
import { errors } from '../../errors.ts';
import type { Repos } from '../../store/store.ts';
import { compact, Id, ListOf, Since, StringEnum, Struct } from '../../vapi/wire.ts';

/** Replication policies of protection groups (9.0, with 9.1 additions): wire schemas and checks. */

const NS = 'com.vmware.snapservice';
const V9_1 = '9.1.0.0';

// The group schemas use these policies, so the time unit is spelt here rather than imported back.
const Unit = () => StringEnum(`${NS}.time_unit`, ['MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'YEAR'] as const, { since: { YEAR: V9_1 } });
const TimePeriodSchema = Struct(`${NS}.time_period`, { unit: Unit(), duration: Type.Integer() });
const DAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'] as const;

const LongTerm = Struct(`${NS}.long_term_retention`, {
  hourly: Type.Optional(Struct(`${NS}.hourly_retention`, { retention: TimePeriodSchema })),
  daily: Type.Optional(Struct(`${NS}.daily_retention`, { hour: Type.Integer(), retention: TimePeriodSchema })),
  weekly: Type.Optional(Struct(`${NS}.weekly_retention`, { day_of_week: StringEnum(`${NS}.day_of_week`, DAYS), hour: Type.Integer(), retention: TimePeriodSchema })),
  monthly: Type.Optional(Struct(`${NS}.monthly_retention`, { day_of_month: Type.Integer(), hour: Type.Integer(), retention: TimePeriodSchema })),
});

const VmStorage = Struct(`${NS}.vm_target_storage_spec`, { target_datastore: Type.Optional(Id()) });

const VmReplicationSpec = Struct(`${NS}.vm_replication_config_spec`, {
  vm: Id(),
  config_params: Struct(`${NS}.vm_replication_config_params`, {
    target_config: Type.Optional(Struct(`${NS}.replication_target_configuration`, {
      use_replica_seed: Type.Optional(Type.Boolean()),
      storage_spec: Type.Optional(VmStorage),
    })),
  }),
});

export const ReplicationPolicySchema = Struct(`${NS}.replication_policy`, {
  cluster_pair: Type.Optional(Id()),
  recovery_point_objective: TimePeriodSchema,
  snapshot_retention: Struct(`${NS}.retention_policy`, {
    short_term: Struct(`${NS}.short_term_retention`, { keep_last: Type.Integer() }),
    long_term: Since(V9_1, Type.Optional(LongTerm)),
  }),
  use_replica_seed: Since(V9_1, Type.Optional(Type.Boolean())),
  storage_spec: Since(V9_1, Type.Optional(Struct(`${NS}.target_storage_spec`, { target_datastore: Type.Optional(Id()) }))),
  target_entity_replication_spec: Since(V9_1, Type.Optional(Struct(`${NS}.target_entity_replication_spec`, {
    vm_replication_specs: Type.Optional(ListOf(VmReplicationSpec)),
  }))),
});

export const ReplicationPolicies = () => ListOf(ReplicationPolicySchema);

interface WirePeriod { unit: string; duration: number }
export interface WireReplicationPolicy {
  cluster_pair?: string;
  recovery_point_objective: WirePeriod;
  snapshot_retention: {
    short_term: { keep_last: number };
    long_term?: {
      hourly?: { retention: WirePeriod };
      daily?: { hour: number; retention: WirePeriod };
      weekly?: { day_of_week: string; hour: number; retention: WirePeriod };
      monthly?: { day_of_month: number; hour: number; retention: WirePeriod };
    };
  };
  use_replica_seed?: boolean;
  storage_spec?: { target_datastore?: string };
  target_entity_replication_spec?: { vm_replication_specs?: Array<{ vm: string; config_params: { target_config?: { use_replica_seed?: boolean; storage_spec?: { target_datastore?: string } } } }> };
}

const period = (p: WirePeriod): TimePeriod => ({ unit: p.unit as TimePeriod['unit'], duration: p.duration });

function longTermFromWire(l: NonNullable<WireReplicationPolicy['snapshot_retention']['long_term']>): LongTermRetention {
  return compact({
    hourly: l.hourly && { retention: period(l.hourly.retention) },
    daily: l.daily && { hour: l.daily.hour, retention: period(l.daily.retention) },
    weekly: l.weekly && { dayOfWeek: l.weekly.day_of_week as DayOfWeek, hour: l.weekly.hour, retention: period(l.weekly.retention) },
    monthly: l.monthly && { dayOfMonth: l.monthly.day_of_month, hour: l.monthly.hour, retention: period(l.monthly.retention) },
  });
}

export function replicationFromWire(list: WireReplicationPolicy[] | undefined): ReplicationPolicy[] | undefined {
  return list?.map((p) => compact({
    clusterPairId: p.cluster_pair ?? '',
    rpo: period(p.recovery_point_objective),
    keepLast: p.snapshot_retention.short_term.keep_last,
    longTerm: p.snapshot_retention.long_term && longTermFromWire(p.snapshot_retention.long_term),
    useReplicaSeed: p.use_replica_seed,
    targetDatastore: p.storage_spec?.target_datastore,
    overrides: p.target_entity_replication_spec?.vm_replication_specs?.map((s) => compact({
      vm: s.vm, useReplicaSeed: s.config_params.target_config?.use_replica_seed, targetDatastore: s.config_params.target_config?.storage_spec?.target_datastore,
    })),
  }) as ReplicationPolicy);
}

/** Per-VM overrides are left out, as the vendor documents for list and get. */
export function replicationToWire(p: ReplicationPolicy) {
  const l = p.longTerm;
  return compact({
    cluster_pair: p.clusterPairId,
    recovery_point_objective: { ...p.rpo },
    snapshot_retention: compact({
      short_term: { keep_last: p.keepLast },
      long_term: l && compact({
        hourly: l.hourly && { retention: { ...l.hourly.retention } },
        daily: l.daily && { hour: l.daily.hour, retention: { ...l.daily.retention } },
        weekly: l.weekly && { day_of_week: l.weekly.dayOfWeek, hour: l.weekly.hour, retention: { ...l.weekly.retention } },
        monthly: l.monthly && { day_of_month: l.monthly.dayOfMonth, hour: l.monthly.hour, retention: { ...l.monthly.retention } },
      }),
    }),
    use_replica_seed: p.useReplicaSeed,
    storage_spec: p.targetDatastore === undefined ? undefined : { target_datastore: p.targetDatastore },
  });
}

/**
 * A policy names a cluster pair of the group's own cluster; per-VM overrides name VMs of that
 * cluster. A group already replicating keeps its overrides unless new ones are given.
 */
export async function checkReplication(repos: Repos, cluster: Cluster, field: string, policies: ReplicationPolicy[], current?: ProtectionGroup): Promise<void> {
  const problem = replicationProblem(field, policies);
  if (problem) throw errors.invalidArgument(problem.field, problem.why);
  const p = policies[0];
  if (!p) return;
  const pair = await repos.clusterPairs.get(p.clusterPairId);
  if (!pair) throw errors.invalidArgument(`${field}[0].cluster_pair`, `${p.clusterPairId} is not a cluster pair`);
  if (pair.localClusterId !== cluster.id) {
    throw errors.invalidArgument(`${field}[0].cluster_pair`, `cluster pair ${pair.id} pairs cluster ${pair.localClusterId}, not this group's cluster ${cluster.id}`);
  }
  for (const [i, o] of (p.overrides ?? []).entries()) {
    const vm = await repos.vms.get(o.vm);
    if (!vm || vm.deletedAt !== null || vm.clusterId !== cluster.id) {
      throw errors.invalidArgument(`${field}[0].target_entity_replication_spec.vm_replication_specs[${i}].vm`, `${o.vm} is not a virtual machine in cluster ${cluster.id}`);
    }
  }
  if (current?.replication && !p.overrides) p.overrides = current.replication.overrides;
}
