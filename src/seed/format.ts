import { Type, type Static } from '@sinclair/typebox';

/**
 * The seed file format (documented in docs/seed-format.md). Names, not ids: ids are assigned
 * from the server's counter in file order, so the same file always gives the same ids.
 */
const Write = Type.Object({
  disk: Type.Integer({ minimum: 2000 }),
  block: Type.Integer({ minimum: 0 }),
  /** Block content as UTF-8 text (zero-padded) ... */
  text: Type.Optional(Type.String()),
  /** ... or as base64. */
  base64: Type.Optional(Type.String()),
}, { additionalProperties: false });

const HistoryStep = Type.Union([
  Type.Object({ write: Write }, { additionalProperties: false }),
  Type.Object({
    snapshot: Type.Object({
      name: Type.String({ minLength: 1 }),
      /** How long before seeding the snapshot was taken. */
      age_minutes: Type.Optional(Type.Integer({ minimum: 0 })),
      /** Expiry relative to seeding time; absent = never expires. */
      expires_in_minutes: Type.Optional(Type.Integer({ minimum: 0 })),
      /** Snapshot labels (shown from release 9.1). */
      labels: Type.Optional(Type.Array(Type.Object({ category: Type.String(), name: Type.String() }, { additionalProperties: false }))),
    }, { additionalProperties: false }),
  }, { additionalProperties: false }),
]);

export const SeedVm = Type.Object({
  name: Type.String({ minLength: 1 }),
  power_state: Type.Optional(Type.Union([Type.Literal('POWERED_ON'), Type.Literal('POWERED_OFF'), Type.Literal('SUSPENDED')])),
  cpu: Type.Optional(Type.Integer({ minimum: 1 })),
  memory_mib: Type.Optional(Type.Integer({ minimum: 4 })),
  guest_os: Type.Optional(Type.String()),
  /** Host name within the cluster; default: hosts in turn. */
  host: Type.Optional(Type.String()),
  folder: Type.Optional(Type.String()),
  resource_pool: Type.Optional(Type.String()),
  disks: Type.Optional(Type.Array(Type.Object({
    capacity_mib: Type.Integer({ minimum: 1 }),
    block_size: Type.Optional(Type.Integer({ minimum: 512, maximum: 1048576 })),
    label: Type.Optional(Type.String()),
  }, { additionalProperties: false }))),
  /** Guest writes and snapshots, applied in order. */
  history: Type.Optional(Type.Array(HistoryStep)),
}, { additionalProperties: false });

const SeedCluster = Type.Object({
  name: Type.String({ minLength: 1 }),
  drs: Type.Optional(Type.Boolean()),
  ha: Type.Optional(Type.Boolean()),
  hosts: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  resource_pools: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  vms: Type.Optional(Type.Array(SeedVm)),
}, { additionalProperties: false });

const SeedDatacenter = Type.Object({
  name: Type.String({ minLength: 1 }),
  folders: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  clusters: Type.Optional(Type.Array(SeedCluster)),
}, { additionalProperties: false });

const SeedRole = Type.Object({
  name: Type.String({ minLength: 1 }),
  privileges: Type.Array(Type.String()),
}, { additionalProperties: false });

const SeedUser = Type.Object({
  name: Type.String({ minLength: 3 }),
  password: Type.String({ minLength: 1 }),
  permissions: Type.Optional(Type.Array(Type.Object({
    role: Type.String(),
    /** Inventory path: '/', 'Datacenter', 'Datacenter/Cluster', 'Datacenter/Cluster/vm-name'. */
    on: Type.String(),
    propagate: Type.Optional(Type.Boolean()),
  }, { additionalProperties: false }))),
}, { additionalProperties: false });

const SeedTagCategory = Type.Object({
  name: Type.String({ minLength: 1 }),
  description: Type.Optional(Type.String()),
  cardinality: Type.Optional(Type.Union([Type.Literal('SINGLE'), Type.Literal('MULTIPLE')])),
  /** vCenter type names (VirtualMachine, HostSystem, ...); absent or empty: any type. */
  associable_types: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  tags: Type.Optional(Type.Array(Type.Object({
    name: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    /** Inventory paths, as permissions name them: 'DC', 'DC/Cluster', 'DC/Cluster/vm-name'. */
    attached_to: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  }, { additionalProperties: false }))),
}, { additionalProperties: false });

