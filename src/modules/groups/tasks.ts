import { changeable } from '../../domain/dr.ts';
import type { ProtectionGroup, SnapshotPolicy, TargetEntities } from '../../domain/model.ts';
import type { ReplicationPolicy } from '../../domain/replication.ts';
import { expiryOf } from '../../domain/schedule.ts';
import { purgeGroup, recordGroupFailure, takeGroupSnapshot, type GroupSnapshotRequest } from '../../engine/groups.ts';
import { stopReplicating } from '../../engine/replicas.ts';
import type { Repos } from '../../store/store.ts';
import { runThenApply } from '../../tasks/simple.ts';
import type { TaskRun } from '../../tasks/runner.ts';
import { defineTask } from '../../tasks/task.ts';
import { errors } from '../../errors.ts';

/** The protection-group tasks, with their inputs. Each executor re-checks what admission checked. */

export interface GroupDraft {
  name: string;
  targetEntities: TargetEntities;
  policies: SnapshotPolicy[];
  locked: boolean;
  replication?: ReplicationPolicy;
}

export interface GroupChange {
  name?: string;
  targetEntities?: TargetEntities;
  policies?: SnapshotPolicy[];
  /** Locking is for good: a locked group refuses every change, unlocking included. */
  locked?: boolean;
  /** A new policy, or null to stop replicating. */
  replication?: ReplicationPolicy | null;
}

/** The cluster pair may have gone since admission: a policy over a deleted pair is refused. */
async function pairStillThere(tx: Repos, r: ReplicationPolicy | null | undefined): Promise<void> {
  if (r && !(await tx.clusterPairs.get(r.clusterPairId))) {
    throw errors.invalidArgument('spec.replication_policies[0].cluster_pair', `${r.clusterPairId} is not a cluster pair`);
  }
}

async function group(tx: Repos, run: TaskRun): Promise<ProtectionGroup> {
  const pg = await tx.groups.get(run.task.targetId as string);
  if (!pg) throw errors.notFound('protection group', run.task.targetId as string);
  if (pg.status === 'MARKED_FOR_DELETE') throw errors.notAllowed('pg.marked_for_delete', `Protection group ${pg.id} is marked for deletion.`, pg.id);
  // A disaster-recovery operation may have run since admission.
  if (!changeable(pg.status)) throw errors.notAllowed('pg.dr_state', `Protection group ${pg.id} is ${pg.status}: only disaster-recovery operations apply to it now.`, pg.id, pg.status);
  return pg;
}

/** New policies start their schedule now; kept ones (same name and schedule) keep theirs. */
async function restartSchedules(tx: Repos, pg: ProtectionGroup, policies: SnapshotPolicy[], now: number, keep: (p: SnapshotPolicy) => boolean) {
  for (const p of policies) if (!keep(p)) await tx.groups.setLastRun(pg.id, p.name, now);
}

export const PG_CREATE = defineTask<GroupDraft & { pgId: string }>({
  kind: 'pg.create',
  description: { id: 'protection_group.create', text: 'Create protection group' },
  run: (run, d) =>
    runThenApply(run, async (tx) => {
      const now = run.deps.clock.now();
      const taken = await tx.groups.list(run.task.clusterId as string, { names: [d.name] });
      if (taken.length > 0) throw errors.invalidArgument('spec.name', `a protection group named '${d.name}' already exists`);
      await pairStillThere(tx, d.replication);
      const pg: ProtectionGroup = {
        id: d.pgId, clusterId: run.task.clusterId as string, name: d.name, status: 'ACTIVE', locked: d.locked,
        targetEntities: d.targetEntities, policies: d.policies, createdAt: now, scheduleAnchor: now,
        ...(d.replication ? { replication: d.replication } : {}),
      };
      await tx.groups.insert(pg);
      return pg.id;
    }),
});

