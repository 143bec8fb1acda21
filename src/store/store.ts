import type {
  Cluster, Datacenter, Disk, DiskSnapshot, Folder, Host, PgSnapshot, Permission, ProtectionGroup,
  ResourcePool, Role, Session, Task, TaskKind, TaskStatus, User, Vm, VmSnapshot,
} from '../domain/model.ts';
import type { AttemptKind, AttemptStatus, AttemptView, SnapshotAttempt } from '../domain/history.ts';
import type { Tag, TagAttachment, TagCategory } from '../domain/tags.ts';
import type { SnapshotLabel } from '../domain/labels.ts';
import type { ClusterPair, Datastore, Site } from '../domain/sites.ts';
import type { ReplicaVmConfig } from '../domain/dr.ts';
import type { ReplicaChunk, ReplicaDisk, ReplicaRemoval, ReplicaSnapshot, ReplicaVm, SentReplica } from '../domain/replication.ts';

/**
 * Persistence only: every rule about what may change lives in the services and the domain.
 * Each method is one statement or a few, so the same contract holds on every adapter.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Repositories outside a transaction: each call commits on its own. */
  readonly repos: Repos;
  /**
   * Runs `fn` in one transaction. On SQLite it holds the database write lock from the start
   * (BEGIN IMMEDIATE), so writers in other processes wait instead of failing midway.
   */
  transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T>;
  /**
   * Like `transaction`, but calls arriving together share one transaction (group commit):
   * each runs under its own savepoint, one after the other in arrival order, so it sees the
   * writes of those before it and its failure undoes its own writes only. Each resolves or
   * rejects once that transaction has committed. `fn` must not start another transaction.
   */
  batched<T>(fn: (tx: Repos) => Promise<T>): Promise<T>;
  /** Applies pending migrations (idempotent, safe with several processes). */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/** What an admission reads under the admission lock (TaskRepo.admissionState). */
export interface AdmissionState {
  busy: Pick<Task, 'id' | 'operation'> | undefined;
  active: number;
  /** Asked for by id: that snapshot's VM and name, undefined when there is no such snapshot. */
  snapshot?: { vmId: string; name: string };
}

export interface Repos {
  meta: MetaRepo;
  ids: IdRepo;
  locks: LockRepo;
  inventory: InventoryRepo;
  vms: VmRepo;
  disks: DiskRepo;
  layers: LayerRepo;
  snapshots: VmSnapshotRepo;
  labels: SnapshotLabelRepo;
  tasks: TaskRepo;
  users: UserRepo;
  roles: RoleRepo;
  permissions: PermissionRepo;
  sessions: SessionRepo;
  instances: InstanceRepo;
  groups: ProtectionGroupRepo;
  replication: ReplicationRepo;
  recovery: RecoveryRepo;
  groupSnapshots: PgSnapshotRepo;
  history: HistoryRepo;
  tags: TagRepo;
  sites: SiteRepo;
  clusterPairs: ClusterPairRepo;
  datastores: DatastoreRepo;
  /** Multi-row writes for large seeds. */
  bulk: BulkRepo;
}

