/**
 * The only place that reads real time or arms real timers. Everything else asks a Clock,
 * so tests (and `--clock manual`) decide when time passes.
 */
export interface Clock {
  /** Service time in epoch milliseconds. */
  now(): number;
  /** Resolves once service time has advanced by `ms` (0 resolves on the next turn). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `fn` every `ms` of service time until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
}

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        signal?.removeEventListener('abort', done);
        clearTimeout(timer);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  every(ms: number, fn: () => void): () => void {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  }
}

interface Timer {
  due: number;
  seq: number;
  fire: () => void;
  repeat?: number;
}

/**
 * A clock that moves only when told. `advance` fires due timers in time order and lets the
 * work they start settle before moving on, so a test that advances 10 s sees the same
 * sequence of states a real 10 s would have produced.
 */
export class ManualClock implements Clock {
  private current: number;
  private timers: Timer[] = [];
  private seq = 0;
  /** Awaited after each fired timer; the app points it at "runner and scheduler are idle". */
  settle: () => Promise<void> = () => new Promise((r) => setImmediate(r));

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer: Timer = { due: this.current + Math.max(0, ms), seq: this.seq++, fire: () => resolve() };
      signal?.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((t) => t !== timer);
          resolve();
        },
        { once: true },
      );
      this.timers.push(timer);
    });
  }

  every(ms: number, fn: () => void): () => void {
    const timer: Timer = { due: this.current + ms, seq: this.seq++, fire: fn, repeat: ms };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await this.settle();
    for (;;) {
      const next = this.nextDue();
      if (!next || next.due > target) break;
      this.current = Math.max(this.current, next.due);
      if (next.repeat) {
        next.due += next.repeat;
      } else {
        this.timers = this.timers.filter((t) => t !== next);
      }
      next.fire();
      await this.settle();
    }
    this.current = target;
    await this.settle();
  }

  /** Sets the absolute time (forward only); same firing rules as advance. */
  async set(epochMs: number): Promise<void> {
    if (epochMs > this.current) await this.advance(epochMs - this.current);
  }

  pendingTimers(): number {
    return this.timers.length;
  }

  private nextDue(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers) {
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

