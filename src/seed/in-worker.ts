import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/config.ts';
import { SeedInterrupted, type SeedContext, type SeedProgress } from './apply.ts';
import { BUILT_IN_SEEDS } from './records.ts';

/**
 * Large seeds run in a worker thread with a store connection of its own. A seed of a million
 * snapshots allocates a few GB on its way, and V8 then keeps the heap it grew (on Node 24 a
 * young generation of 128 MB, old space and malloc'd buffers besides): in the serving thread
 * that was 400+ MB of RSS for the server's whole life. The worker's heap goes with the worker,
 * and its young generation is bounded (the seed makes garbage quickly, and keeps little).
 * Small seeds, built-in ones and in-memory stores (one connection, not shareable) stay inline.
 */
const WORKER_FROM_BYTES = 4 * 1024 * 1024;
const YOUNG_GENERATION_MB = 16;

export interface SeedJob {
  seed: string;
  store: Pick<Config, 'store' | 'dataDir' | 'durability'>;
  ctx: Omit<SeedContext, 'signal' | 'progress'>;
}

export type SeedMessage =
  | { progress: SeedProgress }
  | { done: true }
  | { interrupted: SeedProgress }
  | { error: { name: string; message: string; code?: string; stack?: string } };

export function seedsInWorker(config: Pick<Config, 'seed' | 'store' | 'dataDir'>): boolean {
  if (BUILT_IN_SEEDS.has(config.seed)) return false;
  if (config.store === 'sqlite' && config.dataDir === ':memory:') return false;
  try {
    return statSync(config.seed).size >= WORKER_FROM_BYTES;
  } catch {
    // Reported by the seed reader, with the same words as for a small seed.
    return false;
  }
}

/** Seeds as seedStore does, in a worker; the same progress, interruption and errors. */
export function seedInWorker(job: SeedJob, signal: AbortSignal | undefined, progress: (p: SeedProgress) => void): Promise<void> {
  const options = { workerData: job, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } };
  // The published package runs compiled JavaScript. A clone runs the TypeScript sources through
  // tsx, as bin/snapservice.js does, whose loader a worker thread does not inherit.
  const worker = import.meta.url.endsWith('.ts')
    ? new Worker(
      `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); ` +
        `return import(${JSON.stringify(new URL('./worker.ts', import.meta.url).href)}); });`,
      { ...options, eval: true },
    )
    : new Worker(new URL('./worker.js', import.meta.url), options);
  const abort = () => worker.postMessage('abort');
  if (signal?.aborted) abort();
  signal?.addEventListener('abort', abort);
  let outcome: SeedMessage | undefined;
  return new Promise<void>((resolve, reject) => {
    worker.on('message', (m: SeedMessage) => {
      if ('progress' in m) progress(m.progress);
      else outcome = m;
    });
    worker.once('error', (err) => {
      outcome = { error: { name: err.name, message: err.message, stack: err.stack } };
    });
    worker.once('exit', (code) => {
      signal?.removeEventListener('abort', abort);
      if (outcome && 'done' in outcome) resolve();
      else if (outcome && 'interrupted' in outcome) reject(new SeedInterrupted(outcome.interrupted));
      else if (outcome && 'error' in outcome) reject(Object.assign(new Error(outcome.error.message), outcome.error));
      else reject(new Error(`the seeding worker stopped (exit code ${code}) before the seed was whole`));
    });
  });
}
