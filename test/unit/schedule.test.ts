import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dueRun, expiryOf, latestRun, nextRun, runAt } from '../../src/domain/schedule.ts';

const H = 3_600_000;
const anchor = Date.UTC(2026, 0, 31, 10, 15);

describe('schedules', () => {
  it('runs at anchor + k * interval', () => {
    expect(nextRun(anchor, { unit: 'HOUR', interval: 2 }, anchor)).toBe(anchor + 2 * H);
    expect(nextRun(anchor, { unit: 'HOUR', interval: 2 }, anchor + 2 * H)).toBe(anchor + 4 * H);
    expect(nextRun(anchor, { unit: 'HOUR', interval: 2 }, anchor + 2 * H - 1)).toBe(anchor + 2 * H);
    expect(new Date(nextRun(anchor, { unit: 'MONTH', interval: 1 }, anchor)).toISOString()).toBe('2026-02-28T10:15:00.000Z');
    expect(new Date(runAt(anchor, 'MONTH', 1, 2)).toISOString()).toBe('2026-03-31T10:15:00.000Z');
  });

  it('collapses missed runs into the latest one', () => {
    const p = { name: 'p', schedule: { unit: 'HOUR' as const, interval: 1 }, retention: { unit: 'DAY' as const, duration: 1 } };
    expect(dueRun(anchor, p, anchor, anchor + 30 * 60_000)).toBeUndefined();
    expect(dueRun(anchor, p, anchor, anchor + H)).toEqual({ due: anchor + H, missed: 0 });
    expect(dueRun(anchor, p, anchor, anchor + 5.5 * H)).toEqual({ due: anchor + 5 * H, missed: 4 });
    expect(expiryOf(anchor, p.retention)).toBe(anchor + 24 * H);
    expect(expiryOf(anchor, undefined)).toBeNull();
  });

  it('nextRun and latestRun agree with brute force for every unit', () => {
    const unit = fc.constantFrom('MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'YEAR' as const);
    fc.assert(
      fc.property(unit, fc.integer({ min: 1, max: 14 }), fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), (u, interval, k, frac) => {
        const runs = Array.from({ length: 60 }, (_, i) => runAt(anchor, u, interval, i + 1));
        const after = runs[k] - frac * (runs[k] - (k === 0 ? anchor : runs[k - 1]));
        expect(nextRun(anchor, { unit: u, interval }, after)).toBe(runs.find((r) => r > after));
        const upTo = runs[k + 10] - 1;
        const expected = runs.filter((r) => r > after && r <= upTo).pop();
        expect(latestRun(anchor, { unit: u, interval }, after, upTo)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});
