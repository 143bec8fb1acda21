import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RawConnection, type Next, type RawResponse } from '../../fuzz/raw-http.ts';
import type { ConfigInput } from '../../src/config/config.ts';
import { basic, makeApp, USERS, type TestApp } from '../helpers/app.ts';

/**
 * What a client meets on the socket: requests Node's parser cannot read, requests that arrive
 * too slowly, idle keep-alive connections and too many connections. Raw sockets, a listening
 * in-process server, and no sleeping: every wait is on a response or a close, with timeouts of
 * a few hundred milliseconds configured on the server.
 */
const open: RawConnection[] = [];
afterEach(() => open.splice(0).forEach((c) => c.destroy()));

async function listen(config: ConfigInput): Promise<{ t: TestApp; url: string }> {
  const t = await makeApp({ seed: 'empty', ...config });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  return { t, url: `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}` };
}

async function connect(url: string): Promise<RawConnection> {
  const c = await RawConnection.open(url);
  open.push(c);
  return c;
}

function expectVapi(r: Next, kind = 'INVALID_REQUEST'): RawResponse {
  if (typeof r === 'string') throw new Error(`expected a response, got ${r}`);
  expect(r.status).toBe(kind === 'UNAUTHENTICATED' ? 401 : 400);
  expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
  const body = JSON.parse(r.body);
  expect(body.error_type).toBe(kind);
  expect(body.messages[0]).toEqual({ id: expect.stringMatching(/^com\.vmware\.snapservice\./), default_message: expect.any(String), args: expect.any(Array) });
  return r;
}

const ABOUT = `GET /api/snapservice/info/about HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic(USERS.admin.user, USERS.admin.password)}\r\n\r\n`;

describe('requests the HTTP parser cannot read', () => {
  let url: string;
  let t: TestApp;
  beforeAll(async () => ({ t, url } = await listen({})));
  afterAll(() => t.close());

  const cases: Record<string, string> = {
    'a path over 16 KB': `GET /${'a'.repeat(17_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    'headers over 16 KB': `GET /api HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17_000)}\r\n\r\n`,
    'a control byte in the request line': 'GET /api/\x01 HTTP/1.1\r\nHost: x\r\n\r\n',
    'a space in a header name': 'GET /api HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n',
    'a NUL in a header value': 'GET /api HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n',
    'Content-Length and Transfer-Encoding': 'POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'a negative Content-Length': 'POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
    'HTTP/9.9': 'GET /api HTTP/9.9\r\nHost: x\r\n\r\n',
    'a bad chunk size': 'POST /api/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n',
  };

  for (const [what, bytes] of Object.entries(cases)) {
    it(`${what}: 400 INVALID_REQUEST with Connection: close, then the server closes`, async () => {
      const c = await connect(url);
      c.send(bytes);
      expect(expectVapi(await c.next(5000)).headers.connection).toBe('close');
      await c.closed;
    });
  }

  it('tells a keep-alive client to close after a bad request, having served its good one', async () => {
    const c = await connect(url);
    c.send(ABOUT);
    const first = await c.next(5000);
    expect(first).toMatchObject({ status: 200, headers: { connection: 'keep-alive' } });
    c.send('GET /api HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n');
    expect(expectVapi(await c.next(5000)).headers.connection).toBe('close');
    await c.closed;
  });

  it('answers a body over the limit once it has been sent, and the connection goes on', async () => {
    for (const path of ['/api/session', '/api']) {
      const c = await connect(url);
      const body = `{"name":"${'x'.repeat(2 * 1024 * 1024)}"}`;
      c.send(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
      c.send(body);
      const r = await c.next(5000);
      if (typeof r === 'string') throw new Error(r);
      expect(r.headers.connection).not.toBe('close');
      if (path !== '/api') expectVapi(r);
      c.send(ABOUT);
      expect(await c.next(5000)).toMatchObject({ status: 200 });
    }
  });

  it('serves an HTTP/1.1 request without Host instead of answering outside the vAPI shape', async () => {
    const c = await connect(url);
    c.send('GET /api/snapservice/info/about HTTP/1.1\r\n\r\n');
    expectVapi(await c.next(5000), 'UNAUTHENTICATED');
  });
});

describe('slow clients', () => {
  let url: string;
  let t: TestApp;
  beforeAll(async () => ({ t, url } = await listen({ requestTimeoutMs: 300, headersTimeoutMs: 200, keepAliveTimeoutMs: 200 })));
  afterAll(() => t.close());

  it('a body that trickles in is cut off at the request timeout with a vAPI answer', async () => {
    const c = await connect(url);
    c.send('POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    expect(expectVapi(await c.next(5000)).headers.connection).toBe('close');
    await c.closed;
  }, 5000);

  it('headers that never end are cut off at the headers timeout', async () => {
    const c = await connect(url);
    c.send('GET /api/snapservice/info/about HTTP/1.1\r\nHost: x\r\n');
    expectVapi(await c.next(5000));
    await c.closed;
  }, 5000);

  it('an idle keep-alive connection is closed quietly after the keep-alive timeout', async () => {
    const c = await connect(url);
    c.send(ABOUT);
    const r = await c.next(5000);
    expect(r).toMatchObject({ status: 200, headers: { connection: 'keep-alive' } });
    expect(await c.next(5000)).toBe('closed');
  }, 5000);
});

describe('too many connections', () => {
  let url: string;
  let t: TestApp;
  beforeAll(async () => ({ t, url } = await listen({ maxConnections: 2 })));
  afterAll(() => t.close());

  it('closes connections beyond the cap as they arrive, and takes new ones once others end', async () => {
    const [a, b] = [await connect(url), await connect(url)];
    const extra = await connect(url);
    extra.send(ABOUT);
    expect(await extra.next(5000)).toBe('closed');
    b.send(ABOUT);
    expect(await b.next(5000)).toMatchObject({ status: 200 });
    a.destroy();
    await a.closed;
    // The server learns of the close on its next turn; a request on the freed slot is served.
    let served: Next = 'closed';
    for (let i = 0; i < 50 && served === 'closed'; i++) {
      const c = await connect(url);
      c.send(ABOUT);
      served = await c.next(5000);
    }
    expect(served).toMatchObject({ status: 200 });
  }, 10_000);
});
