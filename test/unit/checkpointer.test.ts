import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { endianness, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.ts';
import type { Store } from '../../src/store/store.ts';

/** Frames in the WAL and frames copied back, from the WAL index every connection shares. */
function walState(file: string): { frames: number; backfilled: number } {
  const shm = readFileSync(`${file}-shm`);
  const read = (at: number) => (endianness() === 'LE' ? shm.readUInt32LE(at) : shm.readUInt32BE(at));
  return { frames: read(16), backfilled: read(96) };
}

const FRAMES = 40;
const VALUE = 'x'.repeat(3000);
/** Rows whose writes take the WAL past FRAMES frames but not past 4 x FRAMES (2-4 frames each). */
const ROWS = 20;

/** Writes `n` rows of about one page each, yielding now and then as a serving process does. */
async function write(store: Store, prefix: string, n: number, after?: () => void): Promise<void> {
  for (let i = 0; i < n; i++) {
    await store.repos.meta.set(`${prefix}${i}`, VALUE);
    after?.();
    if (i % 5 === 4) await sleep(5);
  }
}

/** Waits until the WAL index says `done` (no time is asserted: 30 s only bounds a failure). */
async function until(file: string, done: (s: { frames: number; backfilled: number }) => boolean): Promise<void> {
  for (let i = 0; i < 3000 && !done(walState(file)); i++) await sleep(10);
  expect(done(walState(file)), JSON.stringify(walState(file))).toBe(true);
}

/**
 * Checkpoints run in a worker thread once the WAL holds `checkpointFrames` frames not yet
 * copied back; the serving connection's own checkpoint is left at 4x that, as a net.
 */
describe('the WAL checkpointer', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapservice-checkpointer-'));
    dirs.push(dir);
    return { dir, file: join(dir, 'snapservice.db') };
  };

  it('copies the WAL back before the serving connection would, and closes cleanly', async () => {
    const { dir, file } = fresh();
    const store = openSqliteStore({ dataDir: dir, checkpointFrames: FRAMES });
    // The migrations write more than FRAMES frames: copied back to the end once writes stop.
    await store.migrate();
    await until(file, (s) => s.backfilled === s.frames);
    // The next writer after a complete checkpoint starts the WAL over.
    await write(store, 'a', 1);
    expect(walState(file).frames).toBeLessThan(FRAMES);
    // More than FRAMES frames, fewer than the serving connection's net (4 x FRAMES): a
    // checkpoint (frames copied, or the WAL started over) can only be the worker's.
    let peak = 0;
    await write(store, 'b', ROWS, () => {
      peak = Math.max(peak, walState(file).frames);
    });
    expect(peak).toBeLessThan(4 * FRAMES);
    await until(file, (s) => s.backfilled > 0 || s.frames < peak);
    await store.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    const db = new Database(file, { readonly: true });
    expect((db.prepare("select count(*) as n from meta where key like 'b%'").get() as { n: number }).n).toBe(ROWS);
    db.close();
  });

  it('keeps the WAL bounded with two stores (as two processes) writing to one file', async () => {
    const { dir, file } = fresh();
    const one = openSqliteStore({ dataDir: dir, checkpointFrames: FRAMES });
    await one.migrate();
    const two = openSqliteStore({ dataDir: dir, checkpointFrames: FRAMES });
    await Promise.all([write(one, 'one', 4 * FRAMES), write(two, 'two', 4 * FRAMES)]);
    // Fewer than FRAMES frames wait once the writers stop, whichever process copied them.
    await until(file, (s) => s.frames - s.backfilled < FRAMES);
    await one.close();
    await two.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('is not started for an in-memory store, and 0 leaves checkpoints to SQLite', async () => {
    const memory = openSqliteStore({ dataDir: ':memory:' });
    await memory.migrate();
    await memory.close();
    const { dir, file } = fresh();
    const store = openSqliteStore({ dataDir: dir, checkpointFrames: 0 });
    await store.migrate();
    await write(store, 'c', FRAMES + 10);
    // SQLite's own checkpoint waits for 1000 frames: nothing was copied back meanwhile.
    expect(walState(file).backfilled).toBe(0);
    await store.close();
  });
});
