import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { VapiError, vapiError, type VapiErrorBody } from '../errors.ts';
import { transferMs, type LinkConditions } from '../faults/links.ts';

/**
 * The one way this server talks to a paired site: HTTPS to the remote's REST endpoints, the
 * remote's certificate pinned (a call to a server presenting any other certificate fails before
 * a credential is sent), a time limit on every call, and the remote's vAPI errors read back as
 * errors. Replication reuses it.
 */

export interface CertificateInfo {
  pem: string;
  /** SHA-256 fingerprint, colon-separated upper-case hex. */
  thumbprint: string;
  dnsNames: string[];
}

export type PeerFailure = 'unreachable' | 'untrusted' | 'refused' | 'bad-reply';

/** A call to a peer that did not succeed; `remote` is the peer's own vAPI error when it answered one. */
export class PeerError extends Error {
  constructor(readonly reason: PeerFailure, message: string, readonly remote?: VapiError, readonly presented?: CertificateInfo) {
    super(message);
  }
}

export type PeerAuth = { user: string; password: string } | { session: string };

/** The simulated link a call crosses: its conditions (read at each step) and how time passes on it. */
export interface PeerLink {
  conditions(): LinkConditions;
  /** Waits `ms` of link time (the service clock: a slow link is slow in simulated time). */
  wait(ms: number): Promise<void>;
}

export interface PeerTarget {
  /** https://host:port */
  url: string;
  /** The pinned certificate (PEM). */
  certificate: string;
  auth?: PeerAuth;
  timeoutMs: number;
  /** A paired site's link; absent while pairing (no site yet to set conditions for). */
  link?: PeerLink;
}

/** The certificate's facts, or undefined when `pem` is no certificate. */
export function certificateInfo(pem: string): CertificateInfo | undefined {
  try {
    const x = new X509Certificate(pem);
    const dnsNames = (x.subjectAltName ?? '').split(', ').filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4));
    return { pem: x.toString(), thumbprint: x.fingerprint256, dnsNames };
  } catch {
    return undefined;
  }
}

/** Whether two PEM texts hold the same certificate (whitespace and line breaks aside). */
export function sameCertificate(a: string, b: string): boolean {
  const x = certificateInfo(a);
  const y = certificateInfo(b);
  return x !== undefined && y !== undefined && x.thumbprint === y.thumbprint;
}

/** Connects over TLS and reads the certificate the server presents, trusting nothing. */
export function fetchCertificate(host: string, port: number, timeoutMs: number): Promise<CertificateInfo> {
  return new Promise((resolve, reject) => {
    const where = `${host}:${port}`;
    const socket = tls.connect({ host: unbracket(host), port, rejectUnauthorized: false, ...(isIP(unbracket(host)) ? {} : { servername: host }) });
    socket.setTimeout(timeoutMs, () => socket.destroy(new PeerError('unreachable', `${where} did not answer within ${timeoutMs} ms`)));
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate(false)?.raw;
      socket.end();
      const info = raw ? certificateInfo(new X509Certificate(raw).toString()) : undefined;
      if (info) resolve(info);
      else reject(new PeerError('bad-reply', `${where} presented no certificate`));
    });
    socket.once('error', (err) => reject(err instanceof PeerError ? err : new PeerError('unreachable', `cannot reach ${where} over HTTPS: ${describe(err)}`)));
  });
}

const VERIFY_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED',
]);

class PinMismatch extends Error {}

/**
 * One REST call to the peer; resolves with the JSON reply (undefined for none). Through a
 * simulated link: a cut link fails before connecting; latency and the request's transfer time
 * pass before it is sent, the reply's after it arrived, and a cut meanwhile fails the call
 * (after the peer acted on it, as a connection lost mid-reply would).
 */
export async function peerCall<T = unknown>(target: PeerTarget, method: string, path: string, body?: unknown): Promise<T> {
  const url = new URL(path, target.url);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const link = target.link;
  if (!link) return exchange<T>(target, url, method, payload);
  await crossLink(link, url, 'send', Buffer.byteLength(payload ?? ''));
  let received = 0;
  const outcome = await exchange<T>(target, url, method, payload, (n) => (received = n)).then(
    (value) => ({ value }), (error: unknown) => ({ error }));
  if (received > 0) await crossLink(link, url, 'receive', received);
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}

async function crossLink(link: PeerLink, url: URL, way: 'send' | 'receive', bytes: number): Promise<void> {
  const c = link.conditions();
  if (c.cut) throw new PeerError('unreachable', `the link to ${url.host} is cut (simulated)`);
  const ms = (way === 'send' ? c.latencyMs : 0) + transferMs(c, bytes);
  if (ms === 0) return;
  await link.wait(ms);
  if (link.conditions().cut) throw new PeerError('unreachable', `the link to ${url.host} was cut during the transfer (simulated)`);
}

