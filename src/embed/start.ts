import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { buildApp } from '../app.ts';
import { isLoopback } from '../cli/flags.ts';
import { SystemClock } from '../clock/clock.ts';
import { makeConfig, type ConfigInput } from '../config/config.ts';
import { ADMIN_USER, createRuntime, type Runtime } from '../runtime.ts';
import { MIN_EXPOSED_PASSWORD, weakness } from '../security/exposure.ts';
import { loadTls, type TlsMaterial } from '../security/tls.ts';
import { httpTransport } from './http.ts';
import { createSimClient, type SimClient } from './sim-client.ts';

/**
 * The options of `snapservice serve`, by the same names (`--task-delay-ms` is `taskDelayMs`,
 * `--limits.snapshots-per-vm` is `limits.snapshotsPerVm`) and with the same defaults, except
 * where a server inside a test process wants otherwise: data in memory (`dataDir: ':memory:'`),
 * a free port on 127.0.0.1, plain HTTP, the simulation API on, and no logs (`logLevel`).
 */
export type SnapserviceOptions = Omit<ConfigInput, 'stopWithParent'>;

export interface Snapservice {
  /** Base URL, e.g. `http://127.0.0.1:41873` (REST under /api, JSON-RPC at /api and /snapservice). */
  url: string;
  /** administrator@vsphere.local and its password (`adminPassword`). */
  credentials: { username: string; password: string };
  /** The simulation plane (clock, disks, snapshots) as typed calls, as the administrator. */
  sim: SimClient;
  /** With `http: false`: the server's certificate (PEM), for clients to trust. */
  ca?: string;
  /** Stops listening, lets running work stop cleanly and closes the store. Safe to call twice. */
  stop(): Promise<void>;
}

const EMBEDDED_DEFAULTS: SnapserviceOptions = { dataDir: ':memory:', port: 0, host: '127.0.0.1', http: true, sim: true, logLevel: 'silent' };

/**
 * Starts a Snapservice server in this process and resolves once it listens. The server keeps
 * the process alive until `stop()`.
 */
export async function startSnapservice(options: SnapserviceOptions = {}): Promise<Snapservice> {
  const config = makeConfig({
    ...EMBEDDED_DEFAULTS,
    ...options,
    // A server inside a test process must never stop because of its parent process.
    stopWithParent: false,
  } as ConfigInput);
  const weak = weakness(config.adminPassword);
  if (!isLoopback(config.host) && weak) {
    throw new Error(`refusing to listen on ${config.host} with ${weak} of ${ADMIN_USER}: set adminPassword (at least ${MIN_EXPOSED_PASSWORD} characters) or listen on 127.0.0.1`);
  }
  const log = pino({ level: config.logLevel });
  let tls: TlsMaterial | undefined;
  let runtime: Runtime | undefined;
  let app: FastifyInstance | undefined;
  try {
    if (!config.http) {
      tls = await loadTls({ dataDir: config.dataDir, host: config.host, certFile: config.certFile, keyFile: config.keyFile, now: new SystemClock().now(), log });
    }
    runtime = await createRuntime(config, { log });
    app = await buildApp(runtime.deps, tls ? { https: { key: tls.key, cert: tls.cert } } : {});
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await app?.close().catch(() => undefined);
    await runtime?.close().catch(() => undefined);
    throw err;
  }

  const { port } = app.server.address() as AddressInfo;
  const host = config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host;
  const url = `${tls ? 'https' : 'http'}://${host}:${port}`;
  const credentials = { username: ADMIN_USER, password: config.adminPassword };
  const running = { app, runtime };
  let stopped: Promise<void> | undefined;
  return {
    url,
    credentials,
    sim: createSimClient(httpTransport(url, credentials, tls?.cert)),
    ...(tls ? { ca: tls.cert } : {}),
    stop() {
      stopped ??= (async () => {
        await running.app.close();
        await running.runtime.close();
      })();
      return stopped;
    },
  };
}
