/**
 * Entry of the seeding worker thread (see in-worker.ts): opens its own connection to the
 * store, applies the seed and reports to the thread that started it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../store/open.ts';
import { seedStore, SeedInterrupted, type SeedContext } from './apply.ts';
import { seedRecords } from './records.ts';
import type { SeedJob, SeedMessage } from './in-worker.ts';

const job = workerData as SeedJob;
const port = parentPort!;
const post = (m: SeedMessage) => port.postMessage(m);
const aborter = new AbortController();
port.on('message', (m: unknown) => {
  if (m === 'abort') aborter.abort();
});

const store = openStore(job.store);
try {
  const ctx: SeedContext = { ...job.ctx, signal: aborter.signal, progress: (p) => post({ progress: p }) };
  await seedStore(store, seedRecords(job.seed), ctx);
  post({ done: true });
} catch (err) {
  if (err instanceof SeedInterrupted) post({ interrupted: err.done });
  else {
    const e = err as NodeJS.ErrnoException;
    post({ error: { name: e.name, message: e.message ?? String(err), code: e.code, stack: e.stack } });
  }
} finally {
  await store.close();
  port.close();
}
