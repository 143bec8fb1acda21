import type { Problem } from './groups.ts';
import type { TimeUnit } from './model.ts';
import { approxMs } from './time.ts';

export interface TimePeriod { unit: TimeUnit; duration: number }

export type DayOfWeek = 'SUNDAY' | 'MONDAY' | 'TUESDAY' | 'WEDNESDAY' | 'THURSDAY' | 'FRIDAY' | 'SATURDAY';

export interface LongTermRetention {
  hourly?: { retention: TimePeriod };
  daily?: { hour: number; retention: TimePeriod };
  weekly?: { dayOfWeek: DayOfWeek; hour: number; retention: TimePeriod };
  monthly?: { dayOfMonth: number; hour: number; retention: TimePeriod };
}

/** One VM's replication settings that differ from its group's. */
export interface VmReplicationOverride {
  vm: string;
  useReplicaSeed?: boolean;
  targetDatastore?: string;
  /** Where in the datastore the replica lives (9.1 protection configuration). */
  replicationPath?: string;
}

/** A protection group's replication to the peer cluster of one cluster pair. */
export interface ReplicationPolicy {
  clusterPairId: string;
  rpo: TimePeriod;
  keepLast: number;
  longTerm?: LongTermRetention;
  useReplicaSeed?: boolean;
  targetDatastore?: string;
  /** Kept for the members they name; never shown in the group's info, as the vendor says. */
  overrides?: VmReplicationOverride[];
}

/** The shortest and longest recovery point objectives accepted. */
export const MIN_RPO_MS = 60_000;
export const MAX_RPO_MS = 24 * 3600_000;
/** Replica snapshots kept at the recovery site, at most (the vendor's vSAN ceiling for a VM). */
export const MAX_KEEP_LAST = 200;

export function rpoMs(p: ReplicationPolicy): number {
  return approxMs(p.rpo.unit, p.rpo.duration);
}

function periodProblem(field: string, t: TimePeriod): Problem | undefined {
  if (t.duration < 1) return { field: `${field}.duration`, why: 'must be at least 1' };
  return undefined;
}

function hourProblem(field: string, hour: number): Problem | undefined {
  return hour < 0 || hour > 23 ? { field, why: 'must be between 0 and 23' } : undefined;
}

function longTermProblem(field: string, l: LongTermRetention): Problem | undefined {
  if (!l.hourly && !l.daily && !l.weekly && !l.monthly) return { field, why: 'must set at least one of hourly, daily, weekly or monthly' };
  return (l.hourly && periodProblem(`${field}.hourly.retention`, l.hourly.retention))
    ?? (l.daily && (hourProblem(`${field}.daily.hour`, l.daily.hour) ?? periodProblem(`${field}.daily.retention`, l.daily.retention)))
    ?? (l.weekly && (hourProblem(`${field}.weekly.hour`, l.weekly.hour) ?? periodProblem(`${field}.weekly.retention`, l.weekly.retention)))
    ?? (l.monthly && ((l.monthly.dayOfMonth < 1 || l.monthly.dayOfMonth > 31 ? { field: `${field}.monthly.day_of_month`, why: 'must be between 1 and 31' } : undefined)
      ?? hourProblem(`${field}.monthly.hour`, l.monthly.hour) ?? periodProblem(`${field}.monthly.retention`, l.monthly.retention)))
    ?? undefined;
}

