import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { ManualClock } from '../../src/clock/clock.ts';
import { testConfig, type ConfigInput } from '../../src/config/config.ts';
import { ADMIN_USER, createRuntime, type Runtime } from '../../src/runtime.ts';
import { DEFAULT_ADMIN_PASSWORD } from '../../src/config/config.ts';
import { DEMO_PASSWORDS } from '../../src/seed/demo.ts';
import { checkResponse } from './contract.ts';
import type { AddressInfo } from 'node:net';
import { generateSelfSigned } from '../../src/security/tls.ts';

export const USERS = {
  admin: { user: ADMIN_USER, password: DEFAULT_ADMIN_PASSWORD },
  readonly: { user: 'readonly@vsphere.local', password: DEMO_PASSWORDS['readonly@vsphere.local'] },
  operator: { user: 'operator@vsphere.local', password: DEMO_PASSWORDS['operator@vsphere.local'] },
} as const;

export type Who = keyof typeof USERS;

export interface TestApp {
  app: FastifyInstance;
  runtime: Runtime;
  clock: ManualClock;
  /** Real elapsed time as the server sees it (sessions, liveness); moves only when told. */
  wall: ManualClock;
  /** Request as a user (Basic auth), or anonymously with `as: null`. */
  req(opts: InjectOptions & { as?: Who | null }): Promise<LightMyRequestResponse>;
  /** Advance the service clock and let the runner finish what falls due. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
  /** With `https`: stop serving, then serve again on a new port with a new certificate (store and runner stay). */
  rehost(): Promise<void>;
  /** With `https`: stop serving (a cut link, a site that is down); rehost() serves again. */
  unplug(): Promise<void>;
}

/** An app on an in-memory store with a manual clock; the demo inventory unless told otherwise.
 * `wallStart`: the real time the server starts at (e.g. when a captured request was made). */
export async function makeApp(config: ConfigInput = {}, opts: { wallStart?: number; https?: boolean } = {}): Promise<TestApp> {
  const clock = new ManualClock(Date.UTC(2026, 10, 27, 9, 0, 0));
  const wall = new ManualClock(opts.wallStart ?? Date.UTC(2026, 10, 27, 9, 0, 0));
  // The demo inventory without its protection groups, so that tests own every group.
  const runtime = await createRuntime(testConfig({ seed: 'demo-inventory', ...config }), { clock, wall });
  // With `https`, the app also listens on a loopback port with a fresh certificate, as a site a peer can call.
  const host = async () => {
    const tls = opts.https ? await generateSelfSigned('127.0.0.1', Date.now()) : undefined;
    const made = await buildApp(runtime.deps, tls ? { https: { key: tls.key, cert: tls.cert } } : {});
    if (tls) {
      await made.listen({ host: '127.0.0.1', port: 0 });
      runtime.deps.site.url = `https://127.0.0.1:${(made.server.address() as AddressInfo).port}`;
      runtime.deps.site.certificate = tls.cert;
    }
    return made;
  };
  let app = await host();
  let unplugged: FastifyInstance | undefined;
  return {
    get app() {
      return app;
    },
    async rehost() {
      if (!unplugged) await app.close();
      unplugged = undefined;
      app = await host();
    },
    async unplug() {
      await app.close();
      unplugged = app;
    },
    runtime,
    clock,
    wall,
    req({ as = 'admin', ...opts }) {
      const headers = { ...(opts.headers ?? {}) } as Record<string, string>;
      if (as) headers.authorization = basic(USERS[as].user, USERS[as].password);
      return app.inject({ ...opts, headers }).then(checked);
    },
    advance: (ms) => clock.advance(ms),
    async close() {
      if (!unplugged) await app.close();
      await runtime.close();
    },
  };
}

/** Every response is checked against the vendor's OpenAPI documents (test/helpers/contract.ts). */
function checked(res: LightMyRequestResponse): LightMyRequestResponse {
  const ct = res.headers['content-type'];
  const requestBody = Number(res.raw.req.headers['content-length'] ?? 0) > 0;
  checkResponse({ method: res.raw.req.method ?? 'GET', url: res.raw.req.url ?? '/', status: res.statusCode, contentType: Array.isArray(ct) ? ct[0] : ct?.toString(), body: res.payload, requestBody });
  return res;
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Demo inventory ids, looked up by name. */
export async function ids(t: TestApp) {
  const repos = t.runtime.deps.store.repos;
  const clusters = await repos.inventory.listClusters();
  const vms = await repos.vms.list();
  const byName = (n: string) => {
    const vm = vms.find((v) => v.name === n);
    if (!vm) throw new Error(`no VM ${n}`);
    return vm.id;
  };
  const clusterA = clusters.find((c) => c.name === 'Cluster-A')?.id as string;
  const clusterB = clusters.find((c) => c.name === 'Cluster-B')?.id as string;
  return { clusterA, clusterB, vm: byName, vms };
}
