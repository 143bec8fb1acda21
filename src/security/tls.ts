import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { generate } from 'selfsigned';

export const CERT_FILE = 'cert.pem';
export const KEY_FILE = 'key.pem';

const DAY = 24 * 3600_000;
/** Validity of a generated certificate: long enough that a kept data dir rarely outlives it. */
const VALIDITY_DAYS = 825;

export interface TlsOptions {
  /** Where generated material is kept; ':memory:' keeps nothing. */
  dataDir: string;
  /** The listen address, named in a generated certificate's SAN. */
  host: string;
  /** A certificate and key supplied by the user (both or neither). */
  certFile?: string;
  keyFile?: string;
  /** Real time (epoch ms), for validity; TLS is about the wall clock, not service time. */
  now: number;
  log?: Pick<Logger, 'info' | 'warn'>;
}

export interface TlsMaterial {
  cert: string;
  key: string;
  /** SHA-256 fingerprint, colon-separated hex, as `openssl x509 -fingerprint -sha256` prints. */
  fingerprint: string;
  /** 'files': --cert/--key; 'reused': kept in the data dir; 'generated': made now (and kept
   * unless the data dir is ':memory:'). */
  source: 'files' | 'reused' | 'generated';
  /** Where the certificate lives on disk, when it does. */
  certPath?: string;
}

/** A readable problem with TLS material (bad file, mismatched key); main exits on it. */
export class TlsError extends Error {}

/**
 * The certificate and key to serve HTTPS with: the user's (--cert/--key), else the pair kept
 * in the data dir, else a new self-signed pair (saved to the data dir, key mode 0600).
 */
export async function loadTls(opts: TlsOptions): Promise<TlsMaterial> {
  if (opts.certFile || opts.keyFile) {
    if (!opts.certFile || !opts.keyFile) throw new TlsError('--cert and --key must be given together');
    const cert = await readPem(opts.certFile, '--cert');
    const key = await readPem(opts.keyFile, '--key');
    const x509 = checkPair(cert, key, `--cert ${opts.certFile} / --key ${opts.keyFile}`);
    if (Date.parse(x509.validTo) < opts.now) opts.log?.warn({ validTo: x509.validTo }, 'the --cert certificate has expired');
    opts.log?.info({ certPath: opts.certFile, fingerprint: x509.fingerprint256 }, 'using the --cert certificate');
    return { cert, key, fingerprint: x509.fingerprint256, source: 'files', certPath: opts.certFile };
  }

  if (opts.dataDir === ':memory:') {
    const made = await generateSelfSigned(opts.host, opts.now);
    opts.log?.info({ fingerprint: made.fingerprint }, 'generated a self-signed certificate (not kept: in-memory data)');
    return { ...made, source: 'generated' };
  }

  const certPath = join(opts.dataDir, CERT_FILE);
  const keyPath = join(opts.dataDir, KEY_FILE);
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = await readPem(certPath, 'the data dir certificate');
    const key = await readPem(keyPath, 'the data dir key');
    const x509 = checkPair(cert, key, `${certPath} / ${keyPath} (delete both to have new ones generated)`);
    if (Date.parse(x509.validTo) >= opts.now) {
      if (!covers(x509, opts.host)) {
        opts.log?.warn({ host: opts.host, certPath }, `the kept certificate does not name host ${opts.host}; delete ${CERT_FILE} and ${KEY_FILE} to have a new one made`);
      }
      opts.log?.info({ certPath, fingerprint: x509.fingerprint256 }, 'using the kept self-signed certificate');
      return { cert, key, fingerprint: x509.fingerprint256, source: 'reused', certPath };
    }
    opts.log?.warn({ certPath, validTo: x509.validTo }, 'the kept certificate has expired; making a new one');
  } else if (existsSync(certPath) || existsSync(keyPath)) {
    opts.log?.warn({ dataDir: opts.dataDir }, `only one of ${CERT_FILE} and ${KEY_FILE} exists; making a new pair`);
  }

  const made = await generateSelfSigned(opts.host, opts.now);
  await mkdir(opts.dataDir, { recursive: true });
  // Write aside then rename, so a crash never leaves a half-written pair behind.
  const suffix = `.${process.pid}.tmp`;
  await writeFile(keyPath + suffix, made.key, { mode: 0o600 });
  await chmod(keyPath + suffix, 0o600);
  await writeFile(certPath + suffix, made.cert, { mode: 0o644 });
  await rename(keyPath + suffix, keyPath);
  await rename(certPath + suffix, certPath);
  opts.log?.info({ certPath, fingerprint: made.fingerprint }, 'generated a self-signed certificate');
  return { ...made, source: 'generated', certPath };
}

/** A self-signed RSA certificate for localhost, 127.0.0.1, ::1 and `host`. */
export async function generateSelfSigned(host: string, now: number): Promise<{ cert: string; key: string; fingerprint: string }> {
  const altNames: { type: 2 | 7; value?: string; ip?: string }[] = [
    { type: 2, value: 'localhost' },
    { type: 7, ip: '127.0.0.1' },
    { type: 7, ip: '::1' },
  ];
  const wildcard = host === '0.0.0.0' || host === '::';
  const extra = wildcard ? hostname() : host;
  const named = (n: string) => altNames.some((a) => a.value === n || a.ip === n);
  if (extra && !named(extra) && !named(unbracket(extra))) {
    const h = unbracket(extra);
    altNames.push(isIP(h) ? { type: 7, ip: h } : { type: 2, value: h });
  }
  const cn = wildcard || isIP(unbracket(host)) ? 'localhost' : unbracket(host);
  const pems = await generate([{ name: 'commonName', value: cn }, { name: 'organizationName', value: 'Snapservice (self-signed)' }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    // A day of slack for clients whose clocks run behind.
    notBeforeDate: new Date(now - DAY),
    notAfterDate: new Date(now + VALIDITY_DAYS * DAY),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  const x509 = new X509Certificate(pems.cert);
  return { cert: pems.cert, key: pems.private, fingerprint: x509.fingerprint256 };
}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new TlsError(`cannot read ${what} '${path}': ${(err as Error).message}`);
  }
}

function checkPair(cert: string, key: string, where: string): X509Certificate {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new TlsError(`not a PEM certificate: ${where}: ${(err as Error).message}`);
  }
  let keyObject;
  try {
    keyObject = createPrivateKey(key);
  } catch (err) {
    throw new TlsError(`not a PEM private key: ${where}: ${(err as Error).message}`);
  }
  if (!x509.checkPrivateKey(keyObject)) throw new TlsError(`the private key does not belong to the certificate: ${where}`);
  return x509;
}

function covers(x509: X509Certificate, host: string): boolean {
  if (host === '0.0.0.0' || host === '::') return true;
  const h = unbracket(host);
  return isIP(h) ? x509.checkIP(h) !== undefined : x509.checkHost(h) !== undefined;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
