/**
 * 2. Revert submit throughput: POST .../virtual-machines/{vm}?action=revert&vmw-task=true as
 * fast as autocannon sends them, each request to the next of many VMs in turn, on a server
 * configured so that the cap and the per-VM rule refuse as little as possible. Successes are
 * 202s; 400s (a VM still busy with its previous revert) are counted apart, by message id.
 * Baseline: GET /bare req/s of a bare Fastify child, measured just before.
 */
import { login, revertPath, snapshotIds, vmsByName, SESSION_HEADER, type TaskInfo } from './lib/api.ts';
import { cpuMs, usPer } from './lib/cpu.ts';
import { HttpClient, mapLimit } from './lib/http.ts';
import { load, measureGet } from './lib/load.ts';
import { log, type Benchmark, type BenchOptions, type Row } from './lib/report.ts';
import { benchStores, SQLITE, type BenchStore, withStore } from './lib/stores.ts';
import { benchSeed } from './lib/seed.ts';
import { withServer } from './lib/server.ts';
import { ms, nowMs, pct, perSec, ratio, summarize, times } from './lib/stats.ts';

const VMS = 500;
const CONNECTIONS = 10;
const DURATION_S = 10;
const WARMUP_S = 2;

export const revertSubmit: Benchmark = {
  name: 'revert-submit',
  title: 'Revert submit throughput',
  async run(opts: BenchOptions): Promise<Row[]> {
    const rows: Row[] = [];
    const normal = await measure(SQLITE, 'normal');
    const full = await measure(SQLITE, 'full');
    rows.push(...normal.rows, ...full.rows);
    log(`  durability full / normal (202/s): ${times(ratio(full.acceptedPerS, normal.acceptedPerS))}`);
    rows.push({ benchmark: 'revert submit', metric: '202/s, full vs normal', value: perSec(full.acceptedPerS), baseline: perSec(normal.acceptedPerS), ratio: times(ratio(full.acceptedPerS, normal.acceptedPerS)) });
    for (const store of benchStores(opts).filter((s) => s.name !== 'sqlite')) rows.push(...(await measure(store, 'normal')).rows);
    return rows;
  },
};

