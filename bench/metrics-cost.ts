/**
 * 7. What metrics cost: the task GET of benchmark 1 on two servers alike but for `metrics`
 * (on: every request and store statement measured; off: --no-metrics).
 *
 * On a shared 2-core machine throughput swings by 5x from one second to the next, far more
 * than the few percent looked for. So the two servers get the same fixed request rate, well
 * below what either sustains, in one-second slices alternating between them (off, on, on,
 * off, ...), so that whatever else the machine does falls on both alike; the measure is each
 * server's own CPU time (from /proc) summed over its slices, divided by the requests it
 * answered in them. Throughput to saturation, interleaved likewise, is printed too.
 */
import { readFileSync } from 'node:fs';
import { finishedDemoTask, SESSION_HEADER } from './lib/api.ts';
import { HttpClient } from './lib/http.ts';
import { measureGet } from './lib/load.ts';
import { log, type Benchmark, type Row } from './lib/report.ts';
import { startServer, type ServerHandle } from './lib/server.ts';
import { pct, percentile, perSec } from './lib/stats.ts';

const CONNECTIONS = 10;
const RATE = 600;
const SLICES = 24;
const SLICE_S = 1;
const THROUGHPUT_S = 4;
const THROUGHPUT_RUNS = 4;

interface Side {
  name: 'off' | 'on';
  server: ServerHandle;
  client: HttpClient;
  path: string;
  token: string;
}

/** User + system CPU time of a process in ms (Linux /proc, clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function prepare(metrics: boolean): Promise<Side> {
  const server = await startServer('app', { config: { taskDelayMs: 0, taskQueueMs: 0, metrics } });
  const client = new HttpClient(server.url);
  const { token, task } = await finishedDemoTask(client, server);
  return { name: metrics ? 'on' : 'off', server, client, token, path: `/api/snapservice/tasks/${task}` };
}

/** One slice at the fixed rate: server CPU ms used and requests answered. */
async function slice(s: Side): Promise<{ cpu: number; requests: number }> {
  const before = cpuMs(s.server.info.pid);
  const r = await measureGet(s.server.url, s.path, { headers: { [SESSION_HEADER]: s.token }, connections: CONNECTIONS, warmupS: 0, rate: RATE, durationS: SLICE_S });
  return { cpu: cpuMs(s.server.info.pid) - before, requests: r.responses };
}

export const metricsCost: Benchmark = {
  name: 'metrics-cost',
  title: 'Task GET with metrics on vs off',
  async run(): Promise<Row[]> {
    const sides: Side[] = [];
    try {
      sides.push(await prepare(false), await prepare(true));
      const [off, on] = sides;
      if (!(await on.client.expect(200, '/metrics')).text.includes('snapservice_requests_total')) throw new Error('the metrics-on server serves no request counter');
      await off.client.expect(404, '/metrics');

      log(`  ${SLICES} slices of ${SLICE_S} s per server at ${RATE} req/s (${CONNECTIONS} connections), interleaved`);
      for (const s of sides) await slice(s); // warm-up
      const sum = { off: { cpu: 0, requests: 0 }, on: { cpu: 0, requests: 0 } };
      for (let i = 0; i < SLICES; i++) {
        for (const s of i % 2 === 0 ? [off, on] : [on, off]) {
          const r = await slice(s);
          sum[s.name].cpu += r.cpu;
          sum[s.name].requests += r.requests;
        }
      }
      const per = (k: 'off' | 'on') => sum[k].cpu / sum[k].requests;
      const cost = per('on') / per('off') - 1;
      log(`  CPU per request: off ${per('off').toFixed(4)} ms (${sum.off.requests} requests), on ${per('on').toFixed(4)} ms (${sum.on.requests} requests)`);
      log(`  metrics cost ${pct(cost)} of server CPU per task GET (budget 5%)`);

      // Throughput to saturation, interleaved the same way; noisy, so medians of several runs.
      const saturate = (s: Side) => measureGet(s.server.url, s.path, { headers: { [SESSION_HEADER]: s.token }, connections: CONNECTIONS, durationS: THROUGHPUT_S, warmupS: 1 });
      const rps: Record<'off' | 'on', number[]> = { off: [], on: [] };
      for (let i = 0; i < THROUGHPUT_RUNS; i++) {
        for (const s of i % 2 === 0 ? [off, on] : [on, off]) rps[s.name].push((await saturate(s)).rps);
      }
      const tOff = { rps: percentile(rps.off, 50) };
      const tOn = { rps: percentile(rps.on, 50) };
      log(`  throughput to saturation (median of ${THROUGHPUT_RUNS} interleaved runs of ${THROUGHPUT_S} s): off ${perSec(tOff.rps)}, on ${perSec(tOn.rps)} (${pct(tOn.rps / tOff.rps - 1)})`);
      const b = 'metrics on vs off';
      return [
        { benchmark: b, metric: 'CPU/request', value: `${per('on').toFixed(4)} ms`, baseline: `${per('off').toFixed(4)} ms`, ratio: `${pct(cost)} cost` },
        { benchmark: b, metric: 'req/s', value: perSec(tOn.rps), baseline: perSec(tOff.rps), ratio: pct(tOn.rps / tOff.rps - 1) },
      ];
    } finally {
      for (const s of sides) {
        s.client.close();
        await s.server.stop();
      }
    }
  },
};
