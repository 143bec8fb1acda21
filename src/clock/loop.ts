import type { Clock, WallClock } from './clock.ts';
import { whenQuiet } from './clock.ts';

/** One round of a loop's work; returns the service time to sleep before the next (undefined: until told). */
export type Round = () => Promise<number | undefined>;

/** Nothing planned: sleep (service time) until told, or until the real-time poll. */
const FOREVER = 100 * 365 * 24 * 3600_000;

/**
 * A background worker that sleeps on the service clock: `advance` and real time drive it
 * alike. It runs a round, then sleeps as long as the round asked, unless told (`notify`) or
 * polled on real time for work another process may have added.
 */
export class ClockLoop {
  private stopped = false;
  private busy = false;
  private again = false;
  private wake?: AbortController;
  private loopDone?: Promise<void>;
  private stopPoll?: () => void;
  private waits = 0;
  private readonly halt = new AbortController();

  constructor(
    private readonly deps: { clock: Clock; wall: WallClock; log: { error(obj: object, msg: string): void } },
    private readonly what: string,
    private readonly pollMs: number,
    private readonly round: Round,
  ) {}

  start(): void {
    this.stopPoll = this.deps.wall.every(this.pollMs, () => this.notify());
    this.loopDone = this.loop();
  }

  /** Something changed: run a round now. */
  notify(): void {
    this.again = true;
    this.wake?.abort();
  }

  /**
   * A wait on the service clock inside a round (a transfer over a slow simulated link). The
   * loop counts as idle meanwhile, as the runner's tasks do in their sleeps: an `advance`
   * waiting for quiet must be able to move time on to the wait's end.
   */
  async sleep(ms: number): Promise<void> {
    this.waits++;
    try {
      await this.deps.clock.sleep(ms, this.halt.signal);
    } finally {
      this.waits--;
    }
    if (this.stopped) throw new Error(`${this.what} stopping`);
  }

  async stop(): Promise<void> {
    this.stopPoll?.();
    this.stopped = true;
    this.halt.abort();
    this.wake?.abort();
    await this.loopDone;
  }

  /** Resolves once the loop is asleep (tests and clock advance wait on it). */
  idle(): Promise<void> {
    return whenQuiet(() => this.waits > 0 || (!this.busy && !this.again));
  }

  private async loop(): Promise<void> {
    const { clock, log } = this.deps;
    while (!this.stopped) {
      this.busy = true;
      this.again = false;
      let sleepMs = FOREVER;
      try {
        sleepMs = Math.max(0, (await this.round()) ?? FOREVER);
      } catch (err) {
        log.error({ err }, `${this.what} pass failed`);
      }
      if (this.stopped) break;
      const wake = new AbortController();
      this.wake = wake;
      this.busy = false;
      if (!this.again) await clock.sleep(sleepMs, wake.signal);
    }
    this.busy = false;
  }
}

/**
 * A background service driven by one ClockLoop (the scheduler, the replicator): `round` is its
 * work, the rest is the loop's.
 */
export abstract class ClockWorker {
  protected readonly loop: ClockLoop;

  constructor(deps: ConstructorParameters<typeof ClockLoop>[0], what: string, pollMs: number) {
    this.loop = new ClockLoop(deps, what, pollMs, () => this.round());
  }

  /** One round of work; the service time to sleep before the next (undefined: until told). */
  protected abstract round(): Promise<number | undefined>;

  start(): void {
    this.loop.start();
  }

  /** Something changed: look again now. */
  notify(): void {
    this.loop.notify();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Resolves once the worker is asleep (tests and clock advance wait on it). */
  idle(): Promise<void> {
    return this.loop.idle();
  }
}
