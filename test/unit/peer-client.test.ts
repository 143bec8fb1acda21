import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchCertificate, peerCall, PeerError, peerErrorToVapi, sameCertificate } from '../../src/peer/client.ts';
import { generateSelfSigned } from '../../src/security/tls.ts';
import type { LinkConditions } from '../../src/faults/links.ts';

/** The site-to-site client against small local servers: pinning, time limits, errors. */
let pinned: { cert: string; key: string };
let other: { cert: string; key: string };
let server: https.Server;
let url: string;
const seen: string[] = [];

beforeAll(async () => {
  pinned = await generateSelfSigned('127.0.0.1', Date.now());
  other = await generateSelfSigned('127.0.0.1', Date.now());
  server = https.createServer({ cert: pinned.cert, key: pinned.key }, (req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    if (req.url === '/fail') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error_type: 'NOT_FOUND', messages: [{ id: 'x', default_message: 'gone', args: [] }] }));
    } else if (req.url === '/garbage') {
      res.writeHead(200).end('not json');
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const auth = { user: 'svc@vsphere.local', password: 'secret' };

/** The PeerError a call ends with (fails the test if it succeeds). */
async function failure(p: Promise<unknown>): Promise<PeerError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(PeerError);
  return err as PeerError;
}

describe('peer client', () => {
  it('reads the certificate a server presents, and calls it with the pinned certificate', async () => {
    const { port } = server.address() as AddressInfo;
    const info = await fetchCertificate('127.0.0.1', port, 5000);
    expect(sameCertificate(info.pem, pinned.cert)).toBe(true);
    expect(sameCertificate(info.pem, other.cert)).toBe(false);
    expect(info.dnsNames).toContain('localhost');
    expect(await peerCall({ url, certificate: pinned.cert, auth, timeoutMs: 5000 }, 'GET', '/ok')).toEqual({ ok: true });
  });

  it('refuses a server presenting another certificate before sending the credential', async () => {
    seen.length = 0;
    const err = await failure(peerCall({ url, certificate: other.cert, auth, timeoutMs: 5000 }, 'GET', '/ok'));
    expect(err.reason).toBe('untrusted');
    expect(seen).toEqual([]);
    expect(peerErrorToVapi(err, 'lon', { untrusted: 'UNVERIFIED_PEER' }).kind).toBe('UNVERIFIED_PEER');
  });

  it('reads the peer vAPI errors back, and says when a reply is not JSON', async () => {
    const refused = await failure(peerCall({ url, certificate: pinned.cert, auth, timeoutMs: 5000 }, 'GET', '/fail'));
    expect(refused.reason).toBe('refused');
    expect(refused.remote?.kind).toBe('NOT_FOUND');
    expect(peerErrorToVapi(refused, 'lon').kind).toBe('NOT_FOUND');
    const garbage = await failure(peerCall({ url, certificate: pinned.cert, auth, timeoutMs: 5000 }, 'GET', '/garbage'));
    expect(garbage.reason).toBe('bad-reply');
    expect(peerErrorToVapi(garbage, 'lon').kind).toBe('SERVICE_UNAVAILABLE');
  });

  it('gives up on a server that accepts the connection and never answers, or does not speak TLS', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as AddressInfo;
    try {
      const cert = await failure(fetchCertificate('127.0.0.1', port, 200));
      expect(cert.reason).toBe('unreachable');
      expect(cert.message).toMatch(/did not answer within 200 ms/);
      const call = await failure(peerCall({ url: `https://127.0.0.1:${port}`, certificate: pinned.cert, auth, timeoutMs: 200 }, 'GET', '/'));
      expect(call.reason).toBe('unreachable');
      expect(peerErrorToVapi(call, 'lon').messages[0].id).toBe('com.vmware.snapservice.site.unreachable');
    } finally {
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
    const plain = net.createServer((s) => {
      sockets.push(s);
      s.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    try {
      const notTls = await failure(fetchCertificate('127.0.0.1', (plain.address() as AddressInfo).port, 5000));
      expect(notTls.reason).toBe('unreachable');
    } finally {
      sockets.forEach((s) => s.destroy());
      plain.close();
    }
  });

  it('crosses a simulated link: cut fails before connecting, latency and both transfers are waited, a cut meanwhile fails the call', async () => {
    const conditions: LinkConditions = { cut: true, latencyMs: 0 };
    const waits: number[] = [];
    let onWait = () => undefined as void;
    const link = { conditions: () => conditions, wait: async (ms: number) => { waits.push(ms); onWait(); } };
    const target = { url, certificate: pinned.cert, auth, timeoutMs: 5000, link };
    const before = seen.length;
    const cut = await failure(peerCall(target, 'GET', '/ok'));
    expect(cut.reason).toBe('unreachable');
    expect(cut.message).toContain('is cut (simulated)');
    expect(seen.length).toBe(before);

    conditions.cut = false;
    conditions.latencyMs = 250;
    conditions.bandwidth = 10; // bytes per second
    const body = { x: 'y'.repeat(92) }; // 100 bytes of JSON
    expect(await peerCall(target, 'POST', '/ok', body)).toEqual({ ok: true });
    // Latency plus 100 bytes out (10 s); the reply's 11 bytes back (1.1 s, rounded up).
    expect(waits).toEqual([250 + 10_000, 1100]);

    // Cut while the request is on its way: the server never sees it.
    onWait = () => void (conditions.cut = true);
    const midway = await failure(peerCall(target, 'POST', '/ok', body));
    expect(midway.message).toContain('cut during the transfer');
    expect(seen.length).toBe(before + 1);
  });
});
