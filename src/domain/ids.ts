import { randomBytes, randomFillSync, randomUUID } from 'node:crypto';

/** vCenter managed-object ids: one server-wide counter, a prefix per type. */
export const MOREF_PREFIX = {
  datacenter: 'datacenter-',
  folder: 'group-v',
  hostFolder: 'group-h',
  rootFolder: 'group-d',
  cluster: 'domain-c',
  host: 'host-',
  resourcePool: 'resgroup-',
  vm: 'vm-',
} as const;

export type MorefKind = keyof typeof MOREF_PREFIX;

export function moref(kind: MorefKind, n: number): string {
  return `${MOREF_PREFIX[kind]}${n}`;
}

/**
 * Ids the vendor leaves open (groups, snapshots, tasks): UUIDs (RFC 9562 version 8) whose
 * first 48 bits count up from a random start, one per process, and whose other 74 bits are
 * random, as unguessable as a version 7 UUID. Random keys sent every insert to a random page
 * of each primary-key index: a revert's inserts (task, snapshot, disk snapshots, history)
 * dirtied that many pages for its commit to write; ascending ones share the last few.
 */
export function newId(): string {
  const head = (idCounter++).toString(16).padStart(12, '0');
  const r = randomHex(10);
  return `${head.slice(0, 8)}-${head.slice(8)}-8${r.slice(0, 3)}-${(0x8 | (parseInt(r[3], 16) & 0x3)).toString(16)}${r.slice(4, 7)}-${r.slice(7, 19)}`;
}

// Below 2^47: counting up never wraps.
let idCounter = randomBytes(6).readUIntBE(0, 6) % 2 ** 47;

// Random bytes drawn from the CSPRNG a few KB at a time, as randomUUID does: one system call
// per id cost 10 us, more than the rest of making it.
const pool = Buffer.alloc(4096);
let poolAt = pool.length;

function randomHex(n: number): string {
  if (poolAt + n > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += n;
  return pool.toString('hex', poolAt - n, poolAt);
}

/** Session tokens: 32 bytes from the CSPRNG, hex. */
export const newToken = (): string => randomBytes(32).toString('hex');

export const newUuid = (): string => randomUUID();

/**
 * UUIDs (version 7 layout) that ascend in the order they are made: the time, a random part
 * fixed for the generator, then a counter. Bulk seeding uses them for the million snapshot
 * and history ids it writes, which then append to the primary-key indexes instead of landing
 * at random pages (random keys made those inserts the seed's largest cost). Still unique
 * across generators through the random part and the time.
 */
export function ascendingUuids(nowMs: number): () => string {
  const time = Math.max(0, Math.floor(nowMs)).toString(16).padStart(12, '0').slice(-12);
  const r = randomBytes(4).toString('hex');
  // version 7, 12 random bits; variant 10, then 14 random bits; a 48-bit counter.
  const head = `${time.slice(0, 8)}-${time.slice(8)}-7${r.slice(0, 3)}-${(0x8 | (parseInt(r[3], 16) & 0x3)).toString(16)}${r.slice(4, 7)}-`;
  let n = 0;
  return () => `${head}${(n++).toString(16).padStart(12, '0')}`;
}
