/**
 * Seeding at scale: writes a line seed of SCALE_SEED_VMS VMs (100,000) with
 * SCALE_SEED_SNAPSHOTS snapshots each (10), starts `snapservice serve` on it in a new data
 * directory, and prints the seed time, the server's peak RSS (VmHWM) once seeded, its RSS
 * after SCALE_IDLE_S seconds idle, and its peak RSS under SCALE_LOAD_S seconds of snapshot
 * listing. `npm run scale -- seed` (SCALE_STORE=postgres://... for PostgreSQL).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { HttpClient } from './lib/http.ts';
import { login } from './lib/api.ts';
import { load } from './lib/load.ts';
import { writeScaleSeed } from './lib/seed-file.ts';

const VMS = Number(process.env.SCALE_SEED_VMS ?? 100_000);
const SNAPSHOTS = Number(process.env.SCALE_SEED_SNAPSHOTS ?? 10);
// Idle long enough for steady: V8 gives back the pages the seeding worker freed at its memory
// reducer's first round, about 8 s after the seed ends (until then RSS holds both).
const IDLE_S = Number(process.env.SCALE_IDLE_S ?? 12);
const LOAD_S = Number(process.env.SCALE_LOAD_S ?? 10);
const STORE = process.env.SCALE_STORE ?? 'sqlite';

const MB = 1024 * 1024;

/** VmHWM / VmRSS of a process, in bytes. */
function memory(pid: number): { hwm: number; rss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'snapservice-seed-scale-'));
  const file = join(dir, 'seed.jsonl');
  let t = performance.now();
  const { bytes } = await writeScaleSeed(file, VMS, SNAPSHOTS);
  process.stderr.write(`seed file: ${VMS} VMs x ${SNAPSHOTS} snapshots, ${(bytes / MB).toFixed(0)} MB, written in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);

  const args = ['bin/snapservice.js', 'serve', '--http', '--port', '0', '--data', join(dir, 'data'), '--store', STORE, '--seed', file, '--log-level', 'warn', '--scrypt-cost', '10'];
  t = performance.now();
  const nodeArgs = (process.env.SCALE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening`)));
  });
  const startS = (performance.now() - t) / 1000;
  const seeded = memory(child.pid!);

  await sleep(IDLE_S * 1000);
  const idle = memory(child.pid!);

  const client = new HttpClient(url);
  await login(client);
  const clusters = (await client.expect(200, '/api/vcenter/cluster')).json<Array<{ cluster: string; name: string }>>();
  const sample = clusters.slice(0, 4);
  const vms: Array<{ vm: string; cluster: string }> = [];
  for (const c of sample) {
    const names = Array.from({ length: 25 }, (_, i) => `names=vm-${String(Number(c.name.slice('Scale-C'.length)) * 10_000 + i * 397).padStart(6, '0')}`).join('&');
    for (const v of (await client.expect(200, `/api/vcenter/vm?clusters=${c.cluster}&${names}`)).json<Array<{ vm: string }>>()) vms.push({ vm: v.vm, cluster: c.cluster });
  }
  let i = 0;
  let peakLoadRss = 0;
  const sampler = setInterval(() => (peakLoadRss = Math.max(peakLoadRss, memory(child.pid!).rss)), 200);
  const result = await load({
    url, connections: 8, durationS: LOAD_S, headers: client.headers,
    setupRequest: (req) => {
      const v = vms[i++ % vms.length];
      return { ...req, method: 'GET', path: `/api/snapservice/clusters/${v.cluster}/virtual-machines/${v.vm}/snapshots`, headers: client.headers };
    },
  });
  clearInterval(sampler);
  const afterLoad = memory(child.pid!);
  child.kill('SIGTERM');
  await once(child, 'exit');
  const storeBytes = STORE === 'sqlite' ? ['snapservice.db', 'snapservice.db-wal'].reduce((n, f) => { try { return n + statSync(join(dir, 'data', f)).size; } catch { return n; } }, 0) : undefined;
  console.log(JSON.stringify({
    store: STORE, vms: VMS, vmSnapshots: VMS * SNAPSHOTS, seedFileMB: Math.round(bytes / MB),
    startToListeningS: Number(startS.toFixed(1)),
    peakRssSeedingMB: Math.round(seeded.hwm / MB),
    rssIdleMB: Math.round(idle.rss / MB),
    rssUnderLoadPeakMB: Math.round(Math.max(peakLoadRss, afterLoad.rss) / MB),
    loadRps: Math.round(result.rps), loadStatuses: result.byStatus,
    storeMB: storeBytes === undefined ? undefined : Math.round(storeBytes / MB),
  }, null, 2));
  rmSync(dir, { recursive: true, force: true });
}

await main();
