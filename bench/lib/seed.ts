import type { Seed, SeedVmSpec } from '../../src/seed/format.ts';

export const BENCH_DATACENTER = 'Bench-DC';
export const BENCH_CLUSTER = 'Bench-Cluster';
export const BLOCK_SIZE = 4096;
export const GIB_MIB = 1024;
export const TIB_MIB = 1024 * 1024;

export interface VmGroup {
  /** VMs are named `${prefix}-${i}` (i from 0). */
  prefix: string;
  count: number;
  /** Capacity of the VM's one disk (key 2000). */
  capacityMib: number;
  /** Blocks written after the snapshot, spread evenly over the whole disk. */
  changedBlocks?: number;
}

/**
 * Block numbers spread over a disk from its start to its last block, so that a 1 TiB disk is
 * touched near 0 and near 1 TiB alike.
 */
export function spreadBlocks(capacityMib: number, n: number): number[] {
  const blocks = Math.floor((capacityMib * 1024 * 1024) / BLOCK_SIZE);
  if (n <= 1) return [0].slice(0, n);
  return Array.from({ length: n }, (_, i) => Math.floor((i * (blocks - 1)) / (n - 1)));
}

function vm(name: string, capacityMib: number, changed: number): SeedVmSpec {
  return {
    name,
    power_state: 'POWERED_ON',
    cpu: 2,
    memory_mib: 4096,
    guest_os: 'UBUNTU_64',
    disks: [{ capacity_mib: capacityMib, block_size: BLOCK_SIZE, label: 'Hard disk 1' }],
    history: [
      { write: { disk: 2000, block: 0, text: `${name} boot sector\n` } },
      { snapshot: { name: 'base', age_minutes: 60 } },
      ...spreadBlocks(capacityMib, changed).map((block) => ({ write: { disk: 2000, block, text: `${name} block ${block} changed after base\n` } })),
    ],
  };
}

/**
 * One datacenter, one cluster of four hosts, and powered-on VMs with one disk and one
 * snapshot ('base') each, optionally followed by guest writes.
 */
export function benchSeed(groups: readonly VmGroup[]): Seed {
  const vms: SeedVmSpec[] = [];
  for (const g of groups) {
    for (let i = 0; i < g.count; i++) vms.push(vm(`${g.prefix}-${i}`, g.capacityMib, g.changedBlocks ?? 0));
  }
  return {
    datacenters: [{
      name: BENCH_DATACENTER,
      clusters: [{ name: BENCH_CLUSTER, hosts: ['esxi-01.bench', 'esxi-02.bench', 'esxi-03.bench', 'esxi-04.bench'], vms }],
    }],
  };
}
