import { drTransition, type DrAction } from '../../domain/dr.ts';
import type { ProtectionGroup } from '../../domain/model.ts';
import { scheduledExpiry, takeGroupSnapshot } from '../../engine/groups.ts';
import { recoverGroup } from '../../engine/recovery.ts';
import { errors, vapiError } from '../../errors.ts';
import type { Repos } from '../../store/store.ts';
import type { TaskRun } from '../../tasks/runner.ts';
import { runThenApply } from '../../tasks/simple.ts';
import { defineTask } from '../../tasks/task.ts';
import { pruneReplicas } from '../replication/retention.ts';

/**
 * The disaster-recovery tasks of a protection group. Each re-checks its transition in the
 * transaction that makes it (another operation, or the peer's replication, may have moved
 * the group since admission), so a refused transition fails the task and changes nothing.
 */

/** The group's status may move to where `action` leads, or the vAPI error saying why not. */
export function transitionOrThrow(pg: ProtectionGroup, action: DrAction): void {
  const t = drTransition(action, pg.status, Boolean(pg.replication));
  if ('refused' in t) throw vapiError(t.refused.kind, t.refused.id, `Protection group ${pg.id}: ${t.refused.why}.`, pg.id, pg.status);
}

async function groupFor(tx: Repos, run: TaskRun, action: DrAction): Promise<ProtectionGroup> {
  const pg = await tx.groups.get(run.task.targetId as string);
  if (!pg) throw errors.notFound('protection group', run.task.targetId as string);
  transitionOrThrow(pg, action);
  return pg;
}

/** Kept as long as the group's longest-kept policy keeps its snapshots (for ever without policies). */
function longestExpiry(pg: ProtectionGroup, now: number): number | null {
  const all = pg.policies.map((p) => scheduledExpiry(p, now));
  return all.length === 0 || all.includes(null) ? null : Math.max(...(all as number[]));
}

/** A SYSTEM_CREATED snapshot of every member: the point a replication direction ends or starts from. */
async function syncPoint(tx: Repos, run: TaskRun, pg: ProtectionGroup, name: string): Promise<void> {
  const now = run.deps.clock.now();
  await takeGroupSnapshot(tx, pg, { name, type: 'SYSTEM_CREATED', now, expiresAt: longestExpiry(pg, now), faults: { member: (vm) => run.memberFault(vm) } }, run.deps.config.limits.snapshotsPerVm);
}

/**
 * Planned migration, first step: a last snapshot of every member (nothing written before the
 * demote is lost), then DEMOTED: schedules stop, and the replicator ships what the recovery
 * site lacks once, this last snapshot included.
 */
export const DR_DEMOTE = defineTask<Record<string, never>>({
  kind: 'pg.demote',
  description: { id: 'protection_group.demote', text: 'Demote protection group' },
  run: (run) => runThenApply(run, async (tx) => {
    const pg = await groupFor(tx, run, 'demote');
    await syncPoint(tx, run, pg, `${pg.name} final sync before demote`);
    await tx.groups.update(pg.id, { status: 'DEMOTED' });
    return undefined;
  }),
});

/**
 * The recovery site takes over: the replica VMs become VMs of this vCenter (powered off) and
 * the group's members, and the group's generation grows by one so that the other site's copy
 * yields to this one when replication reaches it.
 */
export const DR_PROMOTE = defineTask<Record<string, never>>({
  kind: 'pg.promote',
  description: { id: 'protection_group.promote', text: 'Promote protection group' },
  run: (run) => runThenApply(run, async (tx) => {
    const pg = await groupFor(tx, run, 'promote');
    const vms = await recoverGroup(tx, pg, run.deps.clock.now());
    await tx.groups.update(pg.id, { status: 'RECOVERY', targetEntities: { vms: vms.map((v) => v.id) } });
    await tx.recovery.setGeneration(pg.id, (await tx.recovery.generation(pg.id)) + 1);
    return undefined;
  }),
});

/**
 * Local protection resumes (schedules start from now) and, with a replication policy, the
 * group replicates back over the same cluster pair, from a first snapshot taken now.
 */
export const DR_ACTIVATE = defineTask<Record<string, never>>({
  kind: 'pg.activate',
  description: { id: 'protection_group.activate', text: 'Activate protection group' },
  run: (run) => runThenApply(run, async (tx) => {
    const pg = await groupFor(tx, run, 'activate');
    const now = run.deps.clock.now();
    for (const p of pg.policies) await tx.groups.setLastRun(pg.id, p.name, now);
    // What this site sent in an earlier direction says nothing about the replicas now wanted.
    await tx.replication.forgetGroup(pg.id);
    await tx.groups.update(pg.id, { status: 'ACTIVE', scheduleAnchor: now });
    if (pg.replication) await syncPoint(tx, run, { ...pg, status: 'ACTIVE' }, `${pg.name} first sync after activate`);
    return undefined;
  }),
});

/** Snapshot expiry of the replicas (and of the group's own snapshots) waits until the recovery ends. */
export const DR_START_RANSOMWARE = defineTask<Record<string, never>>({
  kind: 'pg.ransomware_recovery.start',
  description: { id: 'protection_group.start_ransomware_recovery', text: 'Start ransomware recovery' },
  run: (run) => runThenApply(run, async (tx) => {
    const pg = await groupFor(tx, run, 'start_ransomware_recovery');
    await tx.groups.update(pg.id, { status: 'DORMANT_RANSOMWARE_RECOVERY' });
    return undefined;
  }),
});

/** Back to DORMANT; replicas kept past the policy's keep_last while expiry waited go now. */
export const DR_END_RANSOMWARE = defineTask<Record<string, never>>({
  kind: 'pg.ransomware_recovery.end',
  description: { id: 'protection_group.end_ransomware_recovery', text: 'End ransomware recovery' },
  run: (run) => runThenApply(run, async (tx) => {
    const pg = await groupFor(tx, run, 'end_ransomware_recovery');
    await tx.groups.update(pg.id, { status: 'DORMANT' });
    for (const vm of await tx.replication.listVms(pg.id)) await pruneReplicas(tx, vm.id, pg.replication?.keepLast ?? 1);
    return undefined;
  }),
});

export const DR_TASKS = { demote: DR_DEMOTE, promote: DR_PROMOTE, activate: DR_ACTIVATE, start_ransomware_recovery: DR_START_RANSOMWARE, end_ransomware_recovery: DR_END_RANSOMWARE } as const;
export const DR_TASK_KINDS = Object.values(DR_TASKS).map((t) => t.kind);
