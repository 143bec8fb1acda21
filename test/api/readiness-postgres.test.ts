import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_URL, postgresAvailable, scratchDatabase } from '../store-contract/pg-harness.ts';
import { makeApp, type TestApp } from '../helpers/app.ts';

/**
 * Readiness against a real PostgreSQL that goes away. The server reaches PostgreSQL through a
 * TCP relay in this test; closing the relay cuts every connection and refuses new ones, as a
 * stopped database does, without stopping the database other tests share.
 */
const available = await postgresAvailable();
if (!available) console.warn('PostgreSQL readiness test skipped: no server reachable (see test/store-contract/pg-harness.ts)');

class Relay {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

describe.skipIf(!available)('readiness on PostgreSQL', () => {
  let t: TestApp;
  let db: Awaited<ReturnType<typeof scratchDatabase>> | undefined;
  let relay: Relay;
  beforeAll(async () => {
    db = await scratchDatabase('ready');
    const target = new URL(ADMIN_URL);
    relay = new Relay({ host: target.hostname, port: Number(target.port || 5432) });
    await relay.open();
    const url = new URL(db.url);
    url.port = String(relay.port);
    t = await makeApp({ store: url.toString() });
  });
  afterAll(async () => {
    await t?.close();
    await relay?.close();
    await db?.drop();
  });

  it('fails while PostgreSQL is unreachable and recovers when it is back', async () => {
    const ready = () => t.req({ method: 'GET', url: '/readyz', as: null });
    expect((await ready()).statusCode).toBe(200);

    await relay.close();
    const down = await ready();
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ status: 'unavailable', store: 'unreachable' });
    // Liveness is about the process, not its store.
    expect((await t.req({ method: 'GET', url: '/healthz', as: null })).statusCode).toBe(200);

    await relay.open();
    expect((await ready()).statusCode).toBe(200);
  });
});
