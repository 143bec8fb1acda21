import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { requestLoggerFactory } from '../../src/http/request-log.ts';

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const parent = pino({ level }, stream);
  let children = 0;
  const child = parent.child;
  // Children inherit this: count, but make each child of the logger it is called on.
  parent.child = function (this: pino.Logger, ...args: Parameters<typeof child>) {
    children++;
    return child.apply(this, args);
  } as typeof parent.child;
  return { parent, lines, children: () => children };
}

const make = (parent: pino.Logger, opts = {}) => requestLoggerFactory.call(undefined as never, parent, { reqId: 'r-1' }, opts, undefined as never) as unknown as pino.Logger;

describe('the per-request logger', () => {
  it('makes no pino child for a request that logs nothing at an enabled level', () => {
    const c = capture('warn');
    const log = make(c.parent);
    log.info('not at this level');
    log.debug({ a: 1 }, 'nor this');
    expect(log.isLevelEnabled('info')).toBe(false);
    expect(log.level).toBe('warn');
    expect(c.children()).toBe(0);
    expect(c.lines).toEqual([]);
  });

  it('logs as the pino child Fastify would make, with the request id, once for the request', async () => {
    const c = capture('warn');
    const log = make(c.parent);
    log.warn({ problem: 'x' }, 'first');
    log.error('second %s', 'line');
    await new Promise((r) => setImmediate(r));
    expect(c.children()).toBe(1);
    expect(c.lines.map((l) => [l.reqId, l.msg, l.problem])).toEqual([['r-1', 'first', 'x'], ['r-1', 'second line', undefined]]);
  });

  it('hands out children of its child, and gives a route with a level of its own its child at once', async () => {
    const c = capture('warn');
    make(c.parent).child({ rpc: 1 }).warn('nested');
    await new Promise((r) => setImmediate(r));
    expect(c.lines.map((l) => [l.reqId, l.rpc, l.msg])).toEqual([['r-1', 1, 'nested']]);
    const own = make(capture('warn').parent, { level: 'debug' });
    expect(own.isLevelEnabled('debug')).toBe(true);
  });
});
