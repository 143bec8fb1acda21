import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTime } from '../../src/vapi/wire.ts';

/** formatTime computes the time of day itself; it must write exactly what toISOString does. */
describe('formatTime', () => {
  it('matches Date.toISOString at the edges', () => {
    for (const t of [0, 1, 999, 1000, 59_999, 3_599_999, 86_399_999, 86_400_000, 951_782_400_000, 1_765_000_000_123, 253_402_300_799_999, 253_402_300_800_000, -1, 1.5, -62_198_755_200_000]) {
      expect(formatTime(t)).toBe(new Date(t).toISOString());
    }
  });

  it('matches Date.toISOString for any time', () => {
    fc.assert(fc.property(fc.integer({ min: -100 * 86_400_000, max: 260_000_000_000_000 }), (t) => {
      expect(formatTime(t)).toBe(new Date(t).toISOString());
    }), { numRuns: 20_000 });
  });
});