const Unit = Type.Union(['MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'YEAR'].map((u) => Type.Literal(u)));

const SeedGroup = Type.Object({
  /** Inventory path of the cluster: 'Datacenter/Cluster'. */
  cluster: Type.String({ minLength: 1 }),
  name: Type.String({ minLength: 1 }),
  vm_name_patterns: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  /** VM names in the cluster. */
  vms: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  /** Tags as 'Category/tag' names. */
  tag_rules: Type.Optional(Type.Array(Type.Object({
    tags: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    operator: Type.Union([Type.Literal('AND'), Type.Literal('OR')]),
  }, { additionalProperties: false }))),
  locked: Type.Optional(Type.Boolean()),
  policies: Type.Optional(Type.Array(Type.Object({
    name: Type.String({ minLength: 1 }),
    schedule: Type.Object({ unit: Unit, interval: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
    retention: Type.Object({ unit: Unit, duration: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
  }, { additionalProperties: false }))),
  /** The group was created this long before seeding; its scheduled runs since then that have not expired exist. */
  created_minutes_ago: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Paused this long before seeding (no runs and no expiry since); absent = active. */
  paused_minutes_ago: Type.Optional(Type.Integer({ minimum: 0 })),
}, { additionalProperties: false });

export const SeedSchema = Type.Object({
  datacenters: Type.Optional(Type.Array(SeedDatacenter)),
  roles: Type.Optional(Type.Array(SeedRole)),
  users: Type.Optional(Type.Array(SeedUser)),
  /** vCenter tag categories, their tags and what they are attached to; applied after the inventory. */
  tag_categories: Type.Optional(Type.Array(SeedTagCategory)),
  /** Protection groups with their past scheduled snapshots; applied after the inventory. */
  protection_groups: Type.Optional(Type.Array(SeedGroup)),
  /**
   * Fault rules, loaded at every start (they live in memory, not in the store); their format
   * is the simulation API's (`com.vmware.snapservice.sim.faults.create_spec`), checked there.
   */
  faults: Type.Optional(Type.Array(Type.Unknown())),
  /** This site's VMware Live Recovery licence, as a paired site sees it; absent = operational. */
  license: Type.Optional(Type.Object({
    state: Type.Union(['ABSENT', 'OPERATIONAL', 'DEGRADED', 'EXPIRED'].map((s) => Type.Literal(s))),
    type: Type.Optional(Type.Union(['CLOUD_SUBSCRIPTION', 'OFFLINE_SUBSCRIPTION', 'TERM_BASED'].map((s) => Type.Literal(s)))),
    total: Type.Optional(Type.Integer({ minimum: 0 })),
    available: Type.Optional(Type.Integer({ minimum: 0 })),
  }, { additionalProperties: false })),
}, { additionalProperties: false });

export type Seed = Static<typeof SeedSchema>;
export type SeedVmSpec = Static<typeof SeedVm>;
export type SeedGroupSpec = Static<typeof SeedGroup>;
export type SeedTagCategorySpec = Static<typeof SeedTagCategory>;

/**
 * The line format (`.jsonl`/`.ndjson`): one record per line, in the order the objects are
 * made. A cluster belongs to the datacenter line before it, a VM to the cluster line before it;
 * the rest is applied after the inventory, as in the JSON format.
 */
export const SeedLine = Type.Union([
  Type.Object({ datacenter: Type.Omit(SeedDatacenter, ['clusters']) }, { additionalProperties: false }),
  Type.Object({ cluster: Type.Omit(SeedCluster, ['vms']) }, { additionalProperties: false }),
  Type.Object({ vm: SeedVm }, { additionalProperties: false }),
  Type.Object({ role: SeedRole }, { additionalProperties: false }),
  Type.Object({ user: SeedUser }, { additionalProperties: false }),
  Type.Object({ tag_category: SeedTagCategory }, { additionalProperties: false }),
  Type.Object({ protection_group: SeedGroup }, { additionalProperties: false }),
  Type.Object({ fault: Type.Unknown() }, { additionalProperties: false }),
]);
export type SeedLineRecord = Static<typeof SeedLine>;
export type SeedDatacenterHeader = Omit<Static<typeof SeedDatacenter>, 'clusters'>;
export type SeedClusterHeader = Omit<Static<typeof SeedCluster>, 'vms'>;
