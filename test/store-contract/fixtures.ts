import type {
  Cluster, DiskSnapshot, Disk, PgSnapshot, ProtectionGroup, Task, Vm, VmSnapshot,
} from '../../src/domain/model.ts';
import type { Store } from '../../src/store/store.ts';

/** 2100-01-01: beyond 2^32 seconds and 2^31 ms, so int4 or float32 truncation would show. */
export const FAR = 4102444800000;
/** Larger than 2^40, still exact in a double. */
export const BIG = 2 ** 41 + 7;

/** Binary (code unit) order, the order both engines must use for ids and names. */
export const binary = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Ids whose order differs between binary and linguistic collations (ICU/glibc put '_' before
 * '-', ignore case first, ...). Sorted with `binary` they must come back in that order.
 */
export const AWKWARD_IDS = ['x-b', 'x-B', 'x_a', 'x-a', 'X-c', 'x-10', 'x-9', 'x.1'];

/** Bytes that break text handling: NUL, invalid UTF-8, high bytes. */
export const BINARY = Buffer.from([0, 1, 0, 255, 0xc3, 0x28, 0, 0x80, 0xfe, 0]);

/** A per-test holder for the store under test, filled by the suite's beforeEach. */
export interface Ctx {
  store: Store;
}

export function cluster(id: string, over: Partial<Cluster> = {}): Cluster {
  return { id, name: `name-${id}`, datacenterId: 'dc-1', haEnabled: true, drsEnabled: false, resourcePoolId: `rp-${id}`, createdAt: 1000, ...over };
}

export function vm(id: string, over: Partial<Vm> = {}): Vm {
  return {
    id, name: `name-${id}`, clusterId: 'c-1', hostId: 'h-1', folderId: 'f-1', resourcePoolId: 'rp-1',
    powerState: 'POWERED_ON', cpuCount: 4, coresPerSocket: 2, memoryMib: 8192, guestOs: 'OTHER_LINUX_64',
    biosUuid: `bios-${id}`, instanceUuid: `inst-${id}`, createdAt: 1000, deletedAt: null, lastClusterId: 'c-1', ...over,
  };
}

export function disk(vmId: string, diskKey: number, over: Partial<Disk> = {}): Disk {
  return {
    vmId, diskKey, label: `Hard disk ${diskKey}`, capacityBytes: BIG, blockSize: 65536, headLayerId: 1,
    sequenceUuid: `seq-${vmId}-${diskKey}`, epoch: 0, ...over,
  };
}

export function snapshot(id: string, over: Partial<VmSnapshot> = {}): VmSnapshot {
  return {
    id, vmId: 'vm-1', clusterId: 'c-1', name: `snap-${id}`, type: 'ONE_TIME', createdAt: 1000, expiresAt: null,
    pgId: null, pgSnapshotId: null, vmName: 'vm one', folderId: null, resourcePoolId: null, cpuCount: 2,
    coresPerSocket: 1, memoryMib: 4096, guestOs: 'OTHER_LINUX_64', ...over,
  };
}

export function diskSnapshot(snapshotId: string, diskKey: number, over: Partial<DiskSnapshot> = {}): DiskSnapshot {
  return {
    snapshotId, diskKey, label: `Hard disk ${diskKey}`, capacityBytes: BIG, blockSize: 65536, layerId: 1,
    sequenceUuid: `seq-${diskKey}`, epoch: 3, uri: `ds:///${snapshotId}/${diskKey}`, ...over,
  };
}

export function task(id: string, over: Partial<Task> = {}): Task {
  return {
    id, kind: 'vm.revert', service: 'com.vmware.snapservice.vms', operation: 'revert',
    description: { id: 'com.vmware.snapservice.vms.revert', defaultMessage: 'Revert {0}', args: ['vm-1'] },
    status: 'PENDING', cancelable: false, user: 'admin@vsphere.local', targetType: 'VirtualMachine', targetId: 'vm-1',
    clusterId: 'c-1', vmId: 'vm-1', input: null, progressTotal: 0, progressCompleted: 0, progressMessage: null,
    result: null, error: null, createdAt: 1000, notBefore: 1000, startTime: null, endTime: null, owner: null, step: 0,
    ...over,
  };
}

export function group(id: string, over: Partial<ProtectionGroup> = {}): ProtectionGroup {
  return {
    id, clusterId: 'c-1', name: `pg-${id}`, status: 'ACTIVE', locked: false,
    targetEntities: { vmNamePatterns: ['web-*'], vms: ['vm-1'] },
    policies: [{ name: 'hourly', schedule: { unit: 'HOUR', interval: 1 }, retention: { unit: 'DAY', duration: 2 } }],
    createdAt: 1000, scheduleAnchor: 1000, ...over,
  };
}

export function pgSnapshot(id: string, over: Partial<PgSnapshot> = {}): PgSnapshot {
  return {
    id, pgId: 'pg-1', clusterId: 'c-1', name: `pgs-${id}`, type: 'SCHEDULED', startTime: 1000, endTime: 1001,
    expiresAt: null, policy: null, ...over,
  };
}

/** Shuffles deterministically so insertion order never matches the expected order by chance. */
export function scrambled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = (i * 7 + 3) % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out.reverse();
}
