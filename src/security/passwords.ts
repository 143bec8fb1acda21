import { createHash, hash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import pLimit from 'p-limit';

/**
 * scrypt runs on libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE says otherwise),
 * which file and DNS work share, and each check holds 32 MiB. A burst of logins must neither
 * fill the pool nor the memory: at most two run at once, the others wait in turn.
 */
const SCRYPT_CONCURRENCY = 2;
const limit = pLimit(SCRYPT_CONCURRENCY);
let runs = 0;

const scrypt = (pw: string, salt: Buffer, len: number, opts: ScryptOptions) =>
  limit(() => {
    runs++;
    return new Promise<Buffer>((resolve, reject) => scryptCb(pw, salt, len, opts, (err, key) => (err ? reject(err) : resolve(key))));
  });

/** scrypt computations started by this process: what a login flood costs, counted in work. */
export function scryptRuns(): number {
  return runs;
}

const KEY_LEN = 32;

/**
 * Stored form: `scrypt$N$r$p$<salt b64>$<key b64>`. The default cost (N=2^15, r=8) takes
 * about 60 ms and 32 MiB per check here; verification reads the cost from the stored hash.
 */
export async function hashPassword(password: string, log2N = 15): Promise<string> {
  const params = { N: 1 << log2N, r: 8, p: 1 };
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LEN, { ...params, maxmem: 256 * params.N * params.r });
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], 'base64');
  const expected = Buffer.from(parts[5], 'base64');
  const key = await scrypt(password, salt, expected.length, { N, r, p, maxmem: 256 * N * r });
  return timingSafeEqual(key, expected);
}

/**
 * HTTP Basic on every call would cost a full scrypt each time. A successful check is
 * remembered for a short while under a digest of (user, password, stored hash), so a password
 * change or a wrong password is never served from the cache.
 */
export class VerifiedCache {
  private entries = new Map<string, number>();

  constructor(private readonly ttlMs: number, private readonly now: () => number) {}

  private key(user: string, password: string, stored: string): string {
    return createHash('sha256').update(user).update('\0').update(password).update('\0').update(stored).digest('base64');
  }

  has(user: string, password: string, stored: string): boolean {
    const k = this.key(user, password, stored);
    const until = this.entries.get(k);
    if (until === undefined) return false;
    if (until < this.now()) {
      this.entries.delete(k);
      return false;
    }
    return true;
  }

  add(user: string, password: string, stored: string): void {
    if (this.entries.size > 10_000) this.entries.clear();
    this.entries.set(this.key(user, password, stored), this.now() + this.ttlMs);
  }
}

export function sha256(s: string): string {
  // One-shot: every session call hashes its token, and a Hash object per call cost 2-3% of a task GET.
  return hash('sha256', s, 'hex');
}
