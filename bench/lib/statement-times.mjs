/**
 * Where a server's SQLite time goes, statement by statement. Loaded into the app server with
 *
 *   BENCH_SERVER_NODE_ARGS='--import ./bench/lib/statement-times.mjs' npm run bench -- revert-submit
 *
 * it times every better-sqlite3 Statement run (the native call only: below Kysely and our
 * statement caches) and, when the server exits, writes one line per SQL text, most total time
 * first: total ms, runs, us per run, the SQL, and the query plan SQLite chose for each select,
 * to $STATEMENT_TIMES_DIR (default: the system's temp dir)/statement-times-<pid>.txt.
 * Plain JavaScript so that it loads before tsx.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const Database = createRequire(import.meta.url)('better-sqlite3');
const statement = Object.getPrototypeOf(new Database(':memory:').prepare('select 1'));
const times = new Map();
const plans = new Map();

for (const method of ['all', 'get', 'run', 'iterate']) {
  const run = statement[method];
  statement[method] = function timed(...args) {
    if (!plans.has(this.source) && /^\s*select/i.test(this.source)) {
      plans.set(this.source, '');
      try {
        plans.set(this.source, this.database.prepare(`explain query plan ${this.source}`).all(...args).map((r) => r.detail).join(' | '));
      } catch (err) {
        plans.set(this.source, String(err));
      }
    }
    const start = process.hrtime.bigint();
    try {
      return run.apply(this, args);
    } finally {
      const t = times.get(this.source) ?? { n: 0, ns: 0n };
      t.n++;
      t.ns += process.hrtime.bigint() - start;
      times.set(this.source, t);
    }
  };
}

process.on('exit', () => {
  const lines = [...times].sort((a, b) => (b[1].ns > a[1].ns ? 1 : -1)).map(([sql, { n, ns }]) => {
    const ms = Number(ns) / 1e6;
    const plan = plans.get(sql);
    return `${ms.toFixed(0).padStart(8)} ms ${String(n).padStart(8)} x ${((ms * 1000) / n).toFixed(1).padStart(7)} us  ${sql.replace(/\s+/g, ' ')}${plan ? `\n${' '.repeat(38)}plan: ${plan}` : ''}`;
  });
  writeFileSync(join(process.env.STATEMENT_TIMES_DIR ?? tmpdir(), `statement-times-${process.pid}.txt`), `${lines.join('\n')}\n`);
});
