/**
 * 3. Revert end-to-end latency: one client, one request at a time: POST the revert, then GET
 * the task back to back until it is SUCCEEDED; N times, each on its own VM with 10 blocks
 * changed since its snapshot (taskDelayMs 0, taskQueueMs 0, so the time is the service's own
 * work). Baseline: sequential GET /bare on a bare Fastify child, measured just before.
 */
import { login, revertPath, snapshotIds, vmsByName, waitTask } from './lib/api.ts';
import { HttpClient } from './lib/http.ts';
import { log, type Benchmark, type BenchOptions, type Row } from './lib/report.ts';
import { benchStores, type BenchStore, withStore } from './lib/stores.ts';
import { benchSeed } from './lib/seed.ts';
import { withServer } from './lib/server.ts';
import { ms, nowMs, ratio, summarize, times } from './lib/stats.ts';

const N = 200;
// As many warm-up rounds as the bare route gets: with 20, most of the 200 measured reverts ran
// before V8 had optimized their path (p50 0.96 ms against 0.66-0.78 ms after 500, same server).
const WARMUP = 500;
const CHANGED = 10;
const BARE_WARMUP = 500;
const BARE_N = 2000;

export const revertLatency: Benchmark = {
  name: 'revert-latency',
  title: 'Revert end-to-end latency (submit + poll to SUCCEEDED)',
  async run(opts: BenchOptions): Promise<Row[]> {
    const rows: Row[] = [];
    for (const store of benchStores(opts)) rows.push(...(await measure(store)));
    return rows;
  },
};

async function measure(store: BenchStore): Promise<Row[]> {
  return withStore(store, (config) => withServer('app', {
      seed: benchSeed([{ prefix: 'rl', count: WARMUP + N, capacityMib: 256, changedBlocks: CHANGED }]),
      config: { ...config, taskDelayMs: 0, taskQueueMs: 0 },
    }, async (app) => {
    const client = new HttpClient(app.url, { maxSockets: 1 });
    try {
      await login(client);
      const vms = [...vmsByName(app).values()].filter((v) => v.name.startsWith('rl-'));
      const snaps = await snapshotIds(client, vms, 'base');
      log(`  ${store.name}: ${N} reverts (+${WARMUP} warm-up), each on its own VM with ${CHANGED} changed blocks; one connection, polls back to back`);

      const bare = await withServer('bare', {}, async (s) => {
        const c = new HttpClient(s.url, { maxSockets: 1 });
        try {
          const samples: number[] = [];
          for (let i = 0; i < BARE_WARMUP + BARE_N; i++) {
            const t = nowMs();
            await c.expect(200, '/bare');
            if (i >= BARE_WARMUP) samples.push(nowMs() - t);
          }
          return summarize(samples);
        } finally {
          c.close();
        }
      });
      log(`  bare GET /bare, ${BARE_N} sequential: p50 ${ms(bare.p50)}  p99 ${ms(bare.p99)}`);

      const e2e: number[] = [];
      const submit: number[] = [];
      const polls: number[] = [];
      for (let i = 0; i < vms.length; i++) {
        const vm = vms[i];
        const t0 = nowMs();
        const res = await client.expect(202, revertPath(vm), { method: 'POST', body: { snapshot: snaps.get(vm.id) } });
        const t1 = nowMs();
        const done = await waitTask(client, res.json<string>(), 10_000);
        const t2 = nowMs();
        if (done.info.progress?.total !== CHANGED) {
          throw new Error(`revert of ${vm.name} reported ${done.info.progress?.total} changed blocks, expected ${CHANGED}`);
        }
        if (i < WARMUP) continue;
        e2e.push(t2 - t0);
        submit.push(t1 - t0);
        polls.push(done.polls);
      }
      const s = summarize(e2e);
      const sub = summarize(submit);
      const meanPolls = polls.reduce((a, b) => a + b, 0) / polls.length;
      log(`  revert submit -> SUCCEEDED: p50 ${ms(s.p50)}  p90 ${ms(s.p90)}  p99 ${ms(s.p99)}  max ${ms(s.max)}`);
      log(`  of which the POST alone: p50 ${ms(sub.p50)}  p99 ${ms(sub.p99)}; ${meanPolls.toFixed(1)} task GETs per revert on average`);
      log(`  ratio: p50 ${times(ratio(s.p50, bare.p50))} of a bare request, p99 ${times(ratio(s.p99, bare.p99))}`);
      const b = store.name === 'sqlite' ? 'revert e2e' : `revert e2e (${store.name})`;
      return [
        { benchmark: b, metric: 'p50 submit->SUCCEEDED', value: ms(s.p50), baseline: ms(bare.p50), ratio: times(ratio(s.p50, bare.p50)) },
        { benchmark: b, metric: 'p99 submit->SUCCEEDED', value: ms(s.p99), baseline: ms(bare.p99), ratio: times(ratio(s.p99, bare.p99)) },
        { benchmark: b, metric: 'p50 POST alone', value: ms(sub.p50), baseline: ms(bare.p50), ratio: times(ratio(sub.p50, bare.p50)) },
      ];
    } finally {
      client.close();
    }
  }));
}
