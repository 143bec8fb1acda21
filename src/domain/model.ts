import type { ReplicationPolicy } from './replication.ts';
import type { TagRule } from './tags.ts';
/** Domain records as the service layer sees them: camelCase, times in epoch ms. */

/** vCenter's limit on inventory names (VMs, protection groups, policies). */
export const MAX_NAME = 80;

export type PowerState = 'POWERED_ON' | 'POWERED_OFF' | 'SUSPENDED';

export interface Datacenter {
  id: string;
  name: string;
  createdAt: number;
}

export type FolderType = 'DATACENTER' | 'DATASTORE' | 'HOST' | 'NETWORK' | 'VIRTUAL_MACHINE';

export interface Folder {
  id: string;
  name: string;
  type: FolderType;
  /** Unset for the root folder. */
  datacenterId: string | null;
  parentId: string | null;
  createdAt: number;
}

export interface Cluster {
  id: string;
  name: string;
  datacenterId: string;
  haEnabled: boolean;
  drsEnabled: boolean;
  /** The cluster's root resource pool. */
  resourcePoolId: string;
  createdAt: number;
}

export interface Host {
  id: string;
  name: string;
  clusterId: string;
  connectionState: 'CONNECTED' | 'DISCONNECTED' | 'NOT_RESPONDING';
  powerState: 'POWERED_ON' | 'POWERED_OFF' | 'STANDBY';
  createdAt: number;
}

export interface ResourcePool {
  id: string;
  name: string;
  clusterId: string;
  parentId: string | null;
  createdAt: number;
}

export interface Vm {
  id: string;
  name: string;
  /** Null once deleted; the last cluster stays in lastClusterId. */
  clusterId: string | null;
  hostId: string | null;
  folderId: string | null;
  resourcePoolId: string | null;
  powerState: PowerState;
  cpuCount: number;
  coresPerSocket: number;
  memoryMib: number;
  guestOs: string;
  biosUuid: string;
  instanceUuid: string;
  createdAt: number;
  deletedAt: number | null;
  /** Clusters this VM has ever lived in (snapshots may remain in each). */
  lastClusterId: string;
}

export interface Disk {
  vmId: string;
  diskKey: number;
  label: string;
  capacityBytes: number;
  blockSize: number;
  /** The writable layer holding writes since the last snapshot or revert. */
  headLayerId: number;
  sequenceUuid: string;
  /** Logical time: grows by one with every snapshot of this disk. */
  epoch: number;
}

export type SnapshotType = 'SCHEDULED' | 'ONE_TIME' | 'SYSTEM_CREATED';

export interface VmSnapshot {
  id: string;
  vmId: string;
  clusterId: string;
  name: string;
  type: SnapshotType;
  createdAt: number;
  expiresAt: number | null;
  pgId: string | null;
  pgSnapshotId: string | null;
  /** VM name when the snapshot was taken (restore's default name). */
  vmName: string;
  /** The folder and pool the VM was in, the defaults of a restore's placement. */
  folderId: string | null;
  resourcePoolId: string | null;
  cpuCount: number;
  coresPerSocket: number;
  memoryMib: number;
  guestOs: string;
}

export interface DiskSnapshot {
  snapshotId: string;
  diskKey: number;
  label: string;
  capacityBytes: number;
  blockSize: number;
  layerId: number;
  sequenceUuid: string;
  epoch: number;
  uri: string;
}

export const TASK_STATUSES = ['PENDING', 'RUNNING', 'BLOCKED', 'SUCCEEDED', 'FAILED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Not finished yet: what caps, "one at a time" rules and reservations count. */
export const ACTIVE_TASK_STATUSES: readonly TaskStatus[] = ['PENDING', 'RUNNING', 'BLOCKED'];

/**
 * What a task does and which executor runs it: the `kind` of a task type, defined beside the
 * operation that starts it (tasks/task.ts). Stored with every task.
 */
export type TaskKind = string;

export interface Message {
  id: string;
  defaultMessage: string;
  args: string[];
}

export interface Task {
  id: string;
  kind: TaskKind;
  service: string;
  operation: string;
  description: Message;
  status: TaskStatus;
  cancelable: boolean;
  user: string | null;
  targetType: string | null;
  targetId: string | null;
  clusterId: string | null;
  vmId: string | null;
  input: unknown;
  progressTotal: number;
  progressCompleted: number;
  progressMessage: Message | null;
  result: unknown;
  /** vAPI error body (wire form) when FAILED. */
  error: unknown;
  createdAt: number;
  notBefore: number;
  startTime: number | null;
  endTime: number | null;
  /** Runner instance holding the task while RUNNING; null otherwise. */
  owner: string | null;
  /** Executor checkpoint so a recovered task resumes instead of repeating. */
  step: number;
}

export interface User {
  name: string;
  passwordHash: string;
  createdAt: number;
}

export interface Role {
  id: string;
  name: string;
  privileges: string[];
  system: boolean;
}

export interface Permission {
  principal: string;
  entityId: string;
  roleId: string;
  propagate: boolean;
}

export interface Session {
  tokenHash: string;
  user: string;
  createdAt: number;
  lastAccessedAt: number;
}

export type TimeUnit = 'MINUTE' | 'HOUR' | 'DAY' | 'WEEK' | 'MONTH' | 'YEAR';

export interface SnapshotPolicy {
  name: string;
  schedule: { unit: TimeUnit; interval: number };
  retention: { unit: TimeUnit; duration: number };
}

export interface TargetEntities {
  vmNamePatterns?: string[];
  vms?: string[];
  /** 9.1: a VM matching any rule is a member (domain/tags.ts). */
  tagRules?: TagRule[];
}

/**
 * DORMANT: the recovery site's group of a protected group, holding its replicas. DEMOTED,
 * RECOVERY and DORMANT_RANSOMWARE_RECOVERY are the disaster-recovery states (domain/dr.ts).
 */
export type PgStatus = 'ACTIVE' | 'PAUSED' | 'MARKED_FOR_DELETE' | 'DORMANT' | 'DEMOTED' | 'RECOVERY' | 'DORMANT_RANSOMWARE_RECOVERY';

export interface ProtectionGroup {
  id: string;
  clusterId: string;
  name: string;
  status: PgStatus;
  locked: boolean;
  targetEntities: TargetEntities;
  policies: SnapshotPolicy[];
  createdAt: number;
  /** Schedules are aligned to this instant (creation, or the last policy change). */
  scheduleAnchor: number;
  /** Replication to a paired cluster; absent when the group protects locally only (null in a patch removes it). */
  replication?: ReplicationPolicy | null;
}

export interface PgSnapshot {
  id: string;
  pgId: string;
  clusterId: string;
  name: string;
  type: SnapshotType;
  startTime: number;
  endTime: number;
  expiresAt: number | null;
  policy: string | null;
}