/** The rules a policy list obeys on its own, before the cluster pair and members are looked up. */
export function replicationProblem(field: string, policies: readonly ReplicationPolicy[]): Problem | undefined {
  if (policies.length > 1) return { field, why: 'at most one replication policy per protection group' };
  const p = policies[0];
  if (!p) return undefined;
  const f = `${field}[0]`;
  if (p.clusterPairId === '') return { field: `${f}.cluster_pair`, why: 'must name a cluster pair' };
  const rpo = periodProblem(`${f}.recovery_point_objective`, p.rpo);
  if (rpo) return rpo;
  const ms = rpoMs(p);
  if (ms < MIN_RPO_MS || ms > MAX_RPO_MS) return { field: `${f}.recovery_point_objective`, why: 'must be between 1 minute and 24 hours' };
  if (p.keepLast < 1 || p.keepLast > MAX_KEEP_LAST) return { field: `${f}.snapshot_retention.short_term.keep_last`, why: `must be between 1 and ${MAX_KEEP_LAST}` };
  if (p.longTerm) {
    const lt = longTermProblem(`${f}.snapshot_retention.long_term`, p.longTerm);
    if (lt) return lt;
  }
  const seen = new Set<string>();
  for (const [i, o] of (p.overrides ?? []).entries()) {
    const of = `${f}.target_entity_replication_spec.vm_replication_specs[${i}]`;
    if (seen.has(o.vm)) return { field: `${of}.vm`, why: `${o.vm} is named more than once` };
    seen.add(o.vm);
    if (o.useReplicaSeed === undefined && o.targetDatastore === undefined) return { field: `${of}.config_params`, why: 'must set use_replica_seed or storage_spec' };
  }
  return undefined;
}

/** At the protected site: one member VM's snapshot that the recovery site holds. */
export interface SentReplica {
  pgId: string;
  pgSnapshotId: string;
  vmId: string;
  snapshotId: string;
  /** When the snapshot was taken (what the recovery point is). */
  takenAt: number;
  ackedAt: number;
}

/** At the recovery site: a replicated VM, not in the inventory until it is recovered. */
export interface ReplicaVm {
  id: string;
  pgId: string;
  sourceSiteId: string;
  sourceVmId: string;
  name: string;
  createdAt: number;
}

export interface ReplicaDisk {
  replicaVmId: string;
  diskKey: number;
  label: string;
  capacityBytes: number;
  blockSize: number;
  /** Writable layer the next delta lands in; frozen into each replica snapshot. */
  headLayerId: number;
}

export interface ReplicaSnapshot {
  id: string;
  replicaVmId: string;
  sourceSnapshotId: string;
  sourcePgSnapshotId: string;
  name: string;
  takenAt: number;
  receivedAt: number;
  disks: Array<{ diskKey: number; layerId: number }>;
}

export type VmReplicationStatus = 'OK' | 'SYNC' | 'INITIAL_FULL_SYNC' | 'PAUSED' | 'NOT_ACTIVE';

export interface VmReplicationState {
  status: VmReplicationStatus;
  /** Age of the recovery point the recovery site holds (since the group was made, when none). */
  lagMs: number;
  /** Whole minutes of that age, when it exceeds the RPO. */
  violationMinutes?: number;
}

/**
 * A member's outgoing replication: SYNC while snapshots wait to go (INITIAL_FULL_SYNC before
 * the first arrived), OK when the latest arrived, NOT_ACTIVE when there is nothing to send yet.
 */
export function vmReplicationState(p: ReplicationPolicy, o: { paused: boolean; createdAt: number; lastTakenAt?: number; pending: boolean; now: number }): VmReplicationState {
  const lagMs = Math.max(0, o.now - (o.lastTakenAt ?? o.createdAt));
  const status: VmReplicationStatus = o.paused ? 'PAUSED'
    : o.pending ? (o.lastTakenAt === undefined ? 'INITIAL_FULL_SYNC' : 'SYNC')
    : o.lastTakenAt === undefined ? 'NOT_ACTIVE' : 'OK';
  return lagMs > rpoMs(p) ? { status, lagMs, violationMinutes: Math.floor(lagMs / 60_000) } : { status, lagMs };
}

/**
 * At the recovery site: one chunk of a member snapshot's changed blocks, held apart until the
 * last one arrives and the snapshot lands whole. `pieces` is the chunk's wire content (JSON).
 */
export interface ReplicaChunk {
  sourceSnapshotId: string;
  index: number;
  /** Chunks the snapshot is sent in; a new plan (another count or base) replaces the held chunks. */
  count: number;
  baseSnapshotId: string | null;
  sourceSiteId: string;
  pgId: string;
  sourceVmId: string;
  pieces: string;
  receivedAt: number;
}

/** At the protected site: the recovery site must drop a group's replicas (told at the next pass that reaches it). */
export interface ReplicaRemoval {
  pgId: string;
  siteId: string;
  requestedAt: number;
}
