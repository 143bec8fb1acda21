/**
 * 7. The 9.1 snapshot index: GET /api/snapservice/virtual-machines/snapshots over 1000 VMs
 * with one snapshot each, one request at a time (session header, as the administrator). A
 * page of 10 is the baseline of a page of 1000 and of `snapshots_per_vm=1`, so the ratios show
 * what the page size and the per-VM window cost beyond the fixed work (the permission pass
 * over every VM, two SQL statements, the labels of the page). SQLite only: the query count,
 * the same on both stores, is proved by test/api/global-snapshots.test.ts.
 */
import { login } from './lib/api.ts';
import { HttpClient } from './lib/http.ts';
import { log, type Benchmark, type Row } from './lib/report.ts';
import { benchSeed } from './lib/seed.ts';
import { startServer } from './lib/server.ts';
import { ms, nowMs, percentileSorted, ratio, times } from './lib/stats.ts';

const VMS = 1000;
const ROUNDS = 200;
const WARMUP = 20;
const LIST = '/api/snapservice/virtual-machines/snapshots';

async function p50(client: HttpClient, query: string, expect: number): Promise<number> {
  const took: number[] = [];
  for (let i = 0; i < ROUNDS + WARMUP; i++) {
    const start = nowMs();
    const res = await client.expect(200, `${LIST}?${query}`);
    if (i >= WARMUP) took.push(nowMs() - start);
    const got = res.json<{ snapshots: unknown[] }>().snapshots.length;
    if (i === 0 && got !== expect) throw new Error(`${query}: expected ${expect} snapshots, got ${got}`);
  }
  return percentileSorted(took.sort((a, b) => a - b), 50);
}

export const snapshotIndex: Benchmark = {
  name: 'snapshot-index',
  title: `GET /api/snapservice/virtual-machines/snapshots over ${VMS} VMs`,
  async run(): Promise<Row[]> {
    const t0 = nowMs();
    const app = await startServer('app', { config: { store: 'sqlite' }, seed: benchSeed([{ prefix: 'vm', count: VMS, capacityMib: 64 }]) });
    const client = new HttpClient(app.url, { maxSockets: 1 });
    try {
      log(`  ${VMS} VMs with one snapshot each, seeded in ${((nowMs() - t0) / 1000).toFixed(1)} s`);
      await login(client);
      const small = await p50(client, 'page_size=10', 10);
      const large = await p50(client, 'page_size=1000', 1000);
      const perVm = await p50(client, 'page_size=10&snapshots_per_vm=1', 10);
      log(`  p50 (${ROUNDS} sequential): page 10 ${ms(small)}, page 1000 ${ms(large)}, page 10 + snapshots_per_vm ${ms(perVm)}`);
      const b = `snapshot index (${VMS})`;
      return [
        { benchmark: b, metric: 'p50 page 10', value: ms(small), baseline: '-', ratio: '-' },
        { benchmark: b, metric: 'p50 page 1000', value: ms(large), baseline: ms(small), ratio: times(ratio(large, small)) },
        { benchmark: b, metric: 'p50 snapshots_per_vm=1', value: ms(perVm), baseline: ms(small), ratio: times(ratio(perVm, small)) },
      ];
    } finally {
      client.close();
      await app.stop();
    }
  },
};
