import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STS_SIGNING_FILE, stsKeys } from '../../src/sts/keys.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'sts-keys-'));
  dirs.push(d);
  return d;
};

describe('the STS signing key', () => {
  it('is made once in the data dir (mode 0600) and the same after a restart', async () => {
    const dir = tempDir();
    const first = await stsKeys({ dataDir: dir, now: Date.now }).material();
    expect(statSync(join(dir, STS_SIGNING_FILE)).mode & 0o777).toBe(0o600);
    const again = await stsKeys({ dataDir: dir, now: Date.now }).material();
    expect(again.certPem).toBe(first.certPem);
    expect(again.realm).toBe(first.realm);
    expect(first.x509.subject).toContain('CN=ssoserverSign');
  });

  it('two processes making it at once end up with one signer, and no stray files', async () => {
    const dir = tempDir();
    const [a, b] = await Promise.all([stsKeys({ dataDir: dir, now: Date.now }).material(), stsKeys({ dataDir: dir, now: Date.now }).material()]);
    expect(a.certPem).toBe(b.certPem);
    expect(readdirSync(dir)).toEqual([STS_SIGNING_FILE]);
  });

  it('is one per process for in-memory data', async () => {
    const a = await stsKeys({ dataDir: ':memory:', now: Date.now }).material();
    const b = await stsKeys({ dataDir: ':memory:', now: Date.now }).material();
    expect(a).toBe(b);
  });
});
