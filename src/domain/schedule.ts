import type { SnapshotPolicy, TimeUnit } from './model.ts';
import { addUnits, approxMs } from './time.ts';

/**
 * Schedules are aligned to an anchor (the group's creation): runs fall at
 * anchor + k * interval for k = 1, 2, ... Calendar units are computed from the anchor each
 * time (never by repeated addition) so that monthly runs do not drift.
 */
export function runAt(anchor: number, unit: TimeUnit, interval: number, k: number): number {
  return addUnits(anchor, unit, interval * k);
}

/** The first run strictly after `after`. */
export function nextRun(anchor: number, schedule: SnapshotPolicy['schedule'], after: number): number {
  const { unit, interval } = schedule;
  let k = Math.max(1, Math.floor((after - anchor) / approxMs(unit, interval)));
  while (k > 1 && runAt(anchor, unit, interval, k - 1) > after) k--;
  while (runAt(anchor, unit, interval, k) <= after) k++;
  return runAt(anchor, unit, interval, k);
}

/** The latest run in (after, upTo], if any. */
export function latestRun(anchor: number, schedule: SnapshotPolicy['schedule'], after: number, upTo: number): number | undefined {
  const first = nextRun(anchor, schedule, after);
  if (first > upTo) return undefined;
  let k = Math.max(1, Math.floor((upTo - anchor) / approxMs(schedule.unit, schedule.interval)) + 1);
  while (runAt(anchor, schedule.unit, schedule.interval, k) > upTo) k--;
  return Math.max(first, runAt(anchor, schedule.unit, schedule.interval, k));
}

/**
 * What the scheduler does for one policy at time `now`, given the last run it recorded.
 * Several missed runs (the server was down, or time jumped without firing timers) collapse
 * into ONE snapshot for the latest of them: catching up never floods the cluster.
 */
export function dueRun(anchor: number, policy: SnapshotPolicy, lastRun: number, now: number): { due: number; missed: number } | undefined {
  const due = latestRun(anchor, policy.schedule, lastRun, now);
  if (due === undefined) return undefined;
  let missed = 0;
  for (let t = nextRun(anchor, policy.schedule, lastRun); t < due && missed < 1_000_000; t = nextRun(anchor, policy.schedule, t)) missed++;
  return { due, missed };
}

export function expiryOf(createdAt: number, retention: SnapshotPolicy['retention'] | undefined): number | null {
  return retention ? addUnits(createdAt, retention.unit, retention.duration) : null;
}
