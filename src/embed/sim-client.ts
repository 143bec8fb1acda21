import type { SimTransport } from './http.ts';
import { faultsClient, requestsClient, type SimFaults, type SimRequests } from './sim-plane.ts';
import { linksClient, replicasClient, type SimLinks, type SimReplicas } from './sim-sites.ts';

/** What a disk holds, as the simulation API reports it. */
export interface DiskContent {
  blockSize: number;
  blocks: number;
  /** Blocks ever written (the rest read as zeros). */
  writtenBlocks: number;
  /** SHA-256 of the whole content; absent for disks above --max-digest-bytes. */
  digest?: string;
}

export interface SimClock {
  /** Service time now. */
  now(): Promise<Date>;
  /**
   * Moves service time forward (with the system clock too: it then runs on from there),
   * letting every task and scheduled snapshot that falls due on the way run; resolves after.
   */
  advance(seconds: number): Promise<Date>;
}

export interface SimDisks {
  /** The disk's current content summary (`diskKey` as vCenter numbers disks, e.g. 2000). */
  get(vm: string, diskKey: number): Promise<DiskContent>;
  /** What a running guest writes: one block (at most the block size; the rest is zeros). */
  write(vm: string, diskKey: number, block: number, data: Uint8Array | string): Promise<void>;
  /** One block's bytes, as the guest would read them now. */
  readBlock(vm: string, diskKey: number, block: number): Promise<Buffer>;
  /** The content a VM snapshot kept of one disk. */
  inSnapshot(vm: string, snapshot: string, diskKey: number): Promise<DiskContent>;
}

export interface SimSnapshots {
  /** Takes a ONE_TIME snapshot of the VM directly (no task); returns its id. */
  create(vm: string, name: string): Promise<string>;
}

/** The simulation plane as typed calls, over the server's own /api/sim API as the administrator. */
export interface SimClient {
  clock: SimClock;
  disks: SimDisks;
  snapshots: SimSnapshots;
  /** Fault rules: make the product misbehave on purpose. */
  faults: SimFaults;
  /** The request journal: what clients called. */
  requests: SimRequests;
  /** The simulated network to paired sites: cut, restore, latency, bandwidth. */
  links: SimLinks;
  /** Replicas this site holds as a recovery site. */
  replicas: SimReplicas;
}

export function createSimClient(t: SimTransport): SimClient {
  return {
    clock: clockClient(t), disks: disksClient(t), snapshots: snapshotsClient(t), faults: faultsClient(t), requests: requestsClient(t),
    links: linksClient(t), replicas: replicasClient(t),
  };
}

const seg = (s: string | number) => encodeURIComponent(String(s));

function clockClient(t: SimTransport): SimClock {
  return {
    now: async () => new Date((await t.call<{ now: string }>('GET', '/api/sim/clock')).now),
    advance: async (seconds) => new Date((await t.call<{ now: string }>('POST', '/api/sim/clock?action=advance', { seconds })).now),
  };
}

interface WireDiskContent {
  block_size: number;
  blocks: number;
  written_blocks: number;
  digest?: string;
}

function fromWire(w: WireDiskContent): DiskContent {
  const c: DiskContent = { blockSize: w.block_size, blocks: w.blocks, writtenBlocks: w.written_blocks };
  if (w.digest !== undefined) c.digest = w.digest;
  return c;
}

function disksClient(t: SimTransport): SimDisks {
  const disk = (vm: string, key: number) => `/api/sim/vms/${seg(vm)}/disks/${seg(key)}`;
  return {
    get: async (vm, key) => fromWire(await t.call<WireDiskContent>('GET', disk(vm, key))),
    write: async (vm, key, block, data) => {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
      await t.call('POST', `${disk(vm, key)}?action=write`, { block, data: bytes.toString('base64') });
    },
    readBlock: async (vm, key, block) => Buffer.from((await t.call<{ data: string }>('GET', `${disk(vm, key)}/blocks/${seg(block)}`)).data, 'base64'),
    inSnapshot: async (vm, snapshot, key) => fromWire(await t.call<WireDiskContent>('GET', `/api/sim/vms/${seg(vm)}/snapshots/${seg(snapshot)}/disks/${seg(key)}`)),
  };
}

function snapshotsClient(t: SimTransport): SimSnapshots {
  return {
    create: (vm, name) => t.call<string>('POST', `/api/sim/vms/${seg(vm)}/snapshots`, { name }),
  };
}