export interface MetaRepo {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Rows a seed writes in bulk, in the domain's shapes. */
export interface SeedRows {
  vms: Vm[];
  layers: Array<{ id: number; parentId: number | null }>;
  disks: Disk[];
  blocks: Array<{ layerId: number; blockNo: number; data: Buffer }>;
  snapshots: VmSnapshot[];
  diskSnapshots: DiskSnapshot[];
  history: SnapshotAttempt[];
  /** Snapshot labels (few): written through the labels repository, after the rows. */
  labels: Array<{ snapshotId: string; label: SnapshotLabel }>;
}

export interface BulkRepo {
  /** The first of n consecutive values of the id counter, taken at once. */
  reserveIds(n: number): Promise<number>;
  /** The first of n consecutive layer ids no layer has, for rows inserted with explicit ids. */
  reserveLayers(n: number): Promise<number>;
  insert(rows: SeedRows): Promise<void>;
}

export interface IdRepo {
  /** Next value of the server-wide id counter; never returns a value twice. */
  next(): Promise<number>;
}

export interface LockRepo {
  /**
   * Takes the named lock until the enclosing transaction ends. Admission checks (caps, one
   * operation per VM) run under it so that they hold across processes.
   */
  acquire(name: 'admission' | 'scheduler' | 'gc'): Promise<void>;
}

export interface InventoryRepo {
  insertDatacenter(dc: Datacenter): Promise<void>;
  getDatacenter(id: string): Promise<Datacenter | undefined>;
  listDatacenters(): Promise<Datacenter[]>;
  insertFolder(f: Folder): Promise<void>;
  getFolder(id: string): Promise<Folder | undefined>;
  listFolders(): Promise<Folder[]>;
  insertCluster(c: Cluster): Promise<void>;
  getCluster(id: string): Promise<Cluster | undefined>;
  listClusters(): Promise<Cluster[]>;
  insertHost(h: Host): Promise<void>;
  getHost(id: string): Promise<Host | undefined>;
  listHosts(): Promise<Host[]>;
  insertResourcePool(rp: ResourcePool): Promise<void>;
  getResourcePool(id: string): Promise<ResourcePool | undefined>;
  listResourcePools(): Promise<ResourcePool[]>;
}

export interface VmFilter {
  ids?: string[];
  names?: string[];
  clusterIds?: string[];
  hostIds?: string[];
  powerStates?: string[];
  /** Include VMs that were deleted (default false). */
  includeDeleted?: boolean;
}

export interface VmRepo {
  insert(vm: Vm): Promise<void>;
  get(id: string): Promise<Vm | undefined>;
  /** Ordered by creation time, then id. */
  list(filter?: VmFilter): Promise<Vm[]>;
  update(id: string, patch: Partial<Omit<Vm, 'id'>>): Promise<void>;
}

export interface DiskRepo {
  insert(disk: Disk): Promise<void>;
  get(vmId: string, diskKey: number): Promise<Disk | undefined>;
  /** Ordered by disk key. */
  listForVm(vmId: string): Promise<Disk[]>;
  update(vmId: string, diskKey: number, patch: Partial<Pick<Disk, 'headLayerId' | 'sequenceUuid' | 'epoch'>>): Promise<void>;
  deleteForVm(vmId: string): Promise<void>;
}

export interface BlockEntry {
  blockNo: number;
  data: Buffer;
}

/**
 * Copy-on-write block layers. A layer holds the blocks written while it was on top; a disk's
 * content is its head layer over the chain of parents (nearest wins). Layer ids only grow, so
 * a child's id is always greater than its parent's.
 */
export interface LayerRepo {
  create(parentId: number | null): Promise<number>;
  parentOf(id: number): Promise<number | null | undefined>;
  /** The layer and its ancestors, nearest first. */
  chain(id: number): Promise<number[]>;
  writeBlock(layerId: number, blockNo: number, data: Buffer): Promise<void>;
  /** The block as seen through `chain` (nearest layer wins); undefined if never written. */
  readBlock(chain: number[], blockNo: number): Promise<Buffer | undefined>;
  /** Every written block visible through `chain`, in block order. */
  blocks(chain: number[]): Promise<BlockEntry[]>;
  /** Number of distinct block numbers written in the given layers. */
  countBlocks(layerIds: number[]): Promise<number>;
  /**
   * Distinct block numbers written in the layers of one chain and not the other (from `a` and
   * from `b`): the blocks whose content may differ between the two. One statement.
   */
  changedBetween(a: number, b: number): Promise<number>;
  /** Who still needs this layer. */
  references(id: number): Promise<{ heads: number; snapshots: number; children: number[] }>;
  /** Deletes the layer and its blocks (caller checked it is unreferenced). */
  delete(id: number): Promise<void>;
  /**
   * Folds layer `id` into its only child: blocks the child lacks move down into it, the
   * child takes `id`'s parent, and `id` is deleted.
   */
  mergeIntoChild(id: number, childId: number): Promise<void>;
  /** Total layers and stored blocks (for stats and tests). */
  stats(): Promise<{ layers: number; blocks: number; bytes: number }>;
}

export interface SnapshotFilter {
  vmId?: string;
  clusterId?: string;
  pgId?: string;
  pgSnapshotId?: string;
  ids?: string[];
  names?: string[];
  type?: string;
  createdAfter?: number;
  createdBefore?: number;
  expiresAfter?: number;
  expiresBefore?: number;
}

export interface SnapshotStats {
  count: number;
  oldest: number;
  latest: number;
}

export interface VmSnapshotRepo {
  insert(snapshot: VmSnapshot, disks: DiskSnapshot[]): Promise<void>;
  get(id: string): Promise<VmSnapshot | undefined>;
  /** Ordered by creation time, then id. */
  list(filter: SnapshotFilter): Promise<VmSnapshot[]>;
  disks(snapshotId: string): Promise<DiskSnapshot[]>;
  disksOf(snapshotIds: string[]): Promise<Map<string, DiskSnapshot[]>>;
  /** Per VM with snapshots in the cluster: count, oldest and latest creation time. */
  statsByVm(clusterId: string): Promise<Map<string, SnapshotStats>>;
  countForVm(vmId: string): Promise<number>;
  /** Snapshots whose expiry has passed, oldest first. */
  expired(now: number, limit: number): Promise<VmSnapshot[]>;
  /**
   * Expired snapshots that expire on their own: not in a PG snapshot, or given an expiry
   * before their PG snapshot's (the others expire with it); none of the excluded groups'.
   */
  expiredStandalone(now: number, limit: number, excludeGroups?: string[]): Promise<VmSnapshot[]>;
  /** Earliest expiry among the snapshots that expire on their own. */
  nextStandaloneExpiry(excludeGroups?: string[]): Promise<number | undefined>;
  delete(id: string): Promise<void>;
  /** Changes what a snapshot's retention or group membership says. */
  update(id: string, patch: Partial<Pick<VmSnapshot, 'expiresAt' | 'pgSnapshotId'>>): Promise<void>;
  /**
   * One page of snapshots across every cluster, by creation time then id, and how many match
   * in all: two statements whatever the page size or the number of snapshots.
   */
  page(q: SnapshotPageQuery): Promise<{ items: VmSnapshot[]; total: number }>;
}

export interface SnapshotPageQuery {
  /** Only snapshots of these VMs (undefined: any VM; empty: none). */
  vmIds?: string[];
  clusterIds?: string[];
  ids?: string[];
  createdAfter?: number;
  createdBefore?: number;
  /** Of each VM's matching snapshots only its `perVm` newest count. */
  perVm?: number;
  limit: number;
  offset: number;
}

/** Labels of VM snapshots; each (snapshot, category, name) at most once. */
export interface SnapshotLabelRepo {
  /** Labels of each asked snapshot, by category then name; every asked id answers. */
  of(snapshotIds: string[]): Promise<Map<string, SnapshotLabel[]>>;
  /** False when the snapshot already had the label. */
  add(snapshotId: string, label: SnapshotLabel): Promise<boolean>;
  /** False when the snapshot did not have the label. */
  remove(snapshotId: string, label: SnapshotLabel): Promise<boolean>;
  /** Makes `names` the snapshot's labels of `category` (none when empty). */
  setCategory(snapshotId: string, category: string, names: string[]): Promise<void>;
  deleteForSnapshot(snapshotId: string): Promise<void>;
}

export interface TaskFilter {
  ids?: string[];
  kinds?: TaskKind[];
  operations?: string[];
  services?: string[];
  statuses?: TaskStatus[];
  users?: string[];
}

export interface TaskRepo {
  insert(task: Task): Promise<void>;
  get(id: string): Promise<Task | undefined>;
  /** Newest first; at most `limit` rows, after skipping `offset`. */
  list(filter: TaskFilter, limit: number, offset?: number): Promise<Task[]>;
  /** PENDING or RUNNING tasks of these kinds. */
  countActive(kinds: TaskKind[]): Promise<number>;
  /** How many stored tasks there are of each kind and status (pairs with none are absent). */
  countByKindAndStatus(): Promise<Array<{ kind: TaskKind; status: TaskStatus; count: number }>>;
  /** A PENDING or RUNNING task of these kinds on the VM, if any. */
  activeForVm(vmId: string, kinds: TaskKind[]): Promise<Task | undefined>;
  /**
   * activeForVm(vmId, vmKinds) (its id and operation) and countActive(capKinds) in one
   * statement: what an admission checks, one round instead of two. With `snapshotId`, that
   * snapshot's VM and name too (`snapshot` undefined: no such snapshot), in the same statement.
   */
  admissionState(vmId: string, vmKinds: TaskKind[], capKinds: TaskKind[], snapshotId?: string): Promise<AdmissionState>;
  /** A PENDING or RUNNING task of these kinds whose target is `targetId`, if any. */
  activeForTarget(targetId: string, kinds: TaskKind[]): Promise<Task | undefined>;
  /** Atomically moves the oldest due PENDING task to RUNNING under `owner`. */
  claimNext(owner: string, now: number): Promise<Task | undefined>;
  /** RUNNING tasks whose owner is not in `liveOwners`. */
  orphaned(liveOwners: string[]): Promise<Task[]>;
  /** Takes over a RUNNING task from a dead owner (compare-and-set on the owner). */
  takeOver(id: string, fromOwner: string | null, toOwner: string): Promise<boolean>;
  /** Applies `patch` if the task is still held by `owner` (null: no ownership check). */
  update(id: string, patch: Partial<Omit<Task, 'id'>>, owner: string | null): Promise<boolean>;
  /** Deletes finished tasks that ended before `time`. */
  purgeFinished(before: number): Promise<number>;
  /** Earliest notBefore among PENDING tasks (for the runner's next wake-up). */
  nextDue(): Promise<number | undefined>;
}

export interface UserRepo {
  insert(user: User): Promise<void>;
  get(name: string): Promise<User | undefined>;
  list(): Promise<User[]>;
  setPassword(name: string, passwordHash: string): Promise<void>;
  /** Removes the user and every permission granted to it. */
  delete(name: string): Promise<void>;
}

export interface RoleRepo {
  upsert(role: Role): Promise<void>;
  get(id: string): Promise<Role | undefined>;
  list(): Promise<Role[]>;
}

export interface PermissionRepo {
  upsert(p: Permission): Promise<void>;
  /** Permissions of `principal` on any of `entityIds`. */
  forPrincipal(principal: string, entityIds: string[]): Promise<Permission[]>;
  listForPrincipal(principal: string): Promise<Permission[]>;
}

export interface SessionRepo {
  insert(s: Session): Promise<void>;
  get(tokenHash: string): Promise<Session | undefined>;
  touch(tokenHash: string, at: number): Promise<void>;
  delete(tokenHash: string): Promise<void>;
  /** Removes sessions idle since before `idleBefore` or created before `createdBefore`. */
  purge(idleBefore: number, createdBefore: number): Promise<number>;
  /** Sessions `purge` with the same bounds would keep. */
  countLive(idleBefore: number, createdBefore: number): Promise<number>;
}

export interface Instance {
  id: string;
  hostname: string;
  pid: number;
  startedAt: number;
  heartbeatAt: number;
}

export interface InstanceRepo {
  register(i: Instance): Promise<void>;
  heartbeat(id: string, at: number): Promise<void>;
  list(): Promise<Instance[]>;
  remove(id: string): Promise<void>;
}

export interface GroupFilter {
  ids?: string[];
  names?: string[];
  statuses?: string[];
  /** Groups replicating over these cluster pairs. */
  clusterPairIds?: string[];
}

/** Replication state: what this site sent (protected side) and what it holds (recovery side). */
export interface ReplicationRepo {
  /** Records that the peer holds this member's snapshot (again: no effect). */
  ack(r: SentReplica): Promise<void>;
  /** Member VMs of a group snapshot the peer holds. */
  ackedVms(pgSnapshotId: string): Promise<string[]>;
  /** The latest snapshot of the VM in the group the peer holds. */
  lastAcked(pgId: string, vmId: string): Promise<SentReplica | undefined>;
  /** The latest acknowledged snapshot of the group, any member. */
  lastSync(pgId: string): Promise<SentReplica | undefined>;
  forgetGroup(pgId: string): Promise<void>;

