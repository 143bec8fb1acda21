/**
 * Replays a recording of `bench/lib/sqlite-record.mjs` on an empty SQLite file in a temporary
 * directory, alone in this process, and prints what the calls cost on their own: per recorded
 * second (reverts, statements, commits, time), then, over the seconds of load (those with at
 * least half the busiest second's reverts), SQLite time per revert and per statement text.
 * A revert is counted per task inserted, which is one per accepted revert in `revert-submit`.
 *
 *   node --import tsx bench/sqlite-replay.ts $SQLITE_RECORD_DIR/sqlite-record-<pid>.jsonl
 *
 * The figure is a floor for the server's SQLite time under that load: the same calls, in the
 * same order and transactions, with warm caches and no other work between them.
 */
import Database from 'better-sqlite3';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

interface Call { t: number; m: string; s: string; p: unknown[] }
interface Cost { ns: bigint; n: number }
interface Second { reverts: number; commits: number; cost: Cost; bySql: Map<string, Cost> }

const decodeValue = (v: unknown): unknown => {
  if (v === null || typeof v !== 'object') return v;
  if ('$b' in v) return Buffer.from((v as { $b: string }).$b, 'base64');
  if ('$n' in v) return BigInt((v as { $n: string }).$n);
  return v;
};
const decodeArg = (a: unknown): unknown => {
  if (Array.isArray(a)) return a.map(decodeValue);
  if (a !== null && typeof a === 'object' && '$o' in a) {
    return Object.fromEntries(Object.entries((a as { $o: object }).$o).map(([k, v]) => [k, decodeValue(v)]));
  }
  return decodeValue(a);
};
const add = (c: Cost, ns: bigint, n = 1): void => {
  c.ns += ns;
  c.n += n;
};
const us = (ns: bigint, per: number): string => (Number(ns) / 1e3 / per).toFixed(1);

async function main(file: string | undefined): Promise<number> {
  if (!file) {
    process.stderr.write('usage: node --import tsx bench/sqlite-replay.ts <sqlite-record-PID.jsonl>\n');
    return 2;
  }
  const dir = mkdtempSync(join(tmpdir(), 'sqlite-replay-'));
  const db = new Database(join(dir, 'snapservice.db'));
  const statements = new Map<string, Database.Statement>();
  const seconds = new Map<number, Second>();
  let failures = 0;
  try {
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      if (!line) continue;
      const call = JSON.parse(line) as Call;
      const args = call.p.map(decodeArg);
      const sec = Math.floor(call.t / 1000);
      let s = seconds.get(sec);
      if (!s) seconds.set(sec, (s = { reverts: 0, commits: 0, cost: { ns: 0n, n: 0 }, bySql: new Map() }));
      let run: () => unknown;
      if (call.m === 'exec') run = () => db.exec(call.s);
      else if (call.m === 'pragma') run = () => db.pragma(call.s, args[0] as Database.PragmaOptions | undefined);
      else {
        let stmt = statements.get(call.s);
        if (!stmt) statements.set(call.s, (stmt = db.prepare(call.s)));
        const st = stmt;
        run = call.m === 'iterate' ? () => [...st.iterate(...args)] : () => (st[call.m as 'all' | 'get' | 'run'] as (...a: unknown[]) => unknown)(...args);
      }
      const start = process.hrtime.bigint();
      try {
        run();
      } catch (err) {
        if (failures++ < 5) process.stderr.write(`replay failed: ${call.s.slice(0, 80)}: ${(err as Error).message}\n`);
      }
      const ns = process.hrtime.bigint() - start;
      add(s.cost, ns);
      const key = call.s.replace(/\s+/g, ' ').trim().slice(0, 90);
      const c = s.bySql.get(key) ?? { ns: 0n, n: 0 };
      add(c, ns);
      s.bySql.set(key, c);
      if (/^insert into "tasks"/.test(call.s)) s.reverts++;
      if (/^\s*commit\s*$/i.test(call.s)) s.commits++;
    }
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const ordered = [...seconds].sort((a, b) => a[0] - b[0]);
  for (const [sec, s] of ordered) {
    const per = s.reverts > 0 ? `, ${us(s.cost.ns, s.reverts)} us per revert` : '';
    console.log(`  ${String(sec).padStart(4)} s: ${s.cost.n} calls, ${s.commits} commits, ${s.reverts} reverts, ${(Number(s.cost.ns) / 1e6).toFixed(1)} ms${per}`);
  }
  const busiest = Math.max(0, ...ordered.map(([, s]) => s.reverts));
  const load = ordered.filter(([, s]) => busiest > 0 && s.reverts * 2 >= busiest).map(([, s]) => s);
  const reverts = load.reduce((n, s) => n + s.reverts, 0);
  if (reverts === 0) {
    console.log('no second with reverts in this recording');
    return failures > 0 ? 1 : 0;
  }
  const total = load.reduce((ns, s) => ns + s.cost.ns, 0n);
  const commits = load.reduce((n, s) => n + s.commits, 0);
  console.log(`load (${load.length} s): ${reverts} reverts, ${(reverts / commits).toFixed(1)} per commit; SQLite ${us(total, reverts)} us per revert, replayed alone`);
  const bySql = new Map<string, Cost>();
  for (const s of load) for (const [k, c] of s.bySql) add(bySql.get(k) ?? bySql.set(k, { ns: 0n, n: 0 }).get(k)!, c.ns, c.n);
  for (const [k, c] of [...bySql].sort((a, b) => Number(b[1].ns - a[1].ns)).slice(0, 25)) {
    console.log(`  ${us(c.ns, reverts).padStart(6)} us per revert  ${(c.n / reverts).toFixed(2).padStart(5)} runs  ${us(c.ns, c.n).padStart(6)} us each  ${k}`);
  }
  if (failures > 0) console.log(`${failures} calls failed on replay: the figure is not the recording's`);
  return failures > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv[2]);
