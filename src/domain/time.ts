import type { TimeUnit } from './model.ts';

const MINUTE = 60_000;
const FIXED: Record<Exclude<TimeUnit, 'MONTH' | 'YEAR'>, number> = {
  MINUTE,
  HOUR: 60 * MINUTE,
  DAY: 24 * 60 * MINUTE,
  WEEK: 7 * 24 * 60 * MINUTE,
};

/**
 * Adds `n` units to an instant. Months and years are calendar units (UTC): a month from
 * Jan 31 is the last day of February, as a person scheduling backups would expect.
 */
export function addUnits(epochMs: number, unit: TimeUnit, n: number): number {
  if (unit === 'MONTH' || unit === 'YEAR') {
    const months = unit === 'MONTH' ? n : 12 * n;
    const d = new Date(epochMs);
    const day = d.getUTCDate();
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() + months);
    const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    d.setUTCDate(Math.min(day, last));
    return d.getTime();
  }
  return epochMs + FIXED[unit] * n;
}

/** Nominal length of a unit, for comparisons such as the minimum interval. */
export function approxMs(unit: TimeUnit, n: number): number {
  if (unit === 'MONTH') return 30 * FIXED.DAY * n;
  if (unit === 'YEAR') return 365 * FIXED.DAY * n;
  return FIXED[unit] * n;
}

/** Parses RFC 3339 (fraction and offset optional); undefined if it is not one. */
export function parseTime(s: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return undefined;
  const t = Date.parse(s.toUpperCase());
  return Number.isNaN(t) ? undefined : t;
}
