import { describe, expect, it } from 'vitest';
import { InFlight } from '../../src/context.ts';
import { makeApp } from '../helpers/app.ts';

describe('work in flight at stop', () => {
  it('drain waits for every tracked piece of work, also work started while draining', async () => {
    const f = new InFlight();
    const order: string[] = [];
    let releaseA!: () => void;
    let releaseB!: () => void;
    void f.run(() => new Promise<void>((r) => (releaseA = r)).then(() => {
      order.push('a');
      void f.run(() => new Promise<void>((r) => (releaseB = r)).then(() => order.push('b')));
    }));
    const drained = f.drain().then(() => order.push('drained'));
    await Promise.resolve();
    releaseA();
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['a']);
    releaseB();
    await drained;
    expect(order).toEqual(['a', 'b', 'drained']);
  });

  it('a failed piece of work does not stop the drain', async () => {
    const f = new InFlight();
    await expect(f.run(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await f.drain();
  });

  it('the runtime closes its store only after a handler that outlived its response', async () => {
    const t = await makeApp();
    let release!: () => void;
    let wrote = false;
    void t.runtime.deps.inflight.run(async () => {
      await new Promise<void>((r) => (release = r));
      // The store must still be open for a handler finishing after the stop began.
      await t.runtime.deps.store.repos.tasks.list({}, 1);
      wrote = true;
    });
    const closing = t.close();
    await new Promise((r) => setImmediate(r));
    release();
    await closing;
    expect(wrote).toBe(true);
  });
});
