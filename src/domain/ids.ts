import { randomBytes, randomUUID } from 'node:crypto';

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

/** Ids the vendor leaves open (groups, snapshots, tasks) are random UUIDs. */
export const newId = (): string => randomUUID();

/** Session tokens: 32 bytes from the CSPRNG, hex. */
export const newToken = (): string => randomBytes(32).toString('hex');

export const newUuid = (): string => randomUUID();
