/**
 * The server under test, run as a child process of the benchmark (the load generator must
 * not share an event loop with it):
 *
 *   node --import tsx bench/server.ts '{"kind":"app","config":{...}}'
 *   node --import tsx bench/server.ts '{"kind":"bare"}'
 *
 * `app` is the real Snapservice (createRuntime + buildApp, as `snapservice serve` does it) on
 * plain HTTP with the SystemClock; `bare` is a Fastify server with the same server options and
 * logger but one route, GET /bare -> {"ok":true}: the baseline every benchmark divides by.
 *
 * Prints one line `BENCH_READY <json>` on stdout once listening (the URL, and for `app` the
 * inventory ids, which have no REST API here). Stops on SIGTERM/SIGINT, and when its stdin
 * closes, so that it never outlives a benchmark process that died.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { buildApp } from '../src/app.ts';
import { makeConfig, type ConfigInput } from '../src/config/config.ts';
import { createRuntime, type Runtime } from '../src/runtime.ts';
import type { ReadyInfo, ServerSpec } from './lib/server.ts';

const spec = JSON.parse(process.argv[2] ?? '{"kind":"bare"}') as ServerSpec;

let app: FastifyInstance | undefined;
let runtime: Runtime | undefined;
let stopping = false;

async function stop(code: number, orphaned = false): Promise<never> {
  if (!stopping) {
    stopping = true;
    await app?.close().catch(() => undefined);
    await runtime?.close().catch(() => undefined);
    if (orphaned && spec.tmpDir) rmSync(spec.tmpDir, { recursive: true, force: true });
  }
  process.exit(code);
}

process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
// The parent holds our stdin open; EOF means it is gone, so nobody else will clean up.
process.stdin.on('end', () => void stop(0, true));
process.stdin.on('error', () => void stop(0, true));
process.stdin.resume();

async function main(): Promise<void> {
  const log = pino({ level: 'warn' }, pino.destination({ fd: 2, sync: true }));
  const info: ReadyInfo = { url: '', pid: process.pid };
  if (spec.kind === 'bare') {
    // The same server options as src/app.ts, minus everything Snapservice adds.
    app = Fastify({
      loggerInstance: log,
      logController: new LogController({ disableRequestLogging: true }),
      routerOptions: { maxParamLength: 16 * 1024, ignoreTrailingSlash: true },
      return503OnClosing: true,
      genReqId: () => crypto.randomUUID(),
    }) as unknown as FastifyInstance;
    app.get('/bare', async () => ({ ok: true }));
    await app.ready();
  } else {
    const input: ConfigInput = { host: '127.0.0.1', port: 0, http: true, clock: 'system', logLevel: 'warn', sim: true, ...spec.config };
    const config = makeConfig(input);
    runtime = await createRuntime(config, { log: pino({ level: config.logLevel }, pino.destination({ fd: 2, sync: true })) });
    app = await buildApp(runtime.deps);
    const repos = runtime.deps.store.repos;
    info.clusters = (await repos.inventory.listClusters()).map((c) => ({ id: c.id, name: c.name }));
    info.vms = (await repos.vms.list()).filter((v) => v.clusterId !== null).map((v) => ({ id: v.id, name: v.name, cluster: v.clusterId as string }));
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  info.url = `http://127.0.0.1:${port}`;
  process.stdout.write(`BENCH_READY ${JSON.stringify(info)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench server failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  void stop(1);
});
