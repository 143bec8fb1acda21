import type { ProtectionGroup, SnapshotPolicy, TargetEntities } from '../../domain/model.ts';
import { expiryOf } from '../../domain/schedule.ts';
import { purgeGroup, takeGroupSnapshot } from '../../engine/groups.ts';
import type { Repos } from '../../store/store.ts';
import { runThenApply } from '../../tasks/simple.ts';
import type { Executor, TaskRun } from '../../tasks/runner.ts';
import { errors } from '../../errors.ts';
import type { GroupDraft } from './admission.ts';

/** Executors of protection-group tasks. Each re-checks what admission checked. */

async function group(tx: Repos, run: TaskRun): Promise<ProtectionGroup> {
  const pg = await tx.groups.get(run.task.targetId as string);
  if (!pg) throw errors.notFound('protection group', run.task.targetId as string);
  if (pg.status === 'MARKED_FOR_DELETE') throw errors.notAllowed('pg.marked_for_delete', `Protection group ${pg.id} is marked for deletion.`, pg.id);
  return pg;
}

/** New policies start their schedule now; kept ones (same name and schedule) keep theirs. */
async function restartSchedules(tx: Repos, pg: ProtectionGroup, policies: SnapshotPolicy[], now: number, keep: (p: SnapshotPolicy) => boolean) {
  for (const p of policies) if (!keep(p)) await tx.groups.setLastRun(pg.id, p.name, now);
}

const create: Executor = (run) =>
  runThenApply(run, async (tx) => {
    const d = run.task.input as GroupDraft & { pgId: string };
    const now = run.deps.clock.now();
    const taken = await tx.groups.list(run.task.clusterId as string, { names: [d.name] });
    if (taken.length > 0) throw errors.invalidArgument('spec.name', `a protection group named '${d.name}' already exists`);
    const pg: ProtectionGroup = {
      id: d.pgId, clusterId: run.task.clusterId as string, name: d.name, status: 'ACTIVE', locked: d.locked,
      targetEntities: d.targetEntities, policies: d.policies, createdAt: now, scheduleAnchor: now,
    };
    await tx.groups.insert(pg);
    return pg.id;
  });

const update: Executor = (run) =>
  runThenApply(run, async (tx) => {
    const pg = await group(tx, run);
    const c = run.task.input as { name?: string; targetEntities?: TargetEntities; policies?: SnapshotPolicy[] };
    const now = run.deps.clock.now();
    if (c.policies) {
      const before = new Map(pg.policies.map((p) => [p.name, p]));
      await restartSchedules(tx, pg, c.policies, now, (p) => JSON.stringify(before.get(p.name)?.schedule) === JSON.stringify(p.schedule));
    }
    await tx.groups.update(pg.id, { name: c.name, targetEntities: c.targetEntities, policies: c.policies });
    return undefined;
  });

const pause: Executor = (run) =>
  runThenApply(run, async (tx) => {
    const pg = await group(tx, run);
    await tx.groups.update(pg.id, { status: 'PAUSED' });
    return undefined;
  });

/** Runs missed while paused are not made up: schedules continue from now. */
const resume: Executor = (run) =>
  runThenApply(run, async (tx) => {
    const pg = await group(tx, run);
    await restartSchedules(tx, pg, pg.policies, run.deps.clock.now(), () => false);
    await tx.groups.update(pg.id, { status: 'ACTIVE' });
    return undefined;
  });

/** Soft delete keeps the group until its snapshots expire; force removes everything now. */
const remove: Executor = (run) =>
  runThenApply(run, async (tx) => {
    const pg = await group(tx, run);
    const { force } = run.task.input as { force?: boolean };
    if (force || (await tx.groupSnapshots.list(pg.id)).length === 0) await purgeGroup(tx, pg);
    else await tx.groups.update(pg.id, { status: 'MARKED_FOR_DELETE' });
    return undefined;
  });

const snapshot: Executor = (run) =>
  runThenApply(run, async (tx) => {
    const pg = await group(tx, run);
    const spec = run.task.input as { name: string; retention?: SnapshotPolicy['retention'] };
    const now = run.deps.clock.now();
    const r = await takeGroupSnapshot(tx, pg, { name: spec.name, type: 'ONE_TIME', now, expiresAt: expiryOf(now, spec.retention) }, run.deps.config.limits.snapshotsPerVm);
    return { snapshot_type: 'ONE_TIME', total_vms: r.total, successful_vms: r.successful, failed_vms: r.failed, snapshot: r.snapshot.id };
  });

export const groupExecutors = {
  'pg.create': create,
  'pg.update': update,
  'pg.pause': pause,
  'pg.resume': resume,
  'pg.delete': remove,
  'pg.snapshot': snapshot,
} as const;
