import type { SimTransport } from './http.ts';

/**
 * The simulated network to paired sites and the replicas that crossed it, as typed calls
 * (`/api/sim/sites/{site}/link`, `/api/sim/replica-vms/{vm}`).
 */

export interface LinkConditions {
  /** Calls to the site fail as unreachable, without connecting. */
  cut: boolean;
  /** Service time added to every call. */
  latencyMs: number;
  /** Bytes per second; absent: unlimited. */
  bandwidth?: number;
}

export interface SimLinks {
  get(site: string): Promise<LinkConditions>;
  /** Changes the conditions given; the others stay as they were. */
  set(site: string, conditions: Partial<LinkConditions>): Promise<void>;
  cut(site: string): Promise<void>;
  restore(site: string): Promise<void>;
  /** Back to a clear link. */
  reset(site: string): Promise<void>;
}

export interface ReplicaDisk {
  key: number;
  blockSize: number;
  blocks: number;
  writtenBlocks: number;
  digest?: string;
}

export interface ReplicaSnapshot {
  sourceSnapshot: string;
  name: string;
  takenAt: Date;
  receivedAt: Date;
  disks: ReplicaDisk[];
}

export interface ReplicaVm {
  /** The protected site. */
  site: string;
  /** The VM's id at the protected site. */
  vm: string;
  name: string;
  pg: string;
  /** Oldest first. */
  snapshots: ReplicaSnapshot[];
}

export interface SimReplicas {
  /** What this (recovery) site holds of a protected VM, by the VM's id at the protected site. */
  get(vm: string): Promise<ReplicaVm>;
}

const seg = (s: string) => encodeURIComponent(s);

interface WireLink { cut: boolean; latency_ms: number; bandwidth?: number }

export function linksClient(t: SimTransport): SimLinks {
  const path = (site: string) => `/api/sim/sites/${seg(site)}/link`;
  const set = async (site: string, c: Partial<LinkConditions>) => {
    const body: Partial<WireLink> = {};
    if (c.cut !== undefined) body.cut = c.cut;
    if (c.latencyMs !== undefined) body.latency_ms = c.latencyMs;
    if (c.bandwidth !== undefined) body.bandwidth = c.bandwidth;
    await t.call('PUT', path(site), body);
  };
  return {
    get: async (site) => {
      const w = await t.call<WireLink>('GET', path(site));
      return { cut: w.cut, latencyMs: w.latency_ms, ...(w.bandwidth === undefined ? {} : { bandwidth: w.bandwidth }) };
    },
    set,
    cut: (site) => set(site, { cut: true }),
    restore: (site) => set(site, { cut: false }),
    reset: async (site) => {
      await t.call('DELETE', path(site));
    },
  };
}

interface WireReplica {
  site: string;
  vm: string;
  name: string;
  pg: string;
  snapshots: Array<{
    source_snapshot: string; name: string; taken_at: string; received_at: string;
    disks: Array<{ key: number; block_size: number; blocks: number; written_blocks: number; digest?: string }>;
  }>;
}

export function replicasClient(t: SimTransport): SimReplicas {
  return {
    get: async (vm) => {
      const w = await t.call<WireReplica>('GET', `/api/sim/replica-vms/${seg(vm)}`);
      return {
        site: w.site, vm: w.vm, name: w.name, pg: w.pg,
        snapshots: w.snapshots.map((s) => ({
          sourceSnapshot: s.source_snapshot, name: s.name, takenAt: new Date(s.taken_at), receivedAt: new Date(s.received_at),
          disks: s.disks.map((d) => ({ key: d.key, blockSize: d.block_size, blocks: d.blocks, writtenBlocks: d.written_blocks, ...(d.digest === undefined ? {} : { digest: d.digest }) })),
        })),
      };
    },
  };
}