export const PG_UPDATE = defineTask<GroupChange>({
  kind: 'pg.update',
  description: { id: 'protection_group.update', text: 'Update protection group' },
  run: (run, c) =>
    runThenApply(run, async (tx) => {
      const pg = await group(tx, run);
      const now = run.deps.clock.now();
      if (c.policies) {
        const before = new Map(pg.policies.map((p) => [p.name, p]));
        await restartSchedules(tx, pg, c.policies, now, (p) => JSON.stringify(before.get(p.name)?.schedule) === JSON.stringify(p.schedule));
      }
      await pairStillThere(tx, c.replication);
      if (c.replication !== undefined && c.replication?.clusterPairId !== pg.replication?.clusterPairId) await stopReplicating(tx, pg, now);
      await tx.groups.update(pg.id, { name: c.name, targetEntities: c.targetEntities, policies: c.policies, locked: c.locked, replication: c.replication });
      return undefined;
    }),
});

export const PG_PAUSE = defineTask<Record<string, never>>({
  kind: 'pg.pause',
  description: { id: 'protection_group.pause', text: 'Pause protection group' },
  run: (run) =>
    runThenApply(run, async (tx) => {
      const pg = await group(tx, run);
      await tx.groups.update(pg.id, { status: 'PAUSED' });
      return undefined;
    }),
});

/** Runs missed while paused are not made up: schedules continue from now. */
export const PG_RESUME = defineTask<Record<string, never>>({
  kind: 'pg.resume',
  description: { id: 'protection_group.resume', text: 'Resume protection group' },
  run: (run) =>
    runThenApply(run, async (tx) => {
      const pg = await group(tx, run);
      await restartSchedules(tx, pg, pg.policies, run.deps.clock.now(), () => false);
      await tx.groups.update(pg.id, { status: 'ACTIVE' });
      return undefined;
    }),
});

/** Soft delete keeps the group until its snapshots expire; force removes everything now. */
export const PG_DELETE = defineTask<{ force?: boolean }>({
  kind: 'pg.delete',
  description: { id: 'protection_group.delete', text: 'Delete protection group' },
  run: (run, { force }) =>
    runThenApply(run, async (tx) => {
      const pg = await group(tx, run);
      await stopReplicating(tx, pg, run.deps.clock.now());
      if (force || (await tx.groupSnapshots.list(pg.id)).length === 0) await purgeGroup(tx, pg);
      else await tx.groups.update(pg.id, { status: 'MARKED_FOR_DELETE' });
      return undefined;
    }),
});

/**
 * A one-time snapshot whose transaction fails as a whole (a store error) fails the task and
 * enters history as a failed attempt, written on its own since the snapshot rolled back.
 */
export const PG_SNAPSHOT = defineTask<{ name: string; retention?: SnapshotPolicy['retention'] }>({
  kind: 'pg.snapshot',
  description: { id: 'protection_group.snapshot.create', text: 'Create protection group snapshot' },
  run: async (run, spec) => {
    let attempted: { pg: ProtectionGroup; req: GroupSnapshotRequest } | undefined;
    try {
      await runThenApply(run, async (tx) => {
        attempted = undefined;
        const pg = await group(tx, run);
        const now = run.deps.clock.now();
        const req: GroupSnapshotRequest = {
          name: spec.name, type: 'ONE_TIME', now, expiresAt: expiryOf(now, spec.retention), faults: { member: (vm) => run.memberFault(vm) },
        };
        attempted = { pg, req };
        const r = await takeGroupSnapshot(tx, pg, req, run.deps.config.limits.snapshotsPerVm);
        return { snapshot_type: 'ONE_TIME', total_vms: r.total, successful_vms: r.successful, failed_vms: r.failed, snapshot: r.snapshot.id };
      });
    } catch (err) {
      const failed = attempted;
      if (failed) {
        await run.deps.store.transaction((tx) => recordGroupFailure(tx, failed.pg, failed.req, err))
          .catch((e: unknown) => run.deps.log.error({ err: e, pg: failed.pg.id }, 'could not record the failed snapshot attempt'));
      }
      throw err;
    }
  },
});

/** The tasks of one group: one at a time per group. */
export const PG_TASK_KINDS = [PG_CREATE, PG_UPDATE, PG_PAUSE, PG_RESUME, PG_DELETE, PG_SNAPSHOT].map((t) => t.kind);
