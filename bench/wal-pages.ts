/**
 * 9. Pages written per revert: a counted figure, independent of the machine's load. The app
 * server runs reverts (one at a time, then in groups submitted together so that group commit
 * shares their transactions) while this process holds a read transaction open on the same
 * file: no checkpoint can then copy a frame back or restart the WAL, so every page the server
 * commits stays in the -wal file as its own frame. The frames are read back and each page
 * number is named by its B-tree (dbstat), which says which tables and indexes a revert
 * touches. The server's own background writes (instance heartbeat) are counted too.
 */
import Database from 'better-sqlite3';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { login, snapshotIds, submitRevert, vmsByName, waitTask, type VmRef } from './lib/api.ts';
import { HttpClient } from './lib/http.ts';
import { log, type Benchmark, type Row } from './lib/report.ts';
import { benchSeed } from './lib/seed.ts';
import { withServer } from './lib/server.ts';

const VMS = 500;
/** Reverts per phase, round robin over the VMs (a VM's next revert finds its previous one ended). */
const N = 2000;
const GROUP = 10;
/** wal_autocheckpoint sizes whose checkpoint copies are counted from the same frames. */
const CHECKPOINT_AT = [1000, 4000, 16000];
const CHANGED = 10;
const WAL_HEADER = 32;
const FRAME_HEADER = 24;

export const walPages: Benchmark = {
  name: 'wal-pages',
  title: 'WAL pages (frames) written per revert, by B-tree (counted, SQLite)',
  async run(): Promise<Row[]> {
    return withServer('app', {
      seed: benchSeed([{ prefix: 'wp', count: VMS, capacityMib: 256, changedBlocks: CHANGED }]),
      config: { store: 'sqlite', maxConcurrentReverts: 100_000, taskDelayMs: 0, taskQueueMs: 0 },
    }, async (app) => {
      const client = new HttpClient(app.url);
      try {
        await login(client);
        const vms = [...vmsByName(app).values()].filter((v) => v.name.startsWith('wp-'));
        const snaps = await snapshotIds(client, vms, 'base');
        const file = dbFile(app.info.pid);
        log(`  ${N} reverts one at a time, then ${N} in groups of ${GROUP} submitted together, over ${VMS} VMs (${CHANGED} changed blocks before the first); ${file}`);
        const rows: Row[] = [];
        for (const [label, size] of [['one at a time', 1], [`groups of ${GROUP}`, GROUP]] as const) {
          const frames = await counted(file, async () => {
            for (let i = 0; i < N; i += size) {
              const part = Array.from({ length: size }, (_, j) => vms[(i + j) % vms.length]);
              const tasks = await Promise.all(part.map((vm: VmRef) => submitRevert(client, vm, snaps.get(vm.id)!)));
              await Promise.all(tasks.map((t) => waitTask(client, t, 10_000)));
            }
          });
          rows.push(...report(file, label, frames, N));
        }
        return rows;
      } finally {
        client.close();
      }
    });
  },
};

/** The store file the server has open, found among its file descriptors. */
function dbFile(pid: number): string {
  const dir = `/proc/${pid}/fd`;
  for (const fd of readdirSync(dir)) {
    try {
      const target = readlinkSync(`${dir}/${fd}`);
      if (target.endsWith('/snapservice.db')) return target;
    } catch {
      // closed meanwhile
    }
  }
  throw new Error(`server ${pid} has no snapservice.db open`);
}

interface Frame {
  page: number;
  commit: boolean;
}

/**
 * Empties the WAL, holds a read transaction (on the database file alone) while `fn` runs,
 * and returns the frames the server appended meanwhile.
 */
async function counted(file: string, fn: () => Promise<void>): Promise<Frame[]> {
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 10000');
    const [r] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
    if (r.busy) throw new Error('could not empty the WAL (busy)');
    db.exec('begin');
    db.prepare('select count(*) from meta').get();
    try {
      await fn();
    } finally {
      db.exec('commit');
    }
    return frames(readFileSync(`${file}-wal`));
  } finally {
    db.close();
  }
}

function frames(wal: Buffer): Frame[] {
  if (wal.length < WAL_HEADER) return [];
  const pageSize = wal.readUInt32BE(8);
  const [salt1, salt2] = [wal.readUInt32BE(16), wal.readUInt32BE(20)];
  const out: Frame[] = [];
  for (let at = WAL_HEADER; at + FRAME_HEADER + pageSize <= wal.length; at += FRAME_HEADER + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salt1 || wal.readUInt32BE(at + 12) !== salt2) break;
    out.push({ page: wal.readUInt32BE(at), commit: wal.readUInt32BE(at + 4) !== 0 });
  }
  return out;
}

/** Page number -> B-tree name, as the file is now (pages freed and reused may move). */
function owners(file: string): Map<number, string> {
  const db = new Database(file, { readonly: true });
  try {
    return new Map((db.prepare('select pageno, name from dbstat').all() as Array<{ pageno: number; name: string }>).map((r) => [r.pageno, r.name]));
  } finally {
    db.close();
  }
}

function report(file: string, label: string, frames: Frame[], reverts: number): Row[] {
  const names = owners(file);
  const byTree = new Map<string, number>();
  for (const f of frames) {
    const name = names.get(f.page) ?? (f.page === 1 ? 'header' : 'free/other');
    byTree.set(name, (byTree.get(name) ?? 0) + 1);
  }
  const commits = frames.filter((f) => f.commit).length;
  const distinct = new Set(frames.map((f) => f.page)).size;
  const per = (n: number) => (n / reverts).toFixed(2);
  log(`  ${label}: ${frames.length} frames, ${commits} commits, ${distinct} distinct pages for ${reverts} reverts: ${per(frames.length)} pages and ${per(commits)} commits per revert`);
  for (const [name, n] of [...byTree].sort((a, b) => b[1] - a[1])) log(`    ${name.padEnd(36)} ${per(n).padStart(7)} per revert`);
  const b = 'wal pages';
  const rows = [
    { benchmark: b, metric: `pages/revert, ${label}`, value: per(frames.length), baseline: '-', ratio: '-' },
    { benchmark: b, metric: `commits/revert, ${label}`, value: per(commits), baseline: '-', ratio: '-' },
  ];
  for (const at of CHECKPOINT_AT) {
    const copies = checkpointCopies(frames, at);
    log(`  checkpoint at ${at} frames: ${per(copies)} pages copied into the database file per revert`);
    rows.push({ benchmark: b, metric: `checkpoint copies/revert at ${at}, ${label}`, value: per(copies), baseline: '-', ratio: '-' });
  }
  return rows;
}

/**
 * Pages a checkpoint run every `at` frames would copy back: each distinct page of a window once
 * (its newest frame). A window ends at the commit that takes it to `at` frames, as SQLite's
 * autocheckpoint runs after that commit; the last, partial window is counted too.
 */
function checkpointCopies(frames: readonly Frame[], at: number): number {
  let copies = 0;
  let window = new Set<number>();
  let n = 0;
  for (const f of frames) {
    window.add(f.page);
    n++;
    if (f.commit && n >= at) {
      copies += window.size;
      window = new Set();
      n = 0;
    }
  }
  return copies + window.size;
}
