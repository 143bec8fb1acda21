import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConfigInput } from '../../src/config/config.ts';
import type { Seed } from '../../src/seed/format.ts';

/** What bench/server.ts is told to serve (argv[2], JSON). */
export type ServerSpec = ({ kind: 'bare' } | { kind: 'app'; config: ConfigInput }) & {
  /** The temporary dir the child removes itself if orphaned (its parent died). */
  tmpDir?: string;
};

/** What it prints once listening. */
export interface ReadyInfo {
  url: string;
  pid: number;
  clusters?: Array<{ id: string; name: string }>;
  vms?: Array<{ id: string; name: string; cluster: string }>;
}

export interface ServerHandle {
  url: string;
  info: ReadyInfo;
  /** SIGTERM, SIGKILL after a grace period; removes the data dir. Idempotent. */
  stop(): Promise<void>;
}

const SERVER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'server.ts');
const live = new Set<ChildProcess>();
const dirs = new Set<string>();
let guarded = false;

/** Kills every child still running when this process ends, however it ends. */
function installGuards(): void {
  if (guarded) return;
  guarded = true;
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      killAll();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
}

/** Synchronous, for exit paths: SIGKILL every child still running, remove their data dirs. */
export function killAll(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

export interface StartOptions {
  /** Config of the app server; dataDir and seed are filled in here. */
  config?: ConfigInput;
  /** Seed object, written to the data dir as JSON and passed as config.seed. */
  seed?: Seed;
  timeoutMs?: number;
}

/**
 * Starts bench/server.ts in a child process (same Node binary and flags for every kind) with a
 * fresh temporary data dir, so the app uses its default store: SQLite in a file, WAL mode.
 */
export async function startServer(kind: 'bare' | 'app', opts: StartOptions = {}): Promise<ServerHandle> {
  installGuards();
  const dir = await mkdtemp(join(tmpdir(), 'snapservice-bench-'));
  dirs.add(dir);
  let spec: ServerSpec;
  if (kind === 'bare') {
    spec = { kind: 'bare', tmpDir: dir };
  } else {
    const config: ConfigInput = { ...opts.config, dataDir: join(dir, 'data') };
    if (opts.seed) {
      const seedFile = join(dir, 'seed.json');
      await writeFile(seedFile, JSON.stringify(opts.seed));
      config.seed = seedFile;
    }
    spec = { kind: 'app', config, tmpDir: dir };
  }
  // BENCH_SERVER_NODE_ARGS adds Node flags to the app server only, e.g. '--cpu-prof' to profile it.
  const extra = kind === 'app' ? (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean) : [];
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', SERVER_SCRIPT, JSON.stringify(spec)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.add(child);
  let stderrTail = '';
  // The server's stderr is passed on, but a line repeating one already shown (numbers aside)
  // is only counted: a warning in a hot path must not bury the results.
  const shown = new Set<string>();
  let repeated = 0;
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    stderrTail = (stderrTail + s).slice(-4000);
    for (const line of s.split('\n')) {
      if (!line.trim()) continue;
      const shape = line.replace(/\d+/g, '#');
      if (shown.has(shape)) repeated++;
      else {
        shown.add(shape);
        process.stderr.write(`  [${kind} server] ${line}\n`);
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    live.delete(child);
    if (repeated > 0) process.stderr.write(`  [${kind} server] (${repeated} repeated stderr lines not shown)\n`);
    await rm(dir, { recursive: true, force: true });
    dirs.delete(dir);
  };

  try {
    const info = await new Promise<ReadyInfo>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error(`${kind} server did not start within ${opts.timeoutMs ?? 60000} ms`)), opts.timeoutMs ?? 60000);
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (s: string) => {
        buf += s;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.startsWith('BENCH_READY ')) {
            clearTimeout(timer);
            resolve(JSON.parse(line.slice('BENCH_READY '.length)) as ReadyInfo);
          }
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${kind} server exited before listening (code ${code}, signal ${signal}):\n${stderrTail}`));
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    return { url: info.url, info, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Runs `fn` with a started server and always stops it. */
export async function withServer<T>(kind: 'bare' | 'app', opts: StartOptions, fn: (s: ServerHandle) => Promise<T>): Promise<T> {
  const server = await startServer(kind, opts);
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}
