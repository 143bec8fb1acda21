/**
 * 5. Inventory list on each store: GET /api/vcenter/vm with 400 VMs (session header, as the
 * administrator), idle (one request at a time) and under 50 connections, on SQLite and on
 * PostgreSQL in the same run; the SQLite figure is the baseline of the PostgreSQL one.
 * `--store sqlite|postgres` measures one store only. PostgreSQL gets a temporary database on
 * SNAPSERVICE_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { login, SESSION_HEADER } from './lib/api.ts';
import { HttpClient } from './lib/http.ts';
import { load } from './lib/load.ts';
import { log, type Benchmark, type BenchOptions, type Row } from './lib/report.ts';
import { benchSeed } from './lib/seed.ts';
import { startServer } from './lib/server.ts';
import { pgUrl } from './lib/stores.ts';
import { ms, nowMs, perSec, percentileSorted, ratio, times } from './lib/stats.ts';

const VMS = 400;
const SEQUENTIAL = 300;
const CONNECTIONS = 50;
const DURATION_S = 10;

interface Figures {
  p50: number;
  p99: number;
  loadP50: number;
  loadP99: number;
  rps: number;
}

async function admin(adminUrl: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  await c.connect();
  await c.query(sql).finally(() => c.end());
}

async function measure(store: 'sqlite' | 'postgres', adminUrl: string): Promise<Figures> {
  let db: string | undefined;
  let storeConfig = 'sqlite';
  if (store === 'postgres') {
    db = `snapservice_bench_${randomBytes(4).toString('hex')}`;
    await admin(adminUrl, `create database "${db}"`);
    const url = new URL(adminUrl);
    url.pathname = `/${db}`;
    storeConfig = url.toString();
  }
  const t0 = nowMs();
  const app = await startServer('app', { config: { store: storeConfig }, seed: benchSeed([{ prefix: 'vm', count: VMS, capacityMib: 1024 }]) });
  const client = new HttpClient(app.url, { maxSockets: 1 });
  try {
    log(`  ${store}: ${VMS} VMs seeded in ${((nowMs() - t0) / 1000).toFixed(1)} s`);
    const token = await login(client);
    const path = '/api/vcenter/vm';
    const times: number[] = [];
    for (let i = 0; i < SEQUENTIAL + 30; i++) {
      const start = nowMs();
      const res = await client.expect(200, path);
      if (i >= 30) times.push(nowMs() - start);
      if (i === 0 && res.json<unknown[]>().length !== VMS) throw new Error(`expected ${VMS} VMs, got ${res.json<unknown[]>().length}`);
    }
    times.sort((a, b) => a - b);
    const r = await load({ url: app.url, path, headers: { [SESSION_HEADER]: token }, connections: CONNECTIONS, durationS: DURATION_S });
    if ((r.byStatus[200] ?? 0) !== r.responses || r.errors + r.timeouts > 0) throw new Error(`under load: ${JSON.stringify(r.byStatus)}, ${r.errors} errors, ${r.timeouts} timeouts`);
    const sorted = [...r.latencies].sort((a, b) => a - b);
    const f = { p50: percentileSorted(times, 50), p99: percentileSorted(times, 99), loadP50: percentileSorted(sorted, 50), loadP99: percentileSorted(sorted, 99), rps: r.rps };
    log(`  ${store.padEnd(8)} idle (${SEQUENTIAL} sequential): p50 ${ms(f.p50)}  p99 ${ms(f.p99)};  ${CONNECTIONS} connections ${DURATION_S} s: ${perSec(f.rps)}  p50 ${ms(f.loadP50)}  p99 ${ms(f.loadP99)}`);
    return f;
  } finally {
    client.close();
    await app.stop();
    if (db) await admin(adminUrl, `drop database if exists "${db}" with (force)`);
  }
}

export const vmList: Benchmark = {
  name: 'vm-list',
  title: `GET /api/vcenter/vm with ${VMS} VMs, SQLite and PostgreSQL`,
  async run(opts: BenchOptions): Promise<Row[]> {
    // --store sqlite: SQLite only; otherwise both (PostgreSQL at --store postgres://... if given).
    const stores: Array<'sqlite' | 'postgres'> = opts.store === 'sqlite' ? ['sqlite'] : ['sqlite', 'postgres'];
    const got = new Map<string, Figures>();
    for (const s of stores) got.set(s, await measure(s, pgUrl(opts)));
    const b = `vm list (${VMS})`;
    const lite = got.get('sqlite');
    const pgf = got.get('postgres');
    const rows: Row[] = [...got].map(([s, f]) => ({ benchmark: b, metric: `${s} p50 idle`, value: ms(f.p50), baseline: '-', ratio: '-' }));
    if (lite && pgf) {
      log(`  ratio PostgreSQL / SQLite: idle p50 ${times(ratio(pgf.p50, lite.p50))}, loaded p50 ${times(ratio(pgf.loadP50, lite.loadP50))}, req/s ${times(ratio(pgf.rps, lite.rps))}`);
      rows.push(
        { benchmark: b, metric: 'postgres/sqlite p50 idle', value: ms(pgf.p50), baseline: ms(lite.p50), ratio: times(ratio(pgf.p50, lite.p50)) },
        { benchmark: b, metric: 'postgres/sqlite p99 idle', value: ms(pgf.p99), baseline: ms(lite.p99), ratio: times(ratio(pgf.p99, lite.p99)) },
        { benchmark: b, metric: `p50, ${CONNECTIONS} conns`, value: ms(pgf.loadP50), baseline: ms(lite.loadP50), ratio: times(ratio(pgf.loadP50, lite.loadP50)) },
        { benchmark: b, metric: `req/s, ${CONNECTIONS} conns`, value: perSec(pgf.rps), baseline: perSec(lite.rps), ratio: times(ratio(pgf.rps, lite.rps)) },
      );
    }
    return rows;
  },
};