  insertVm(vm: ReplicaVm): Promise<void>;
  getVm(sourceSiteId: string, sourceVmId: string): Promise<ReplicaVm | undefined>;
  listVms(pgId: string): Promise<ReplicaVm[]>;
  upsertDisk(d: ReplicaDisk): Promise<void>;
  disks(replicaVmId: string): Promise<ReplicaDisk[]>;
  insertSnapshot(s: ReplicaSnapshot): Promise<void>;
  snapshotBySource(sourceSnapshotId: string): Promise<ReplicaSnapshot | undefined>;
  /**
   * Oldest first; snapshots of one instant in the protected site's group snapshot order (by
   * group snapshot id), so that both sites agree which replica is the latest, the delta base.
   */
  listSnapshots(replicaVmId: string): Promise<ReplicaSnapshot[]>;
  deleteSnapshot(id: string): Promise<void>;
  /** The replica VM with its disks and snapshot records (the caller deletes their layers). */
  deleteVm(id: string): Promise<void>;

  /** Holds a chunk; the same chunk again changes nothing; chunks of another plan for the snapshot go. */
  putChunk(c: ReplicaChunk): Promise<void>;
  /** The held chunks of a source snapshot, by index; `withPieces` false leaves `pieces` empty. */
  chunks(sourceSnapshotId: string, withPieces: boolean): Promise<ReplicaChunk[]>;
  dropChunks(sourceSnapshotId: string): Promise<void>;
  dropGroupChunks(sourceSiteId: string, pgId: string): Promise<void>;

