import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT
 * that takes the WAL past its size: the copy of every page back into the database file and
 * two fsyncs, on the thread that serves requests. Here the serving connection's automatic
 * checkpoint is set far higher (a safety net if this falls behind), and a worker thread with a
 * connection of its own runs PASSIVE checkpoints, which never block writers, once the WAL holds
 * `frames` frames not yet copied back.
 *
 * How far the WAL is ahead is read from the shared-memory index (the -shm file every
 * connection to the store maps, whatever its process): its header's mxFrame (frames in the
 * WAL) and the checkpoint info's nBackfill (frames copied back), in the machine's byte order
 * (https://www.sqlite.org/walformat.html). So each process sees the others' writes, and a
 * checkpoint by any of them counts for all. The worker starts on the first checkpoint, so the
 * many short-lived stores of tests and tools never start one.
 */
/**
 * 16 MiB of WAL (4 KiB pages) before a checkpoint, against SQLite's default of 1000 frames: a
 * hot page (a table's last leaf, an index's) is copied back once per checkpoint however often
 * it was rewritten meanwhile (bench wal-pages counts both).
 */
export const CHECKPOINT_FRAMES = 4000;
const MX_FRAME = 16;
const N_BACKFILL = 96;
const HEADER_BYTES = 100;
const POLL_MS = 20;

export interface CheckpointerOptions {
  /** The store's file; its WAL index is `${file}-shm`. */
  file: string;
  /** Frames not yet copied back that start a checkpoint. */
  frames: number;
  synchronous: 'NORMAL' | 'FULL';
}

export interface Checkpointer {
  /** Stops polling and the worker; its connection closes, checkpointing if it is the last. */
  stop(): Promise<void>;
}

/** The worker's body: plain JavaScript, so that it runs alike from sources and the build. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('synchronous = ' + workerData.synchronous);
parentPort.on('message', (m) => {
  if (m === 'stop') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // another checkpoint or a lock in the way: the next poll tries again
  }
  parentPort.postMessage('done');
});
`;

export function startCheckpointer(opts: CheckpointerOptions): Checkpointer {
  const header = Buffer.alloc(HEADER_BYTES);
  const read = endianness() === 'LE' ? (at: number) => header.readUInt32LE(at) : (at: number) => header.readUInt32BE(at);
  let fd: number | undefined;
  let worker: Worker | undefined;
  let exited: Promise<void> = Promise.resolve();
  let busy = false;
  let stopped = false;

  /**
   * Due once `frames` frames wait. Only a writer that finds the WAL copied back to its end
   * starts it over: when writers kept adding frames during every checkpoint, the serving
   * connection's net does it, copying only what is left. Checkpointing that rest here as soon
   * as it appears cost more than it saved: pages copied every poll, once per few writes.
   */
  const due = (): boolean => {
    try {
      fd ??= openSync(`${opts.file}-shm`, 'r');
      if (readSync(fd, header, 0, HEADER_BYTES, 0) < HEADER_BYTES) return false;
    } catch {
      return false;
    }
    const [inWal, copied] = [read(MX_FRAME), read(N_BACKFILL)];
    return inWal - copied >= opts.frames;
  };
  const start = (): Worker => {
    const w = new Worker(WORKER, {
      eval: true,
      workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file: opts.file, synchronous: opts.synchronous },
    });
    w.on('message', () => {
      busy = false;
    });
    // A worker that failed is replaced at the next due checkpoint; the serving connection's
    // own checkpoint covers the gap.
    w.on('error', () => undefined);
    exited = new Promise<void>((resolve) => w.once('exit', () => {
      if (worker === w) worker = undefined;
      busy = false;
      resolve();
    }));
    w.unref();
    return w;
  };
  const timer = setInterval(() => {
    if (busy || stopped || !due()) return;
    busy = true;
    worker ??= start();
    worker.postMessage('checkpoint');
  }, POLL_MS);
  timer.unref();

  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (fd !== undefined) closeSync(fd);
      if (worker) {
        // Unreferenced while serving; held now so that the process waits for the final close.
        worker.ref();
        worker.postMessage('stop');
        await exited;
      }
    },
  };
}
