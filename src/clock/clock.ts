/**
 * The only place that reads real time or arms real timers. Everything else asks a Clock,
 * so tests, `--clock manual` and the simulation API decide when time passes.
 */
export interface Clock {
  /** Service time in epoch milliseconds. */
  now(): number;
  /** Resolves once service time has advanced by `ms` (0 resolves on the next turn). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `fn` every `ms` of service time until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
}

const MAX_TIMEOUT = 2 ** 31 - 1;

interface Timer {
  due: number;
  seq: number;
  fire: () => void;
  repeat?: number;
}

/**
 * Service time with a queue of timers. In `system` mode time follows the real clock (plus any
 * offset added by `advance`) and timers also fire in real time; in `manual` mode time moves
 * only through `advance`. Either way `advance` fires the timers that fall due on the way in
 * time order, letting the work each one starts settle before the next, so jumping 10 hours
 * produces the same sequence of states as living through them.
 */
export class ServiceClock implements Clock {
  private base: number;
  private offset = 0;
  private timers: Timer[] = [];
  private seq = 0;
  private realTimer?: NodeJS.Timeout;
  private advancing = false;
  /** Awaited after each fired timer during `advance`; the runtime points it at "idle". */
  settle: () => Promise<void> = () => new Promise((r) => setImmediate(r));

  constructor(readonly mode: 'system' | 'manual', start?: number) {
    this.base = start ?? Date.now();
    if (mode === 'system') this.offset = start === undefined ? 0 : start - Date.now();
  }

  now(): number {
    return this.mode === 'manual' ? this.base : Date.now() + this.offset;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      // Long-lived signals (the runner's) see many sleeps: drop the listener once fired.
      const onAbort = () => {
        this.remove(timer);
        resolve();
      };
      const timer: Timer = {
        due: this.now() + Math.max(0, ms),
        seq: this.seq++,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.add(timer);
    });
  }

  every(ms: number, fn: () => void): () => void {
    const timer: Timer = { due: this.now() + ms, seq: this.seq++, fire: fn, repeat: ms };
    this.add(timer);
    return () => this.remove(timer);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.now() + Math.max(0, ms);
    this.advancing = true;
    try {
      await this.settle();
      for (;;) {
        const next = this.earliest();
        if (!next || next.due > target) break;
        this.setNow(Math.max(this.now(), next.due));
        this.fireOne(next);
        await this.settle();
      }
      this.setNow(Math.max(this.now(), target));
      await this.settle();
    } finally {
      this.advancing = false;
      this.arm();
    }
  }

  pendingTimers(): number {
    return this.timers.length;
  }

  private setNow(t: number): void {
    if (this.mode === 'manual') this.base = t;
    else this.offset = t - Date.now();
  }

  private fireOne(t: Timer): void {
    if (t.repeat) t.due += t.repeat;
    else this.remove(t);
    t.fire();
  }

  private add(t: Timer): void {
    this.timers.push(t);
    this.arm();
  }

  private remove(t: Timer): void {
    const i = this.timers.indexOf(t);
    if (i >= 0) this.timers.splice(i, 1);
    this.arm();
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers) if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    return best;
  }

  /** System mode: one real timeout for the earliest timer, re-armed as the queue changes. */
  private arm(): void {
    if (this.mode !== 'system' || this.advancing) return;
    clearTimeout(this.realTimer);
    const next = this.earliest();
    if (!next) return;
    // setTimeout cannot wait longer than 2^31-1 ms (it would fire at once): wake and re-arm.
    this.realTimer = setTimeout(() => this.fireDue(), Math.min(MAX_TIMEOUT, Math.max(0, next.due - this.now())));
    if (next.repeat) this.realTimer.unref();
  }

  private fireDue(): void {
    const now = this.now();
    for (;;) {
      const next = this.earliest();
      if (!next || next.due > now) break;
      this.fireOne(next);
    }
    this.arm();
  }
}

/** Real time (plus whatever the simulation API adds). */
export class SystemClock extends ServiceClock {
  constructor(start?: number) {
    super('system', start);
  }
}

/** Time that moves only when told (tests, `--clock manual`). */
export class ManualClock extends ServiceClock {
  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    super('manual', typeof start === 'number' ? start : start.getTime());
  }

  /** Sets the absolute time (forward only); same firing rules as advance. */
  async set(epochMs: number): Promise<void> {
    if (epochMs > this.now()) await this.advance(epochMs - this.now());
  }
}

/**
 * Elapsed real time, for what must not jump with simulated time: runner heartbeats and leases,
 * polling other processes' changes, session idle timeouts. A simulated month must neither make
 * a live process look dead nor log out a script that advanced the clock.
 */
export interface WallClock {
  now(): number;
  every(ms: number, fn: () => void): () => void;
}

/**
 * Resolves once `quiet()` has held across two event-loop turns, giving up after `limitMs` of
 * real time. Used by idle() of background workers, whose work may wait on database I/O for an
 * unknown number of turns (PostgreSQL under load); counting turns alone gave up too early.
 */
export async function whenQuiet(quiet: () => boolean, limitMs = 60_000): Promise<void> {
  const until = Date.now() + limitMs;
  const turn = () => new Promise((r) => setImmediate(r));
  while (Date.now() < until) {
    await turn();
    if (quiet()) {
      await turn();
      if (quiet()) return;
    }
  }
}

export const realTime: WallClock = {
  now: (): number => Date.now(),
  every(ms: number, fn: () => void): () => void {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

/** Lets timers, I/O and signal handlers run between two pieces of long synchronous-heavy work. */
export const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));