  /** Asks for the recovery site's replicas of a group to go (again: the first request stays). */
  requestRemoval(r: ReplicaRemoval): Promise<void>;
  /** Oldest first. */
  removals(): Promise<ReplicaRemoval[]>;
  removalDone(pgId: string): Promise<void>;
}

/** Disaster recovery's state: group generations and replica VMs' configuration. */
export interface RecoveryRepo {
  /** 0 for a group never promoted anywhere. */
  generation(pgId: string): Promise<number>;
  setGeneration(pgId: string, generation: number): Promise<void>;
  /** Sets or replaces a replica VM's configuration. */
  putVmConfig(c: ReplicaVmConfig): Promise<void>;
  vmConfig(replicaVmId: string): Promise<ReplicaVmConfig | undefined>;
  /** Forgets a replica VM: its disks, snapshots and configuration records (not their layers). */
  dropReplicaVm(replicaVmId: string): Promise<void>;
}

export interface ProtectionGroupRepo {
  insert(pg: ProtectionGroup): Promise<void>;
  get(id: string): Promise<ProtectionGroup | undefined>;
  /** Ordered by creation time, then id; all clusters when clusterId is undefined. */
  list(clusterId: string | undefined, filter?: GroupFilter): Promise<ProtectionGroup[]>;
  update(id: string, patch: Partial<Omit<ProtectionGroup, 'id' | 'clusterId'>>): Promise<void>;
  delete(id: string): Promise<void>;
  /** Last scheduled run per policy name. */
  lastRuns(pgId: string): Promise<Map<string, number>>;
  setLastRun(pgId: string, policy: string, at: number): Promise<void>;
}

export interface PgSnapshotFilter {
  ids?: string[];
  names?: string[];
  createdAfter?: number;
  createdBefore?: number;
  expiresAfter?: number;
  expiresBefore?: number;
}

export interface PgSnapshotRepo {
  insert(s: PgSnapshot): Promise<void>;
  get(id: string): Promise<PgSnapshot | undefined>;
  /** Ordered by start time, then id. */
  list(pgId: string, filter?: PgSnapshotFilter): Promise<PgSnapshot[]>;
  delete(id: string): Promise<void>;
  /** Snapshots whose expiry has passed, oldest first, except those of the excluded groups. */
  expired(now: number, limit: number, excludeGroups?: string[]): Promise<PgSnapshot[]>;
  /** Earliest expiry, except snapshots of the excluded groups (paused ones). */
  nextExpiry(excludeGroups?: string[]): Promise<number | undefined>;
}

/** Which attempts of one cluster a report reads: one kind, started within [from, to]. */
export interface HistoryFilter {
  clusterId: string;
  kind: AttemptKind;
  from: number;
  to: number;
  pgIds?: string[];
  vmIds?: string[];
  /** Only attempts made for a protection group (VM reports: pg is required there). */
  inGroup?: boolean;
}

export interface StatusCount {
  /** The group or VM id, or the slice index, the count is for. */
  key: string | number;
  status: AttemptStatus;
  count: number;
}

/** The name an id last had in a cluster's history. */
export interface HistoryName {
  id: string;
  name: string;
}

export interface HistoryRepo {
  /** Inserts attempts in as few statements as the driver allows. */
  insert(attempts: SnapshotAttempt[]): Promise<void>;
  /** Matching attempts by start time, then id; `total` counts them all. */
  page(f: HistoryFilter, limit: number, offset: number): Promise<{ items: AttemptView[]; total: number }>;
  /** Counts per status, by group (`pg`), VM (`vm`) or slice of `sliceMs` from `f.from` (the raw index). */
  countByStatus(f: HistoryFilter, by: 'pg' | 'vm' | { sliceMs: number }): Promise<StatusCount[]>;
  /** Groups (`PG`) or VMs (`VM`) with attempts in the cluster since `from`, each with its latest recorded name. */
  names(clusterId: string, kind: AttemptKind, from: number): Promise<HistoryName[]>;
  /** Start of the oldest attempt kept (when the next purge falls due). */
  oldest(): Promise<number | undefined>;
  /** Deletes attempts started before `before`. */
  purge(before: number): Promise<number>;
}

/** vCenter tagging. Lists are in creation order, then id. */
export interface TagRepo {
  insertCategory(c: TagCategory): Promise<void>;
  getCategory(id: string): Promise<TagCategory | undefined>;
  getCategoryByName(name: string): Promise<TagCategory | undefined>;
  listCategories(): Promise<TagCategory[]>;
  updateCategory(id: string, patch: Partial<Omit<TagCategory, 'id' | 'createdAt'>>): Promise<void>;
  /** Deletes the category, its tags and their attachments. */
  deleteCategory(id: string): Promise<void>;
  insertTag(t: Tag): Promise<void>;
  getTag(id: string): Promise<Tag | undefined>;
  /** Every tag, or those of one category. */
  listTags(categoryId?: string): Promise<Tag[]>;
  /** The tags among `ids` that exist (any order). */
  getTags(ids: string[]): Promise<Tag[]>;
  updateTag(id: string, patch: Partial<Pick<Tag, 'name' | 'description' | 'usedBy'>>): Promise<void>;
  /** Deletes the tag and its attachments. */
  deleteTag(id: string): Promise<void>;
  /** False when the tag was attached to the object already. */
  attach(a: TagAttachment): Promise<boolean>;
  /** False when the tag was not attached to the object. */
  detach(tagId: string, objectType: string, objectId: string): Promise<boolean>;
  /** Attachments to these objects of this type, in attachment order. */
  ofObjects(objectType: string, objectIds: string[]): Promise<TagAttachment[]>;
  /** Attachments of these tags, in attachment order. */
  ofTags(tagIds: string[]): Promise<TagAttachment[]>;
}

export interface SiteRepo {
  insert(site: Site): Promise<void>;
  get(id: string): Promise<Site | undefined>;
  /** Ordered by creation time, then id. */
  list(): Promise<Site[]>;
  /** The site whose service user (the one this server made for it) is `user`. */
  byLocalUser(user: string): Promise<Site | undefined>;
  update(id: string, patch: Partial<Omit<Site, 'id' | 'createdAt'>>): Promise<void>;
  delete(id: string): Promise<void>;
}

export interface ClusterPairFilter {
  ids?: string[];
  localClusterIds?: string[];
  peerSiteIds?: string[];
  peerClusterIds?: string[];
}

export interface ClusterPairRepo {
  insert(pair: ClusterPair): Promise<void>;
  get(id: string): Promise<ClusterPair | undefined>;
  /** Ordered by creation time, then id. */
  list(filter?: ClusterPairFilter): Promise<ClusterPair[]>;
  delete(id: string): Promise<void>;
}

export interface DatastoreRepo {
  /** Stores a new datastore under the next id of its own counter (`datastore-N`). */
  create(ds: Omit<Datastore, 'id'>): Promise<Datastore>;
  get(id: string): Promise<Datastore | undefined>;
  /** Ordered by creation time, then id; all clusters when clusterIds is undefined. */
  list(filter?: { ids?: string[]; clusterIds?: string[] }): Promise<Datastore[]>;
  /** Bytes of disk capacity of the live VMs in each cluster (a datastore's used space). */
  usedByCluster(clusterIds: string[]): Promise<Map<string, number>>;
}
