import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { KeyedHistogram } from '../../src/metrics/histogram.ts';

describe('KeyedHistogram', () => {
  it('exposes exactly what prom-client\'s Histogram exposes for the same observations', async () => {
    const buckets = [0.001, 0.01, 0.1, 1];
    const theirs = new Registry();
    const ours = new Registry();
    const reference = new Histogram({ name: 'h', help: 'help', labelNames: ['op', 'status'], buckets, registers: [theirs] });
    const keyed = new KeyedHistogram<'op' | 'status'>({ name: 'h', help: 'help', labelNames: ['op', 'status'], buckets, registers: [ours] });
    const samples: Array<[string, string, number]> = [
      ['a', '200', 0.0005], ['a', '200', 0.001], ['a', '200', 0.0011], ['a', '404', 0.5], ['b', '200', 7], ['a', '200', 0.1], ['b', '200', 0],
    ];
    for (const [op, status, v] of samples) {
      reference.observe({ op, status }, v);
      keyed.record(`${op} ${status}`, (l) => l, { op, status }, v);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    keyed.reset();
    reference.reset();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });
});
