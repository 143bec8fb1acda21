import type { Message, SnapshotType } from './model.ts';

/**
 * Snapshot history: one record per snapshot attempt, kept for the reporting retention
 * whatever happens to the snapshot, the group or the VM afterwards. Names are those at the
 * time of the attempt, so reports can still name a group or VM deleted since.
 */
export type AttemptKind = 'PG' | 'VM';
/** PG attempts: WARNING when some member VMs failed, ERROR when all did (or the whole attempt). */
export type AttemptStatus = 'SUCCESS' | 'WARNING' | 'ERROR';

export interface SnapshotAttempt {
  id: string;
  kind: AttemptKind;
  clusterId: string;
  pgId: string | null;
  pgName: string | null;
  /** PG attempt: the PG snapshot it made (null if none). VM attempt: the PG snapshot it was part of. */
  pgSnapshotId: string | null;
  vmId: string | null;
  vmName: string | null;
  /** The snapshot this attempt made; null when it failed before making one. */
  snapshotId: string | null;
  name: string;
  type: SnapshotType;
  status: AttemptStatus;
  /** Creation time of the snapshot, or when the failed attempt started. */
  startedAt: number;
  expiresAt: number | null;
  /** Why it failed (ERROR) or what went wrong in part (WARNING): one list of messages per reason. */
  reasons: Message[][];
}

/** A history entry with what became of its snapshot since. */
export interface AttemptView extends SnapshotAttempt {
  /** The snapshot still exists. */
  live: boolean;
  /** Its expiry now (an update may have moved it); the recorded one once it is gone. */
  currentExpiresAt: number | null;
}

export const HOUR_MS = 3600_000;
export const DAY_MS = 24 * HOUR_MS;
/** The most slices a report is cut into; longer ranges get longer slices. */
export const MAX_SLICES = 200;

/**
 * The slice length of a status-count report: the shortest of an hour, a day or a week that
 * cuts [from, to] into at most MAX_SLICES; past that, whole days so that it still does.
 */
export function sliceLength(from: number, to: number): number {
  const range = Math.max(0, to - from);
  for (const len of [HOUR_MS, DAY_MS, 7 * DAY_MS]) if (Math.ceil(range / len) <= MAX_SLICES) return len;
  return Math.ceil(range / MAX_SLICES / DAY_MS) * DAY_MS;
}

export interface Slice {
  start: number;
  end: number;
}

/**
 * Slices from `from` on, each `len` long, the last cut at `to`. Every instant of [from, to]
 * falls in exactly one: a slice holds its start, not its end, except the last, which holds `to`.
 */
export function slices(from: number, to: number, len: number): Slice[] {
  const out: Slice[] = [];
  for (let s = from; s < to; s += len) out.push({ start: s, end: Math.min(s + len, to) });
  return out;
}

/** The slice an instant of [from, to] falls in (see `slices`). */
export function sliceIndex(at: number, from: number, len: number, count: number): number {
  return Math.min(Math.floor((at - from) / len), count - 1);
}