/** SQLite's --durability changes its commits only; on PostgreSQL the server's settings decide. */
async function measure(store: BenchStore, durability: 'normal' | 'full'): Promise<{ rows: Row[]; acceptedPerS: number }> {
  const label = store.name === 'sqlite' ? `sqlite, durability ${durability}` : store.name;
  const t0 = nowMs();
  return withStore(store, (config) => withServer('app', {
      seed: benchSeed([{ prefix: 'rs', count: VMS, capacityMib: 256, changedBlocks: 1 }]),
      config: { ...config, durability, maxConcurrentReverts: 100_000, taskDelayMs: 0, taskQueueMs: 0 },
    }, async (app) => {
    const client = new HttpClient(app.url);
    try {
      const token = await login(client);
      const vms = [...vmsByName(app).values()].filter((v) => v.name.startsWith('rs-'));
      if (vms.length !== VMS) throw new Error(`expected ${VMS} VMs, the server has ${vms.length}`);
      const snaps = await snapshotIds(client, vms, 'base');
      log(`  ${label}: ${VMS} VMs seeded and looked up in ${((nowMs() - t0) / 1000).toFixed(1)} s; maxConcurrentReverts 100000, taskDelayMs 0, taskQueueMs 0`);
      log(`  ${CONNECTIONS} connections, each request to the next VM in turn; ${WARMUP_S} s warm-up + ${DURATION_S} s`);

      // One precomputed request per VM; setupRequest hands them out round robin.
      const reqs = vms.map((vm) => ({ method: 'POST', path: revertPath(vm), body: JSON.stringify({ snapshot: snaps.get(vm.id) }) }));
      const headers = { 'content-type': 'application/json', [SESSION_HEADER]: token };
      const tasks: string[] = [];
      const refusals = new Map<string, number>();
      let next = 0;
      const submit = (durationS: number, record: boolean) =>
        load({
          url: app.url,
          connections: CONNECTIONS,
          durationS,
          method: 'POST',
          headers,
          setupRequest: (req) => ({ ...req, ...reqs[next++ % reqs.length], headers }),
          onResponse: (status, body) => {
            if (!record) return;
            if (status === 202) tasks.push(JSON.parse(body) as string);
            else {
              const id = errorId(status, body);
              refusals.set(id, (refusals.get(id) ?? 0) + 1);
            }
          },
        });

      const bare = await withServer('bare', {}, (s) => measureGet(s.url, '/bare', { connections: CONNECTIONS, durationS: DURATION_S, warmupS: WARMUP_S, pid: s.info.pid }));
      log(`  bare GET /bare    ${perSec(bare.rps).padStart(9)}`);

      await submit(WARMUP_S, false);
      await drain(client);
      const cpuStart = cpuMs(app.info.pid);
      const r = await submit(DURATION_S, true);
      const loadEnd = nowMs();
      const accepted = r.byStatus[202] ?? 0;
      const refused = r.byStatus[400] ?? 0;
      const other = r.responses - accepted - refused;
      const acceptedPerS = accepted / r.durationS;
      log(`  revert POST       ${perSec(r.rps).padStart(9)} answered: ${perSec(acceptedPerS)} 202, ${perSec(refused / r.durationS)} 400 (${pct(refused / r.responses)} of answers)${other ? `, ${other} other` : ''}`);
      const lat = summarize(r.latenciesByStatus.get(202) ?? []);
      log(`  202 latency under load: p50 ${ms(lat.p50)}  p99 ${ms(lat.p99)}`);
      if (refusals.size > 0) log(`  400s by message: ${[...refusals].map(([k, v]) => `${k} x${v}`).join(', ')}`);
      if (other > 0 || r.errors + r.timeouts > 0) {
        throw new Error(`unexpected answers: ${JSON.stringify(r.byStatus)}, ${r.errors} errors, ${r.timeouts} timeouts`);
      }
      if (tasks.length !== accepted) throw new Error(`recorded ${tasks.length} task ids for ${accepted} 202s`);

      // The accepted tasks must all run to SUCCEEDED; how long the runner needs after the load
      // stops says whether execution keeps up with admission.
      await drain(client);
      const drainMs = nowMs() - loadEnd;
      // Admission and execution of every accepted revert (the drain's own polls are few).
      const cpuEnd = cpuMs(app.info.pid);
      const cpuPerRevert = cpuStart === undefined || cpuEnd === undefined ? Number.NaN : (cpuEnd - cpuStart) / accepted;
      const cpuPerBare = bare.serverCpuMs / bare.responses;
      const statuses = await mapLimit(tasks, 16, async (t) => (await client.expect(200, `/api/snapservice/tasks/${t}`)).json<TaskInfo>().status);
      const notOk = statuses.filter((s) => s !== 'SUCCEEDED').length;
      log(`  all ${tasks.length} accepted tasks ended ${((drainMs) / 1000).toFixed(2)} s after the load stopped; ${notOk} did not succeed`);
      if (notOk > 0) throw new Error(`${notOk} of ${tasks.length} revert tasks did not succeed`);
      log(`  ratio: ${times(ratio(acceptedPerS, bare.rps))} (202/s vs bare req/s); all answers ${times(ratio(r.rps, bare.rps))}`);
      log(`  server CPU: ${usPer(cpuPerRevert, 1)} per accepted and executed revert, ${usPer(cpuPerBare, 1)} per bare request (bare/revert ${times(ratio(cpuPerBare, cpuPerRevert))})`);
      const b = store.name === 'sqlite' && durability === 'normal' ? 'revert submit' : `revert submit (${label})`;
      const rows = [
        { benchmark: b, metric: '202/s (accepted)', value: perSec(acceptedPerS), baseline: perSec(bare.rps), ratio: times(ratio(acceptedPerS, bare.rps)) },
        { benchmark: b, metric: 'answers/s (202+400)', value: perSec(r.rps), baseline: perSec(bare.rps), ratio: times(ratio(r.rps, bare.rps)) },
        { benchmark: b, metric: 'share of 400 (VM busy)', value: pct(refused / r.responses), baseline: '-', ratio: '-' },
        { benchmark: b, metric: 'server CPU/revert', value: usPer(cpuPerRevert, 1), baseline: usPer(cpuPerBare, 1), ratio: times(ratio(cpuPerBare, cpuPerRevert)) },
      ];
      return { rows, acceptedPerS };
    } finally {
      client.close();
    }
  }));
}

function errorId(status: number, body: string): string {
  try {
    const e = JSON.parse(body) as { messages?: Array<{ id?: string }>; error_type?: string };
    return `${status} ${e.messages?.[0]?.id ?? e.error_type ?? '?'}`;
  } catch {
    return `${status} ?`;
  }
}

/** Waits until no task is PENDING or RUNNING (a list of more than 1000 is refused: not yet). */
async function drain(client: HttpClient): Promise<void> {
  const deadline = nowMs() + 60_000;
  for (;;) {
    const res = await client.request('/api/snapservice/tasks?filter.status=PENDING&filter.status=RUNNING');
    if (res.status === 200 && res.json<{ items: unknown[] }>().items.length === 0) return;
    if (res.status !== 200 && !res.text.includes('tasks.too_many')) throw new Error(`task list: ${res.status} ${res.text.slice(0, 300)}`);
    if (nowMs() > deadline) throw new Error('reverts still active 60 s after the load stopped');
    await new Promise((r) => setTimeout(r, 20));
  }
}
