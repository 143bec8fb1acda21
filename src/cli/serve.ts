import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import pino from 'pino';
import { buildApp } from '../app.ts';
import { realTime, SystemClock } from '../clock/clock.ts';
import type { Config } from '../config/config.ts';
import { createRuntime, type Runtime } from '../runtime.ts';
import { MIN_EXPOSED_PASSWORD, weakness } from '../security/exposure.ts';
import { SeedInterrupted } from '../seed/apply.ts';
import { loadTls, type TlsMaterial } from '../security/tls.ts';
import { flagSpecs, isLoopback, parseServeArgs, UsageError, type ParsedServe } from './flags.ts';
import { renderServeHelp } from './help.ts';
import type { Io } from './io.ts';

/**
 * `snapservice serve`: flags -> Config -> TLS material -> runtime -> app -> listen. Prints
 * `listening on <url>` once ready, then runs until SIGTERM/SIGINT and shuts down cleanly.
 * Exit codes: 0 stopped cleanly, 1 could not start (or stop), 2 bad usage or refused config.
 */
export async function serve(argv: string[], io: Io): Promise<number> {
  let parsed: ParsedServe;
  try {
    parsed = parseServeArgs(argv, io.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`snapservice serve: ${err.message}\nRun 'snapservice serve --help' for the options.\n`);
    return 2;
  }
  if (parsed.help) {
    io.out(renderServeHelp(flagSpecs()));
    return 0;
  }
  const { config } = parsed;
  const weak = weakness(config.adminPassword);
  if (!isLoopback(config.host) && weak) {
    io.err(
      `snapservice serve: refusing to listen on ${config.host} with ${weak} of administrator@vsphere.local.\n` +
        `Set one of at least ${MIN_EXPOSED_PASSWORD} characters with --admin-password (or SNAPSERVICE_ADMIN_PASSWORD), or listen on 127.0.0.1.\n`,
    );
    return 2;
  }

  // Installed before anything slow, so that a signal during start-up still ends in a clean stop.
  const stop = waitForStop(config.stopWithParent ?? io.env.npm_lifecycle_event !== undefined);
  // A stop during start-up ends a seed in progress between two of its batches.
  const aborter = new AbortController();
  void stop.promise.then(() => aborter.abort());
  const log = pino({ level: config.logLevel }, pino.destination({ fd: 2, sync: true }));
  let tls: TlsMaterial | undefined;
  let runtime: Runtime | undefined;
  let app: FastifyInstance | undefined;
  let phase: 'tls' | 'store' | 'listen' = 'tls';
  try {
    if (!config.http) {
      tls = await loadTls({
        dataDir: config.dataDir, host: config.host, certFile: config.certFile, keyFile: config.keyFile,
        now: new SystemClock().now(), log,
      });
    }
    phase = 'store';
    runtime = await createRuntime(config, { log, signal: aborter.signal, progress: (line) => io.err(`${line}\n`) });
    phase = 'listen';
    app = await buildApp(runtime.deps, tls ? { https: { key: tls.key, cert: tls.cert } } : {});
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    if (err instanceof SeedInterrupted) {
      io.err(
        `snapservice serve: stopped while seeding, after ${err.done.vms} VMs and ${err.done.snapshots} VM snapshots; the store is marked ` +
          'as not seeded and will not be served: remove the data directory before the next start\n',
      );
      stop.dispose();
      return 0;
    }
    io.err(`snapservice serve: ${startFailure(err as NodeJS.ErrnoException, config, phase)}\n`);
    await app?.close().catch(() => undefined);
    await runtime?.close().catch(() => undefined);
    stop.dispose();
    return 1;
  }

  if (!stop.received) {
    const { port } = app.server.address() as AddressInfo;
    if (tls) {
      runtime.deps.site.url = config.siteUrl ?? `https://${urlHost(reachableHost(config.host))}:${port}`;
      runtime.deps.site.certificate = tls.cert;
    }
    io.out(`listening on ${tls ? 'https' : 'http'}://${urlHost(config.host)}:${port}\n`);
  }
  const signal = await stop.promise;
  log.info({ signal }, 'stopping');
  try {
    await app.close();
    await runtime.close();
  } catch (err) {
    io.err(`snapservice serve: error while stopping: ${(err as Error).message}\n`);
    return 1;
  }
  log.info('stopped');
  return 0;
}

interface Stop {
  promise: Promise<NodeJS.Signals | 'parent exited'>;
  received: boolean;
  dispose(): void;
}

/** How often the parent process is looked for: a stop is at most this late. */
const PARENT_CHECK_MS = 250;

/**
 * The first SIGTERM/SIGINT starts a clean stop; the handlers are then removed, so a second one
 * kills the process the usual way if the stop hangs. With `withParent`, the parent going away
 * stops the server too: `npm start` and `npx` run it under npm (and a shell), and a SIGTERM to
 * npm ends npm but reaches neither the shell's child nor us, which would keep serving and hold
 * the port. An orphan is re-parented, so its parent process id changes.
 */
function waitForStop(withParent: boolean): Stop {
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
  let resolve!: (s: NodeJS.Signals | 'parent exited') => void;
  const parent = process.ppid;
  const unwatch = withParent ? realTime.every(PARENT_CHECK_MS, () => process.ppid !== parent && on('parent exited')) : () => undefined;
  const stop: Stop = {
    promise: new Promise((r) => (resolve = r)),
    received: false,
    dispose: () => {
      signals.forEach((s) => process.off(s, on));
      unwatch();
    },
  };
  function on(signal: NodeJS.Signals | 'parent exited') {
    stop.received = true;
    stop.dispose();
    resolve(signal);
  }
  signals.forEach((s) => process.on(s, on));
  return stop;
}

function startFailure(err: NodeJS.ErrnoException, config: Config, phase: 'tls' | 'store' | 'listen'): string {
  if (phase === 'store' && err.code) {
    const store = config.store === 'sqlite' ? `in ${config.dataDir}` : config.store.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
    return `cannot open the store ${store}: ${err.message}`;
  }
  if (phase === 'tls' && err.code) return `cannot keep the TLS certificate in ${config.dataDir}: ${err.message}`;
  if (phase !== 'listen') return err.message || String(err);
  const where = `${config.host}:${config.port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: the address is already in use`;
    case 'EACCES':
      return `cannot listen on ${where}: permission denied`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: no such address on this machine`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot listen on ${where}: unknown host ${config.host}`;
    default:
      return err.message || String(err);
  }
}

/** A wildcard listen address is no address a peer can call: it gets the machine's name. */
function reachableHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? hostname() : host;
}

function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
