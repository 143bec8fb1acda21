import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSelfSigned, loadTls, TlsError } from '../../src/security/tls.ts';

const root = mkdtempSync(join(tmpdir(), 'snapservice-tls-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dir = () => join(root, `d${++n}`);
const NOW = Date.UTC(2026, 10, 27);
const DAY = 24 * 3600_000;

describe('loadTls', () => {
  it('generates a self-signed pair into the data dir (key 0600) and reuses it', async () => {
    const dataDir = dir();
    const first = await loadTls({ dataDir, host: '127.0.0.1', now: NOW });
    expect(first.source).toBe('generated');
    const x509 = new X509Certificate(readFileSync(join(dataDir, 'cert.pem')));
    expect(x509.fingerprint256).toBe(first.fingerprint);
    expect(statSync(join(dataDir, 'key.pem')).mode & 0o777).toBe(0o600);
    expect(x509.checkHost('localhost')).toBe('localhost');
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x509.checkIP('::1')).toBe('::1');

    const second = await loadTls({ dataDir, host: '127.0.0.1', now: NOW + DAY });
    expect(second).toMatchObject({ source: 'reused', fingerprint: first.fingerprint, cert: first.cert, key: first.key });
  });

  it('names the listen host in the SAN', async () => {
    const ip = new X509Certificate((await generateSelfSigned('192.0.2.7', NOW)).cert);
    expect(ip.checkIP('192.0.2.7')).toBe('192.0.2.7');
    const name = new X509Certificate((await generateSelfSigned('snap.example.test', NOW)).cert);
    expect(name.checkHost('snap.example.test')).toBe('snap.example.test');
    expect(name.checkHost('localhost')).toBe('localhost');
  });

  it('makes a new pair when the kept one has expired or is incomplete', async () => {
    const dataDir = dir();
    const first = await loadTls({ dataDir, host: 'localhost', now: NOW });
    const later = await loadTls({ dataDir, host: 'localhost', now: NOW + 1000 * DAY });
    expect(later.source).toBe('generated');
    expect(later.fingerprint).not.toBe(first.fingerprint);
    unlinkSync(join(dataDir, 'key.pem'));
    const remade = await loadTls({ dataDir, host: 'localhost', now: NOW });
    expect(remade.source).toBe('generated');
    expect(existsSync(join(dataDir, 'key.pem'))).toBe(true);
  });

  it('keeps nothing for :memory:', async () => {
    const made = await loadTls({ dataDir: ':memory:', host: '127.0.0.1', now: NOW });
    expect(made.source).toBe('generated');
    expect(made.certPath).toBeUndefined();
    expect(existsSync(':memory:')).toBe(false);
  });

  it('uses --cert/--key and checks they belong together', async () => {
    const a = await generateSelfSigned('localhost', NOW);
    const b = await generateSelfSigned('localhost', NOW);
    const d = mkdtempSync(join(root, 'files-'));
    writeFileSync(join(d, 'a.crt'), a.cert);
    writeFileSync(join(d, 'a.key'), a.key);
    writeFileSync(join(d, 'b.key'), b.key);
    const ok = await loadTls({ dataDir: dir(), host: 'localhost', certFile: join(d, 'a.crt'), keyFile: join(d, 'a.key'), now: NOW });
    expect(ok).toMatchObject({ source: 'files', fingerprint: a.fingerprint });

    await expect(loadTls({ dataDir: dir(), host: 'x', certFile: join(d, 'a.crt'), keyFile: join(d, 'b.key'), now: NOW })).rejects.toThrow(
      /private key does not belong to the certificate/,
    );
    await expect(loadTls({ dataDir: dir(), host: 'x', certFile: join(d, 'missing.crt'), keyFile: join(d, 'a.key'), now: NOW })).rejects.toThrow(
      /cannot read --cert '.*missing\.crt'/,
    );
    await expect(loadTls({ dataDir: dir(), host: 'x', certFile: join(d, 'a.key'), keyFile: join(d, 'a.key'), now: NOW })).rejects.toBeInstanceOf(TlsError);
  });

  it('refuses a corrupt kept pair instead of overwriting it', async () => {
    const dataDir = dir();
    await loadTls({ dataDir, host: 'localhost', now: NOW });
    writeFileSync(join(dataDir, 'cert.pem'), 'garbage');
    await expect(loadTls({ dataDir, host: 'localhost', now: NOW })).rejects.toThrow(/not a PEM certificate: .*delete both/);
  });
});
