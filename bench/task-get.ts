/**
 * 1. Task GET throughput: GET /api/snapservice/tasks/{task} (session header, a finished revert
 * task, demo inventory) under autocannon load, against GET /bare of a bare Fastify child
 * measured just before it.
 */
import { finishedDemoTask, SESSION_HEADER } from './lib/api.ts';
import { usPer } from './lib/cpu.ts';
import { HttpClient } from './lib/http.ts';
import { measureGet } from './lib/load.ts';
import { log, type Benchmark, type BenchOptions, type Row } from './lib/report.ts';
import { benchStores, type BenchStore, withStore } from './lib/stores.ts';
import { withServer } from './lib/server.ts';
import { ms, perSec, ratio, times } from './lib/stats.ts';

const CONNECTIONS = 10;
const DURATION_S = 10;
const WARMUP_S = 2;

export const taskGet: Benchmark = {
  name: 'task-get',
  title: 'Task GET throughput',
  async run(opts: BenchOptions): Promise<Row[]> {
    const rows: Row[] = [];
    for (const store of benchStores(opts)) rows.push(...(await measure(store)));
    return rows;
  },
};

async function measure(store: BenchStore): Promise<Row[]> {
  return withStore(store, (config) => withServer('app', { config: { ...config, taskDelayMs: 0, taskQueueMs: 0 } }, async (app) => {
    const client = new HttpClient(app.url);
    try {
      const { token, task } = await finishedDemoTask(client, app);
      const path = `/api/snapservice/tasks/${task}`;
      log(`  ${store.name}: task ${task} (revert of web-01, SUCCEEDED); ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s per route`);

      const bare = await withServer('bare', {}, (s) => measureGet(s.url, '/bare', { connections: CONNECTIONS, durationS: DURATION_S, warmupS: WARMUP_S, pid: s.info.pid }));
      log(`  bare GET /bare          ${perSec(bare.rps).padStart(9)}  p50 ${ms(bare.p50)}  p99 ${ms(bare.p99)}`);
      const real = await measureGet(app.url, path, { headers: { [SESSION_HEADER]: token }, connections: CONNECTIONS, durationS: DURATION_S, warmupS: WARMUP_S, pid: app.info.pid });
      const cpuBare = bare.serverCpuMs / bare.responses;
      const cpuReal = real.serverCpuMs / real.responses;
      log(`  GET task (session)      ${perSec(real.rps).padStart(9)}  p50 ${ms(real.p50)}  p99 ${ms(real.p99)}`);
      log(`  ratio: throughput ${times(ratio(real.rps, bare.rps))} of bare, p50 latency ${times(ratio(real.p50, bare.p50))}, p99 ${times(ratio(real.p99, bare.p99))}`);
      log(`  server CPU per request: bare ${usPer(bare.serverCpuMs, bare.responses)}, task GET ${usPer(real.serverCpuMs, real.responses)} (bare/task ${times(ratio(cpuBare, cpuReal))}, the throughput ratio on an unloaded core)`);
      const b = store.name === 'sqlite' ? 'task GET' : `task GET (${store.name})`;
      return [
        { benchmark: b, metric: 'req/s', value: perSec(real.rps), baseline: perSec(bare.rps), ratio: times(ratio(real.rps, bare.rps)) },
        { benchmark: b, metric: 'p50 latency', value: ms(real.p50), baseline: ms(bare.p50), ratio: times(ratio(real.p50, bare.p50)) },
        { benchmark: b, metric: 'p99 latency', value: ms(real.p99), baseline: ms(bare.p99), ratio: times(ratio(real.p99, bare.p99)) },
        { benchmark: b, metric: 'server CPU/request', value: usPer(real.serverCpuMs, real.responses), baseline: usPer(bare.serverCpuMs, bare.responses), ratio: times(ratio(cpuBare, cpuReal)) },
      ];
    } finally {
      client.close();
    }
  }));
}
