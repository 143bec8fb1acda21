/**
 * `npm run fuzz`: bad input of every kind against a server on this machine (fuzz/run.ts).
 *
 *   npm run fuzz                             starts its own server (plain HTTP, temp data dir)
 *   npm run fuzz -- --store postgres://...   the same on PostgreSQL (an existing, empty database)
 *   npm run fuzz -- --url https://127.0.0.1:8443 --password PW   a server already running
 *
 * Bounded by --count (5000) and --seconds (120); --seed repeats a run. Exit code 0 when the
 * run is clean (no 5xx, every 4xx vAPI-shaped, no hang, server alive), 1 otherwise.
 * A server it starts is asked for a 2 s request timeout so that short bodies can be sent too.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { clean, fuzz, summarize } from '../fuzz/run.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    store: { type: 'string', default: 'sqlite' },
    password: { type: 'string', default: 'VMware1!' },
    count: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '120' },
    seed: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    'case-timeout-ms': { type: 'string', default: '10000' },
    help: { type: 'boolean', short: 'h' },
  },
});

async function startServer(store: string): Promise<{ url: string; stop(): Promise<number | null>; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'snapservice-fuzz-'));
  const args = ['bin/snapservice.js', 'serve', '--port', '0', '--http', '--sim', '--data', dir, '--store', store,
    '--request-timeout-ms', '2000', '--headers-timeout-ms', '2000', '--log-level', 'warn'];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const m = /^listening on (\S+)$/.exec(line);
      if (m) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`the server exited with code ${code} before listening`)));
  });
  const stop = async () => {
    if (proc.exitCode === null) proc.kill('SIGTERM');
    return exited;
  };
  process.on('exit', () => proc.kill('SIGKILL'));
  return { url, stop, dir };
}

async function main(): Promise<number> {
  if (values.help) {
    process.stdout.write('usage: npm run fuzz -- [--url URL --password PW | --store sqlite|postgres://...] [--count N] [--seconds S] [--seed N] [--concurrency N]\n');
    return 0;
  }
  const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
  const own = values.url ? undefined : await startServer(values.store!);
  const url = values.url ?? own!.url;
  process.stdout.write(`fuzzing ${url}${own ? ` (started: serve --store ${values.store})` : ''}, seed ${seed}\n`);
  try {
    const report = await fuzz({
      url, seed, adminPassword: values.password!, slow: own !== undefined,
      count: Number(values.count), seconds: Number(values.seconds), concurrency: Number(values.concurrency), caseTimeoutMs: Number(values['case-timeout-ms']),
    });
    process.stdout.write(`${summarize(report)}\n`);
    let ok = clean(report);
    if (own) {
      const code = await own.stop();
      process.stdout.write(`server stopped with exit code ${code}\n`);
      ok &&= code === 0;
    }
    return ok ? 0 : 1;
  } finally {
    await own?.stop();
    if (own) rmSync(own.dir, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`fuzz: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
