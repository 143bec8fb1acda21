import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { generate } from 'selfsigned';

/** Certificate and private key of the STS signer, in one file so that they never mismatch. */
export const STS_SIGNING_FILE = 'sts-signing.pem';

const DAY = 24 * 3600_000;
/** vCenter's STS signing certificate lives for years; a kept data dir must not outlive it. */
const VALIDITY_DAYS = 3650;

export interface StsMaterial {
  certPem: string;
  keyPem: string;
  /** The certificate's DER in base64, as ds:X509Certificate carries it. */
  certBase64: string;
  x509: X509Certificate;
  /** A stable UUID naming this signer, used as the SIGN challenge's realm. */
  realm: string;
}

/** Loads the STS signing material on first use (tests that never touch SAML pay nothing). */
export interface StsKeys {
  material(): Promise<StsMaterial>;
}

export interface StsKeyOptions {
  /** Where the material is kept; ':memory:' keeps nothing and shares one signer per process. */
  dataDir: string;
  /** Real time (epoch ms), for the certificate's validity. */
  now: () => number;
  log?: Pick<Logger, 'info' | 'warn'>;
}

let processSigner: Promise<StsMaterial> | undefined;

export function stsKeys(opts: StsKeyOptions): StsKeys {
  let loaded: Promise<StsMaterial> | undefined;
  return {
    material() {
      if (opts.dataDir === ':memory:') return (processSigner ??= generateSigner(opts.now()).then((pem) => toMaterial(pem)));
      loaded ??= loadOrCreate(opts).catch((err) => {
        loaded = undefined;
        throw err;
      });
      return loaded;
    },
  };
}

async function loadOrCreate(opts: StsKeyOptions): Promise<StsMaterial> {
  const path = join(opts.dataDir, STS_SIGNING_FILE);
  const kept = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (kept !== undefined) {
    const material = toMaterial(kept);
    if (Date.parse(material.x509.validTo) < opts.now()) opts.log?.warn({ path }, 'the STS signing certificate has expired; delete it to have a new one made');
    return material;
  }
  const pem = await generateSigner(opts.now());
  await mkdir(opts.dataDir, { recursive: true });
  // Written aside, then linked into place: link fails if another process got there first, and
  // then its signer is the one every process uses.
  const aside = `${path}.${process.pid}.tmp`;
  await writeFile(aside, pem, { mode: 0o600 });
  try {
    await link(aside, path);
    opts.log?.info({ path }, 'generated the STS signing certificate');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(aside).catch(() => undefined);
  }
  return toMaterial(await readFile(path, 'utf8'));
}

async function generateSigner(now: number): Promise<string> {
  const pems = await generate([{ name: 'commonName', value: 'ssoserverSign' }, { name: 'organizationName', value: 'Snapservice STS' }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(now - DAY),
    notAfterDate: new Date(now + VALIDITY_DAYS * DAY),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
    ],
  });
  return `${pems.cert.trim()}\n${pems.private.trim()}\n`;
}

function toMaterial(pem: string): StsMaterial {
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  const key = /-----BEGIN (?:RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA )?PRIVATE KEY-----/.exec(pem)?.[0];
  if (!cert || !key) throw new Error(`${STS_SIGNING_FILE} must hold a PEM certificate and its private key`);
  const x509 = new X509Certificate(cert);
  if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error(`${STS_SIGNING_FILE}: the private key does not belong to the certificate`);
  const hex = createHash('sha256').update(x509.raw).digest('hex');
  const realm = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  return { certPem: `${cert}\n`, keyPem: `${key}\n`, certBase64: x509.raw.toString('base64'), x509, realm };
}
