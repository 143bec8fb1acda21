import { ClockWorker } from '../clock/loop.ts';
import type { Deps } from '../context.ts';
import type { ProtectionGroup } from '../domain/model.ts';
import { dueRun, nextRun } from '../domain/schedule.ts';
import { deleteSnapshot } from '../engine/disks.ts';
import { expiryPaused } from '../domain/dr.ts';
import { expireGroupSnapshot, recordGroupFailure, scheduledExpiry, scheduledName, takeGroupSnapshot, type GroupSnapshotRequest } from '../engine/groups.ts';

/** How often (real time) to look for work another process may have added. */
const POLL_MS = 5000;
const BATCH = 100;

/**
 * Takes SCHEDULED snapshots when policies fall due and deletes snapshots when they expire.
 * It sleeps on the service clock until the next thing to do, so `advance` and real time
 * drive it alike. Each run is claimed under the store's scheduler lock with a compare on the
 * policy's last run, so with several processes on one store every snapshot is taken once.
 */
export class Scheduler extends ClockWorker {
  constructor(private readonly deps: Deps) {
    super(deps, 'scheduler', POLL_MS);
  }

  protected async round(): Promise<number | undefined> {
    await this.runDue();
    const next = await this.nextWake();
    return next === undefined ? undefined : next - this.deps.clock.now();
  }

  /** Everything due at the current service time: scheduled runs, expiries, soft deletes. */
  async runDue(): Promise<void> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const groups = await store.repos.groups.list(undefined);
    for (const g of groups) {
      if (g.status !== 'ACTIVE') continue;
      const last = await store.repos.groups.lastRuns(g.id);
      for (const p of g.policies) {
        const due = dueRun(g.scheduleAnchor, p, last.get(p.name) ?? g.scheduleAnchor, now);
        if (due) await this.takeScheduled(g.id, p.name, due.due, due.missed);
      }
    }
    await this.expire(now, groups);
    await store.repos.history.purge(now - this.deps.config.reportRetentionMs);
  }

  /**
   * A run that fails as a whole (the store refused a write, say) is not retried until the
   * policy's next run, as a missed run would not be: it enters history as a failed attempt,
   * in a write of its own since its transaction rolled back.
   */
  private async takeScheduled(pgId: string, policyName: string, due: number, missed: number): Promise<void> {
    const { store, clock, config, log, faults } = this.deps;
    let claimed: { pg: ProtectionGroup; req: GroupSnapshotRequest } | undefined;
    let lagMs: number | undefined;
    try {
      lagMs = await store.transaction(async (tx) => {
        claimed = undefined;
        await tx.locks.acquire('scheduler');
        const g = await tx.groups.get(pgId);
        const policy = g?.policies.find((p) => p.name === policyName);
        if (!g || !policy || g.status !== 'ACTIVE') return undefined;
        const last = (await tx.groups.lastRuns(pgId)).get(policyName) ?? g.scheduleAnchor;
        if (last >= due) return undefined;
        const now = clock.now();
        const req: GroupSnapshotRequest = {
          name: scheduledName(g, policy, now), type: 'SCHEDULED', now, expiresAt: scheduledExpiry(policy, now), policy: policy.name,
          faults: faults.onScheduled([g.id, g.clusterId]),
        };
        claimed = { pg: g, req };
        const r = await takeGroupSnapshot(tx, g, req, config.limits.snapshotsPerVm);
        await tx.groups.setLastRun(pgId, policyName, due);
        if (missed > 0) log.info({ pg: pgId, policy: policyName, missed }, 'missed scheduled runs; took one catch-up snapshot');
        log.info({ pg: pgId, policy: policyName, snapshot: r.snapshot.id, vms: r.successful, failed: r.failed }, 'scheduled snapshot');
        return now - due;
      });
    } catch (err) {
      const failed = claimed;
      if (!failed) throw err;
      log.error({ err, pg: pgId, policy: policyName }, 'scheduled snapshot failed');
      await store.transaction(async (tx) => {
        await tx.locks.acquire('scheduler');
        const last = (await tx.groups.lastRuns(pgId)).get(policyName) ?? failed.pg.scheduleAnchor;
        if (last >= due || !(await tx.groups.get(pgId))) return;
        await recordGroupFailure(tx, failed.pg, failed.req, err);
        await tx.groups.setLastRun(pgId, policyName, due);
      });
    }
    if (lagMs !== undefined) this.deps.metrics.schedulerLag(Math.max(0, lagMs) / 1000);
  }

  private async expire(now: number, groups: ProtectionGroup[]): Promise<void> {
    const { store } = this.deps;
    const paused = groups.filter((g) => expiryPaused(g.status)).map((g) => g.id);
    for (;;) {
      const batch = await store.repos.groupSnapshots.expired(now, BATCH, paused);
      for (const s of batch) {
        await store.transaction(async (tx) => {
          if (await tx.groupSnapshots.get(s.id)) await expireGroupSnapshot(tx, s, now);
        });
      }
      if (batch.length < BATCH) break;
    }
    for (;;) {
      const batch = await store.repos.snapshots.expiredStandalone(now, BATCH, paused);
      for (const s of batch) {
        await store.transaction(async (tx) => {
          if (await tx.snapshots.get(s.id)) await deleteSnapshot(tx, s.id);
        });
      }
      if (batch.length < BATCH) break;
    }
    for (const g of groups.filter((x) => x.status === 'MARKED_FOR_DELETE')) {
      await store.transaction(async (tx) => {
        const still = await tx.groups.get(g.id);
        if (still?.status === 'MARKED_FOR_DELETE' && (await tx.groupSnapshots.list(g.id)).length === 0) await tx.groups.delete(g.id);
      });
    }
  }

  private async nextWake(): Promise<number | undefined> {
    const { store } = this.deps;
    const groups = await store.repos.groups.list(undefined);
    const times: number[] = [];
    for (const g of groups) {
      if (g.status !== 'ACTIVE') continue;
      const last = await store.repos.groups.lastRuns(g.id);
      for (const p of g.policies) times.push(nextRun(g.scheduleAnchor, p.schedule, last.get(p.name) ?? g.scheduleAnchor));
    }
    const paused = groups.filter((g) => expiryPaused(g.status)).map((g) => g.id);
    const e1 = await store.repos.groupSnapshots.nextExpiry(paused);
    const e2 = await store.repos.snapshots.nextStandaloneExpiry(paused);
    const oldest = await store.repos.history.oldest();
    // The oldest attempt leaves history just past the retention (purge keeps what started at the cutoff).
    const e3 = oldest === undefined ? undefined : oldest + this.deps.config.reportRetentionMs + 1;
    for (const e of [e1, e2, e3]) if (e !== undefined) times.push(e);
    return times.length > 0 ? Math.min(...times) : undefined;
  }
}
