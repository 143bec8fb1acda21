import type { Generated } from 'kysely';

/**
 * Table shapes as Kysely sees them (CamelCasePlugin maps to snake_case columns). Booleans are
 * 0/1 integers and structured values JSON text, so both SQLite and PostgreSQL store them alike.
 */
export interface DB {
  meta: { key: string; value: string };
  counters: { name: string; value: number };
  locks: { name: string; n: number };
  datacenters: { id: string; name: string; createdAt: number };
  folders: { id: string; name: string; type: string; datacenterId: string | null; parentId: string | null; createdAt: number };
  clusters: {
    id: string; name: string; datacenterId: string; haEnabled: number; drsEnabled: number;
    resourcePoolId: string; createdAt: number;
  };
  hosts: { id: string; name: string; clusterId: string; connectionState: string; powerState: string; createdAt: number };
  resourcePools: { id: string; name: string; clusterId: string; parentId: string | null; createdAt: number };
  vms: {
    id: string; name: string; clusterId: string | null; hostId: string | null; folderId: string | null;
    resourcePoolId: string | null; powerState: string; cpuCount: number; coresPerSocket: number;
    memoryMib: number; guestOs: string; biosUuid: string; instanceUuid: string; createdAt: number;
    deletedAt: number | null; lastClusterId: string;
  };
  disks: {
    vmId: string; diskKey: number; label: string; capacityBytes: number; blockSize: number;
    headLayerId: number; sequenceUuid: string; epoch: number;
  };
  layers: { id: Generated<number>; parentId: number | null };
  layerBlocks: { layerId: number; blockNo: number; data: Buffer };
  vmSnapshots: {
    id: string; vmId: string; clusterId: string; name: string; type: string; createdAt: number;
    expiresAt: number | null; pgId: string | null; pgSnapshotId: string | null; vmName: string;
    folderId: string | null; resourcePoolId: string | null; cpuCount: number; coresPerSocket: number;
    memoryMib: number; guestOs: string;
    /** 1 once the snapshot's expiry was set on its own (9.1 update): it may expire apart from its group snapshot. */
    ownExpiry: Generated<number>;
  };
  diskSnapshots: {
    snapshotId: string; diskKey: number; label: string; capacityBytes: number; blockSize: number;
    layerId: number; sequenceUuid: string; epoch: number; uri: string;
  };
  vmSnapshotLabels: { snapshotId: string; category: string; name: string };
  tasks: {
    id: string; kind: string; service: string; operation: string; description: string; status: string;
    cancelable: number; userName: string | null; targetType: string | null; targetId: string | null;
    clusterId: string | null; vmId: string | null; input: string | null; progressTotal: number;
    progressCompleted: number; progressMessage: string | null; result: string | null; error: string | null;
    createdAt: number; notBefore: number; startTime: number | null; endTime: number | null;
    owner: string | null; step: number;
  };
  users: { name: string; passwordHash: string; createdAt: number };
  roles: { id: string; name: string; privileges: string; system: number };
  permissions: { principal: string; entityId: string; roleId: string; propagate: number };
  sessions: { tokenHash: string; userName: string; createdAt: number; lastAccessedAt: number };
  instances: { id: string; hostname: string; pid: number; startedAt: number; heartbeatAt: number };
  protectionGroups: {
    id: string; clusterId: string; name: string; status: string; locked: number; targetEntities: string;
    policies: string; createdAt: number; scheduleAnchor: number;
    replication: string | null; clusterPairId: string | null;
  };
  replicationSent: { pgSnapshotId: string; vmId: string; pgId: string; snapshotId: string; takenAt: number; ackedAt: number };
  replicaChunks: {
    sourceSnapshotId: string; idx: number; count: number; baseSnapshotId: string | null; sourceSiteId: string; pgId: string;
    sourceVmId: string; pieces: string; receivedAt: number;
  };
  replicaRemovals: { pgId: string; siteId: string; requestedAt: number };
  replicaVms: { id: string; pgId: string; sourceSiteId: string; sourceVmId: string; name: string; createdAt: number };
  replicaDisks: { replicaVmId: string; diskKey: number; label: string; capacityBytes: number; blockSize: number; headLayerId: number };
  replicaSnapshots: {
    id: string; replicaVmId: string; sourceSnapshotId: string; sourcePgSnapshotId: string; name: string;
    takenAt: number; receivedAt: number; disks: string;
  };
  pgGenerations: { pgId: string; generation: number };
  replicaVmConfigs: { replicaVmId: string; cpuCount: number; coresPerSocket: number; memoryMib: number; guestOs: string };
  policyRuns: { pgId: string; policy: string; lastRun: number };
  pgSnapshots: {
    id: string; pgId: string; clusterId: string; name: string; type: string; startTime: number;
    endTime: number; expiresAt: number | null; policy: string | null;
  };
  snapshotHistory: {
    id: string; kind: string; clusterId: string; pgId: string | null; pgName: string | null;
    pgSnapshotId: string | null; vmId: string | null; vmName: string | null; snapshotId: string | null;
    name: string; type: string; status: string; startedAt: number; expiresAt: number | null; reasons: string;
  };
  tagCategories: {
    id: string; name: string; description: string; cardinality: string; associableTypes: string; usedBy: string; createdAt: number;
  };
  tags: { id: string; categoryId: string; name: string; description: string; usedBy: string; createdAt: number };
  tagAttachments: { tagId: string; objectType: string; objectId: string; createdAt: number };
  sites: {
    id: string; name: string; url: string; certificate: string; vcenterId: string; release: string;
    remoteUser: string; remotePassword: string; localUser: string; createdAt: number; updatedAt: number;
  };
  clusterPairs: {
    id: string; localClusterId: string; localClusterName: string; peerSiteId: string; peerClusterId: string;
    peerClusterName: string; createdAt: number;
  };
  datastores: {
    id: string; name: string; type: string; clusterId: string; datacenterId: string; capacityBytes: number; createdAt: number;
  };
}
