import type { PgStatus } from './model.ts';

/**
 * The disaster-recovery state machine of a protection group, pure: which operation moves a
 * group from which status to which, and which vAPI error refuses it otherwise.
 *
 *   protected site                      recovery site
 *   ACTIVE|PAUSED --demote--> DEMOTED   DORMANT --promote--> RECOVERY --activate--> ACTIVE
 *   DORMANT <--start/end ransomware recovery--> DORMANT_RANSOMWARE_RECOVERY
 *
 * A DEMOTED (or stale ACTIVE/PAUSED) group becomes DORMANT when its site receives the
 * reverse replication of a newer generation (replicaAdmission below), not by an operation.
 */
export type DrAction = 'demote' | 'promote' | 'activate' | 'start_ransomware_recovery' | 'end_ransomware_recovery';

export type DrRefusalKind = 'ALREADY_IN_DESIRED_STATE' | 'NOT_ALLOWED_IN_CURRENT_STATE' | 'UNSUPPORTED';

export interface DrRefusal {
  kind: DrRefusalKind;
  /** Message id suffix and English text. */
  id: string;
  why: string;
}

interface Rule {
  from: readonly PgStatus[];
  to: PgStatus;
  /** Statuses in which the operation has nothing to do. */
  already: readonly PgStatus[];
  /** The vendor refuses it with UNSUPPORTED for a group without replication. */
  needsReplication: boolean;
}

export const DR_RULES: Readonly<Record<DrAction, Rule>> = {
  demote: { from: ['ACTIVE', 'PAUSED'], to: 'DEMOTED', already: ['DEMOTED'], needsReplication: true },
  promote: { from: ['DORMANT'], to: 'RECOVERY', already: ['RECOVERY'], needsReplication: true },
  activate: { from: ['RECOVERY'], to: 'ACTIVE', already: ['ACTIVE'], needsReplication: false },
  start_ransomware_recovery: { from: ['DORMANT'], to: 'DORMANT_RANSOMWARE_RECOVERY', already: ['DORMANT_RANSOMWARE_RECOVERY'], needsReplication: false },
  end_ransomware_recovery: { from: ['DORMANT_RANSOMWARE_RECOVERY'], to: 'DORMANT', already: ['DORMANT'], needsReplication: false },
};

const HINT: Partial<Record<PgStatus, string>> = {
  MARKED_FOR_DELETE: 'it is marked for deletion',
  DORMANT: 'it holds replicas of a group protected at a paired site',
  DEMOTED: 'it was demoted; it becomes DORMANT when the paired site replicates back',
  RECOVERY: 'it was promoted; activate it first',
  DORMANT_RANSOMWARE_RECOVERY: 'ransomware recovery is in progress; end it first',
};

/** The status `action` leads to from `status`, or why it is refused. */
export function drTransition(action: DrAction, status: PgStatus, replicates: boolean): { to: PgStatus } | { refused: DrRefusal } {
  const rule = DR_RULES[action];
  if (rule.already.includes(status)) {
    return { refused: { kind: 'ALREADY_IN_DESIRED_STATE', id: 'pg.dr.already', why: `the protection group is already ${status}` } };
  }
  if (rule.needsReplication && !replicates && status !== 'MARKED_FOR_DELETE') {
    return { refused: { kind: 'UNSUPPORTED', id: 'pg.dr.no_replication', why: 'the protection group is not configured for replication' } };
  }
  if (!rule.from.includes(status)) {
    const hint = HINT[status] ? ` (${HINT[status]})` : '';
    return { refused: { kind: 'NOT_ALLOWED_IN_CURRENT_STATE', id: 'pg.dr.state', why: `${action.replaceAll('_', ' ')} needs a group that is ${rule.from.join(' or ')}, not ${status}${hint}` } };
  }
  return { to: rule.to };
}

/** Statuses in which a group's user-made changes (update, pause, resume, delete, snapshot) apply. */
export function changeable(status: PgStatus): boolean {
  return status === 'ACTIVE' || status === 'PAUSED';
}

/** Snapshot expiry waits in these statuses: PAUSED (as before) and during ransomware recovery. */
export function expiryPaused(status: PgStatus): boolean {
  return status === 'PAUSED' || status === 'DORMANT_RANSOMWARE_RECOVERY';
}

/** Statuses whose group holds replicas arriving from the paired site. */
export function holdsReplicas(status: PgStatus): boolean {
  return status === 'DORMANT' || status === 'DORMANT_RANSOMWARE_RECOVERY';
}

/**
 * What a site does with a replica of a group it knows, by generation: each promote makes
 * the group's generation one more than the replicas it was recovered from, and replicas
 * carry their sender's generation. A group holding replicas takes any of its generation or
 * newer; any other group yields to a newer generation only (its peer was promoted and
 * activated: this site's copy is the stale one, and it turns DORMANT); older senders are
 * refused (they were failed over from and must receive, not send).
 */
export type ReplicaAdmission = 'accept' | 'take_over' | 'refuse';

export function replicaAdmission(local: { status: PgStatus; generation: number }, sender: number): ReplicaAdmission {
  if (holdsReplicas(local.status)) return sender >= local.generation ? 'accept' : 'refuse';
  if (local.status === 'MARKED_FOR_DELETE') return 'refuse';
  return sender > local.generation ? 'take_over' : 'refuse';
}

/** At the recovery site: the source VM's configuration a replica carries (what a promote recovers it with). */
export interface ReplicaVmConfig {
  replicaVmId: string;
  cpuCount: number;
  coresPerSocket: number;
  memoryMib: number;
  guestOs: string;
}

/**
 * What a release that lacks a status shows instead (data outlives a restart with an older
 * `--release`): ransomware recovery (9.1) is DORMANT to 9.0; the DR states (9.0) are PAUSED
 * to 8.0.3, where no local protection runs in them either.
 */
export const OLDER_STATUS: Partial<Record<PgStatus, PgStatus>> = {
  DORMANT_RANSOMWARE_RECOVERY: 'DORMANT', DORMANT: 'PAUSED', DEMOTED: 'PAUSED', RECOVERY: 'PAUSED',
};

export function statusIn(status: PgStatus, known: (s: PgStatus) => boolean): PgStatus {
  let s = status;
  while (!known(s) && OLDER_STATUS[s]) s = OLDER_STATUS[s] as PgStatus;
  return s;
}
