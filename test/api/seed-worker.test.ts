import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { writeScaleSeed } from '../../bench/lib/seed-file.ts';
import { testConfig } from '../../src/config/config.ts';
import { ManualClock } from '../../src/clock/clock.ts';
import { createRuntime } from '../../src/runtime.ts';
import { seedsInWorker } from '../../src/seed/in-worker.ts';
import { SeedInterrupted } from '../../src/seed/apply.ts';

const root = mkdtempSync(join(tmpdir(), 'snapservice-seed-worker-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** Rows of the seeded tables, ids replaced by the order they first appear in. */
function dump(dir: string): Record<string, unknown[]> {
  const db = new Database(join(dir, 'snapservice.db'), { readonly: true });
  try {
    const seen = new Map<string, string>();
    const out: Record<string, unknown[]> = {};
    for (const name of ['vms', 'disks', 'layers', 'layer_blocks', 'vm_snapshots', 'disk_snapshots', 'snapshot_history', 'clusters', 'hosts']) {
      out[name] = (db.prepare(`select * from "${name}" order by rowid`).all() as Array<Record<string, unknown>>).map((row) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string'
          ? v.replace(UUID, (u) => seen.get(u) ?? (seen.set(u, `uuid#${seen.size}`), `uuid#${seen.size - 1}`))
          : Buffer.isBuffer(v) ? v.toString('base64') : v])));
    }
    return out;
  } finally {
    db.close();
  }
}

async function seedInto(name: string, seed: string, inWorker: boolean, signal?: AbortSignal): Promise<string> {
  const dataDir = join(root, name);
  const clock = new ManualClock(Date.UTC(2026, 10, 27, 9, 0, 0));
  const rt = await createRuntime(testConfig({ dataDir, seed, scryptCost: 10, logLevel: 'silent' }), {
    clock, wall: new ManualClock(Date.UTC(2026, 10, 27, 9, 0, 0)), noRunner: true, seedInWorker: inWorker, signal, progress: () => undefined,
  });
  await rt.close();
  return dataDir;
}

describe('seeding in a worker thread', () => {
  it('builds the same store as seeding in the serving thread', async () => {
    const seed = join(root, 'seed.jsonl');
    await writeScaleSeed(seed, 300, 3);
    const inline = dump(await seedInto('inline', seed, false));
    const worker = dump(await seedInto('worker', seed, true));
    expect(worker.vm_snapshots).toHaveLength(900);
    expect(worker).toEqual(inline);
  });

  it('refuses an invalid seed with the same message', async () => {
    const seed = join(root, 'bad.jsonl');
    await writeScaleSeed(seed, 20, 1);
    appendFileSync(seed, '{"vm":{"name":"vm-x","history":[{"snapshot":{"name":"s","age_minutes":"old"}}]}}\n');
    const inline = await seedInto('bad-inline', seed, false).then(() => 'seeded', (e: Error) => e.message);
    const worker = await seedInto('bad-worker', seed, true).then(() => 'seeded', (e: Error) => e.message);
    expect(inline).toMatch(/invalid seed/);
    expect(worker).toBe(inline);
  });

  it('stops between batches when asked, as SeedInterrupted', async () => {
    const seed = join(root, 'stop.jsonl');
    await writeScaleSeed(seed, 300, 1);
    const err = await seedInto('stop', seed, true, AbortSignal.abort()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SeedInterrupted);
  });

  it('is chosen for seed files of 4 MB and more on a shared store, never for built-in seeds or in-memory stores', async () => {
    const big = join(root, 'big.jsonl');
    await writeScaleSeed(big, 15_000, 3);
    expect(statSync(big).size).toBeGreaterThan(4 * 1024 * 1024);
    const small = join(root, 'seed.jsonl');
    expect(seedsInWorker({ seed: big, store: 'sqlite', dataDir: join(root, 'x') })).toBe(true);
    expect(seedsInWorker({ seed: big, store: 'sqlite', dataDir: ':memory:' })).toBe(false);
    expect(seedsInWorker({ seed: small, store: 'sqlite', dataDir: join(root, 'x') })).toBe(false);
    expect(seedsInWorker({ seed: 'demo', store: 'sqlite', dataDir: join(root, 'x') })).toBe(false);
  });
});
