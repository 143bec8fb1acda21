import { sql } from 'kysely';
import type { Repos } from '../store.ts';
import type { Db } from './core.ts';
import { changes } from './prepared.ts';
import { makeRepos } from './repos.ts';

interface Item {
  fn: (tx: Repos) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** A transaction's first call failed: the transaction is rolled back, the rest go on in another. */
class FirstFailed {
  constructor(readonly error: unknown) {}
}

/**
 * Group commit: calls made while no batch is open, or while the previous one commits, share
 * one transaction. Each runs alone under a savepoint (the first needs none), in arrival order,
 * so it sees the writes of those before it and its failure rolls back its own writes only; all
 * are answered once the transaction has committed (or all fail if the commit does). A commit costs far more
 * than the few statements of an admission, and on SQLite every write waits for the one
 * connection anyway.
 */
export function batcher(db: Db): <T>(fn: (tx: Repos) => Promise<T>) => Promise<T> {
  let queue: Item[] = [];
  let scheduled = false;
  let running = false;

  const flush = async (): Promise<void> => {
    scheduled = false;
    running = true;
    const batch = queue;
    queue = [];
    const outcomes: Outcome[] = [];
    try {
      // Nothing precedes a transaction's first call, so it runs without a savepoint: its failure
      // rolls back the whole transaction, losing nothing else, and the rest go on in a new one.
      // That spares two statements per batch, and the savepoint's copy of each page it writes.
      while (outcomes.length < batch.length) {
        try {
          await db.transaction().execute(async (trx) => {
            const repos = makeRepos(trx);
            const first = outcomes.length;
            try {
              outcomes.push({ ok: true, value: await batch[first].fn(repos) });
            } catch (error) {
              // The last one's error is the transaction's own.
              throw first === batch.length - 1 ? error : new FirstFailed(error);
            }
            for (let i = first + 1; i < batch.length; i++) {
              await changes(trx, 'savepoint', () => sql`savepoint batched`, []);
              try {
                outcomes.push({ ok: true, value: await batch[i].fn(repos) });
              } catch (error) {
                await changes(trx, 'rollback to savepoint', () => sql`rollback to savepoint batched`, []);
                outcomes.push({ ok: false, error });
              }
              await changes(trx, 'release savepoint', () => sql`release savepoint batched`, []);
            }
          });
        } catch (err) {
          if (!(err instanceof FirstFailed)) throw err;
          outcomes.push({ ok: false, error: err.error });
        }
      }
      batch.forEach((item, i) => {
        const o = outcomes[i];
        if (o.ok) item.resolve(o.value);
        else item.reject(o.error);
      });
    } catch (err) {
      // The last transaction failed (its last call's own error, or the commit): none of its
      // calls was committed; calls that failed before keep their own errors.
      batch.forEach((item, i) => {
        const o = outcomes[i];
        item.reject(o && !o.ok ? o.error : err);
      });
    } finally {
      running = false;
      if (queue.length > 0) schedule();
      // A lone call's answer may start more work at once (an admitted revert's execution): run
      // it as soon as the answer's continuations have queued it, before the event loop reads
      // new requests. A turn's wait for company would not pay (this call had none), while a
      // client polling its task would read it before its execution started and poll again.
      // Batches of several calls keep the turn's wait, which lets their follow-ups share a
      // commit with the calls arriving meanwhile.
      else if (batch.length === 1) process.nextTick(() => {
        if (scheduled && !running && queue.length > 0) void flush();
      });
    }
  };

  // setImmediate: every request whose bytes arrived in this turn of the event loop has
  // reached its admission by then. A flush that finds the queue already taken does nothing.
  const schedule = (): void => {
    if (scheduled || running) return;
    scheduled = true;
    setImmediate(() => {
      if (scheduled) void flush();
    });
  };

  return <T>(fn: (tx: Repos) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      schedule();
    });
}
