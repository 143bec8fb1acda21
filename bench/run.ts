/**
 * The benchmark suite: `npm run bench` runs every benchmark, `npm run bench -- <name>` one.
 * Each benchmark starts its servers as child processes (bench/server.ts), measures a
 * baseline in the same run right before the measurement it is compared to, and prints the
 * ratio. See docs/benchmarks.md.
 */
import { log, machine, table, type Benchmark, type Row } from './lib/report.ts';
import { killAll } from './lib/server.ts';
import { nowMs } from './lib/stats.ts';
import { revertDiskSize } from './revert-disk-size.ts';
import { revertLatency } from './revert-latency.ts';
import { revertSubmit } from './revert-submit.ts';
import { snapshotIndex } from './snapshot-index.ts';
import { taskGet } from './task-get.ts';
import { vmList } from './vm-list.ts';
import { loginAttack } from './login-attack.ts';
import { metricsCost } from './metrics-cost.ts';
import { walPages } from './wal-pages.ts';

const all: Benchmark[] = [taskGet, revertSubmit, revertLatency, revertDiskSize, vmList, loginAttack, snapshotIndex, metricsCost, walPages];

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const storeAt = args.indexOf('--store');
  const store = storeAt >= 0 ? args.splice(storeAt, 2)[1] : undefined;
  if (args.includes('-h') || args.includes('--help')) {
    log('usage: npm run bench [-- <name>...] [--store sqlite|postgres|postgres://URL]  (postgres: PostgreSQL beside SQLite)');
    for (const b of all) log(`  ${b.name.padEnd(18)} ${b.title}`);
    return 0;
  }
  const wanted = args.filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((w) => !all.some((b) => b.name === w));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')}; available: ${all.map((b) => b.name).join(', ')}\n`);
    return 2;
  }
  const selected = wanted.length > 0 ? all.filter((b) => wanted.includes(b.name)) : all;
  log(`Snapservice benchmarks, ${new Date().toISOString()}`);
  log(`machine: ${machine()}`);
  const rows: Row[] = [];
  const failed: string[] = [];
  const start = nowMs();
  for (const b of selected) {
    log();
    log(`== ${b.name}: ${b.title}`);
    const t0 = nowMs();
    try {
      rows.push(...(await b.run({ store })));
      log(`  (${((nowMs() - t0) / 1000).toFixed(1)} s)`);
    } catch (err) {
      failed.push(b.name);
      process.stderr.write(`  ${b.name} FAILED: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    }
  }
  log();
  log(`== summary (${((nowMs() - start) / 1000).toFixed(0)} s; ratio = value / baseline measured in the same run)`);
  log(table(rows));
  if (failed.length > 0) {
    process.stderr.write(`\nfailed: ${failed.join(', ')}\n`);
    return 1;
  }
  return 0;
}

main()
  .then((code) => {
    killAll();
    process.exit(code);
  })
  .catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    killAll();
    process.exit(1);
  });