function exchange<T>(target: PeerTarget, url: URL, method: string, payload: string | undefined, receivedBytes?: (n: number) => void): Promise<T> {
  const pinned = certificateInfo(target.certificate);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (payload !== undefined) headers['content-type'] = 'application/json';
  if (target.auth && 'session' in target.auth) headers['vmware-api-session-id'] = target.auth.session;
  else if (target.auth) headers.authorization = `Basic ${Buffer.from(`${target.auth.user}:${target.auth.password}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    if (!pinned) return reject(new PeerError('untrusted', 'the pinned certificate of the site is not a certificate'));
    const req = https.request(url, {
      method, headers, agent: false, timeout: target.timeoutMs,
      ca: target.certificate,
      // Pinning, not naming: the pinned certificate is the trust, whatever address the peer has now.
      checkServerIdentity: (_host, cert) => (cert.fingerprint256 === pinned.thumbprint ? undefined : new PinMismatch(`presented ${cert.fingerprint256}`)),
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => {
        receivedBytes?.(Buffer.byteLength(text));
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          return reject(new PeerError('bad-reply', `${url.host} answered ${res.statusCode} with a body that is not JSON`));
        }
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(json as T);
        const e = json as Partial<VapiErrorBody> | undefined;
        if (e && typeof e.error_type === 'string' && Array.isArray(e.messages)) {
          return reject(new PeerError('refused', `${url.host} refused ${method} ${url.pathname}: ${e.messages[0]?.default_message ?? e.error_type}`, VapiError.fromBody(e as VapiErrorBody)));
        }
        reject(new PeerError('bad-reply', `${url.host} answered ${status} to ${method} ${url.pathname}`));
      });
      res.on('error', (err) => reject(new PeerError('unreachable', `connection to ${url.host} broke: ${describe(err)}`)));
    });
    req.on('timeout', () => req.destroy(new PeerError('unreachable', `${url.host} did not answer within ${target.timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof PeerError) return reject(err);
      if (err instanceof PinMismatch || (err.code && VERIFY_CODES.has(err.code))) {
        return reject(new PeerError('untrusted', `${url.host} presents a certificate other than the one pinned for it`));
      }
      reject(new PeerError('unreachable', `cannot reach ${url.host}: ${describe(err)}`));
    });
    req.end(payload);
  });
}

/** Logs in at the peer with an administrator's credentials; the session token, or a PeerError. */
export async function peerLogin(target: Omit<PeerTarget, 'auth'>, user: string, password: string): Promise<string> {
  return peerCall<string>({ ...target, auth: { user, password } }, 'POST', '/api/session');
}

/** Ends a session at the peer; failures do not matter (it expires on its own). */
export async function peerLogout(target: PeerTarget): Promise<void> {
  await peerCall(target, 'DELETE', '/api/session').catch(() => undefined);
}

/**
 * The local vAPI error for a failed peer call: unreachable or answering nonsense is
 * SERVICE_UNAVAILABLE, a changed certificate UNVERIFIED_PEER (or SERVICE_UNAVAILABLE where the
 * operation cannot report that), and the peer's own errors pass through unless they are about
 * our credentials, which are this server's problem, not the caller's.
 */
export function peerErrorToVapi(err: unknown, site: string, opts: { untrusted?: 'UNVERIFIED_PEER' | 'SERVICE_UNAVAILABLE' } = {}): VapiError {
  if (!(err instanceof PeerError)) return err instanceof VapiError ? err : vapiError('SERVICE_UNAVAILABLE', 'site.unreachable', `Site ${site} could not be reached: ${describe(err)}`, site);
  if (err.reason === 'untrusted') {
    return vapiError(opts.untrusted ?? 'SERVICE_UNAVAILABLE', 'site.certificate_changed',
      `Site ${site} presents a certificate other than the one trusted for it (${err.message}); repair the site pairing with the new certificate.`, site);
  }
  if (err.reason === 'refused' && err.remote) {
    if (err.remote.kind === 'UNAUTHENTICATED' || err.remote.kind === 'UNAUTHORIZED') {
      return vapiError('SERVICE_UNAVAILABLE', 'site.credential_refused',
        `Site ${site} refused this site's service credential; repair the site pairing.`, site);
    }
    return err.remote;
  }
  return vapiError('SERVICE_UNAVAILABLE', 'site.unreachable', `Site ${site} is unreachable: ${err.message}`, site);
}

/** host and port of an https URL (port 443 when absent). */
export function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: unbracket(u.hostname), port: u.port ? Number(u.port) : 443 };
}

export function httpsUrl(host: string, port: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `https://${h}:${port}`;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ? `${e.code}${e.message && !e.message.includes(e.code) ? ` (${e.message})` : ''}` : String(e?.message ?? err);
}
