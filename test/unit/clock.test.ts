import { describe, expect, it } from 'vitest';
import { ManualClock, SystemClock } from '../../src/clock/clock.ts';

describe('service clock', () => {
  it('manual: advance fires due timers in time order, each at its own time', async () => {
    const c = new ManualClock(1000);
    const seen: Array<[string, number]> = [];
    void c.sleep(300).then(() => seen.push(['b', c.now()]));
    void c.sleep(100).then(() => seen.push(['a', c.now()]));
    const stop = c.every(250, () => seen.push(['tick', c.now()]));
    await c.advance(600);
    stop();
    expect(seen).toEqual([['a', 1100], ['tick', 1250], ['b', 1300], ['tick', 1500]]);
    expect(c.now()).toBe(1600);
    expect(c.pendingTimers()).toBe(0);
  });

  it('manual: sleeps started while advancing are honoured within the same advance', async () => {
    const c = new ManualClock(0);
    const seen: number[] = [];
    const chain = async () => {
      for (let i = 0; i < 3; i++) {
        await c.sleep(10);
        seen.push(c.now());
      }
    };
    void chain();
    await c.advance(35);
    expect(seen).toEqual([10, 20, 30]);
  });

  it('abort releases a sleeper at once and removes its timer', async () => {
    const c = new ManualClock(0);
    const ac = new AbortController();
    const p = c.sleep(1e12, ac.signal);
    ac.abort();
    await p;
    expect(c.pendingTimers()).toBe(0);
  });

  it('system: far-future sleeps do not fire early, and advance moves real time forward', async () => {
    const c = new SystemClock();
    const t0 = c.now();
    let fired = false;
    const ac = new AbortController();
    void c.sleep(100 * 365 * 24 * 3600_000, ac.signal).then(() => (fired = true));
    await new Promise((r) => setImmediate(r));
    expect(fired).toBe(false);
    await c.advance(3600_000);
    expect(c.now() - t0).toBeGreaterThanOrEqual(3600_000);
    expect(fired).toBe(false);
    ac.abort();
  });
});

describe('system clock with a start', () => {
  it('starts at the given instant and runs on in real time', () => {
    const start = Date.UTC(2030, 0, 1);
    const c = new SystemClock(start);
    expect(c.now() - start).toBeGreaterThanOrEqual(0);
    expect(c.now() - start).toBeLessThan(60_000);
  });
});
