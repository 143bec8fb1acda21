import type { AttemptView } from '../../domain/history.ts';
import { sliceIndex, sliceLength, slices } from '../../domain/history.ts';
import type { Message } from '../../domain/model.ts';
import { errors } from '../../errors.ts';
import type { HistoryFilter, StatusCount } from '../../store/store.ts';
import type { Call } from '../../vapi/operation.ts';
import { constraint, timeBound } from '../../vapi/filters.ts';
import { compact, formatTime, toWireMessage } from '../../vapi/wire.ts';

/** How report inputs become history queries, and history rows the vendor's structures. */

export interface TimeRange {
  from: number;
  to: number;
}

/**
 * The report's time range: `end_time` defaults to now; `start_time` to the reporting
 * retention before the end (or before now, if the end is later). Both bounds are inclusive.
 */
export function timeRange(call: Call, f: { start_time?: string; end_time?: string }): TimeRange {
  const now = call.deps.clock.now();
  const to = timeBound(f.end_time) ?? now;
  const from = timeBound(f.start_time) ?? Math.min(to, now) - call.deps.config.reportRetentionMs;
  if (from > to) throw errors.invalidArgument('filter.start_time', `must not be after the end of the range (${formatTime(to)})`);
  return { from, to };
}

export function historyFilter(clusterId: string, kind: 'PG' | 'VM', range: TimeRange, f: { pgs?: string[]; vms?: string[] }): HistoryFilter {
  return { clusterId, kind, ...range, pgIds: constraint(f.pgs), vmIds: constraint(f.vms), inGroup: kind === 'VM' };
}

const reason = (messages: Message[]) => ({ messages: messages.map(toWireMessage) });
const time = (ms: number | null) => (ms === null ? undefined : formatTime(ms));

/**
 * A group snapshot attempt. The vendor's union: SUCCESS and WARNING name the snapshot and its
 * type; ERROR names neither, only the errors.
 */
export function pgAttemptToWire(a: AttemptView) {
  const error = a.status === 'ERROR';
  return compact({
    pg: a.pgId as string,
    name: a.name,
    snapshot: error ? undefined : a.snapshotId ?? undefined,
    status: a.status,
    errors: error ? a.reasons.map(reason) : undefined,
    warnings: a.status === 'WARNING' ? a.reasons.map(reason) : undefined,
    creation_time: formatTime(a.startedAt),
    expiration_time: error ? undefined : time(a.currentExpiresAt),
    snapshot_type: error ? undefined : a.type,
    deleted: !a.live,
  });
}

/** A member VM's snapshot attempt within a group snapshot. */
export function vmAttemptToWire(a: AttemptView) {
  const error = a.status === 'ERROR';
  return compact({
    name: a.name,
    snapshot: error ? undefined : a.snapshotId ?? undefined,
    pg_snapshot: a.pgSnapshotId as string,
    pg: a.pgId as string,
    vm: a.vmId as string,
    status: a.status === 'ERROR' ? 'ERROR' as const : 'SUCCESS' as const,
    error: error && a.reasons[0] ? reason(a.reasons[0]) : undefined,
    creation_time: formatTime(a.startedAt),
    expiration_time: error ? undefined : time(a.currentExpiresAt),
    snapshot_type: a.type,
    deleted: !a.live,
  });
}

export interface Counts {
  success_count: number;
  warning_count: number;
  error_count: number;
}

const zero = (): Counts => ({ success_count: 0, warning_count: 0, error_count: 0 });

function add(c: Counts, r: StatusCount): void {
  if (r.status === 'SUCCESS') c.success_count += r.count;
  else if (r.status === 'WARNING') c.warning_count += r.count;
  else c.error_count += r.count;
}

/** Counts per group or VM, in the order the ids first appear (the store sorts them). */
export function countsByKey(rows: StatusCount[]): Map<string, Counts> {
  const out = new Map<string, Counts>();
  for (const r of rows) {
    const key = String(r.key);
    if (!out.has(key)) out.set(key, zero());
    add(out.get(key) as Counts, r);
  }
  return out;
}

/** Every slice of the range, empty ones included, with its counts. */
export function countsBySlice(range: TimeRange, rows: StatusCount[]): Array<{ start_time: string; end_time: string; info: Counts }> {
  const len = sliceLength(range.from, range.to);
  const all = slices(range.from, range.to, len);
  const counts = all.map(zero);
  for (const r of rows) if (all.length > 0) add(counts[sliceIndex(range.from + Number(r.key) * len, range.from, len, all.length)], r);
  return all.map((s, i) => ({ start_time: formatTime(s.start), end_time: formatTime(s.end), info: counts[i] }));
}

/** The slice length the store groups by for this range. */
export const sliceMsOf = (range: TimeRange): number => sliceLength(range.from, range.to);

/** VM counts have no warnings. */
export function vmCounts(c: Counts): { success_count: number; error_count: number } {
  return { success_count: c.success_count, error_count: c.error_count };
}
