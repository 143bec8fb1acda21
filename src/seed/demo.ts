import type { Seed, SeedVmSpec } from './format.ts';

/** Passwords of the demo users (README lists them). The admin's comes from --admin-password. */
export const DEMO_PASSWORDS = {
  'readonly@vsphere.local': 'ReadOnly1!',
  'operator@vsphere.local': 'Operator1!',
} as const;

const DAY = 24 * 60;

/** Labels (9.1) on some demo snapshots, by VM and snapshot name. */
const DEMO_LABELS: Record<string, Record<string, Array<{ category: string; name: string }>>> = {
  'web-01': { 'daily-2': [{ category: 'environment', name: 'production' }, { category: 'change', name: 'CHG-1042' }] },
  'db-01': { 'daily-1': [{ category: 'retention', name: 'legal-hold' }] },
  'build-01': { 'daily-2': [{ category: 'environment', name: 'ci' }] },
};

/** A VM with two disks, two snapshots a day apart, and guest data that differs at each point. */
function demoVm(name: string, on: boolean, cpu: number, memoryMib: number, guestOs: string): SeedVmSpec {
  const labels = (snapshot: string) => {
    const l = DEMO_LABELS[name]?.[snapshot];
    return l ? { labels: l } : {};
  };
  const line = (disk: number, v: string) => `${name} disk ${disk} ${v}\n`;
  return {
    name,
    power_state: on ? 'POWERED_ON' : 'POWERED_OFF',
    cpu,
    memory_mib: memoryMib,
    guest_os: guestOs,
    disks: [{ capacity_mib: 256, label: 'Hard disk 1' }, { capacity_mib: 128, label: 'Hard disk 2' }],
    history: [
      { write: { disk: 2000, block: 0, text: line(2000, 'boot sector, installed') } },
      { write: { disk: 2000, block: 1, text: line(2000, 'os image v1') } },
      { write: { disk: 2001, block: 0, text: line(2001, 'data v1') } },
      { snapshot: { name: 'daily-1', age_minutes: 2 * DAY, ...labels('daily-1') } },
      { write: { disk: 2000, block: 1, text: line(2000, 'os image v2 (patched)') } },
      { write: { disk: 2001, block: 0, text: line(2001, 'data v2') } },
      { write: { disk: 2001, block: 7, text: line(2001, 'new table') } },
      { snapshot: { name: 'daily-2', age_minutes: DAY, ...labels('daily-2') } },
      { write: { disk: 2001, block: 0, text: line(2001, 'data v3 (today)') } },
      { write: { disk: 2001, block: 9, text: line(2001, 'log entries since daily-2') } },
    ],
  };
}

/**
 * The demo's protection groups, with history: a pattern group taking hourly and daily
 * snapshots for three days, a locked group, a tag-rule group, and a paused one.
 */
export const DEMO_GROUPS: NonNullable<Seed['protection_groups']> = [
  {
    cluster: 'Datacenter/Cluster-A', name: 'web-tier', vm_name_patterns: ['web-*'], created_minutes_ago: 3 * DAY,
    policies: [
      { name: 'hourly', schedule: { unit: 'HOUR', interval: 1 }, retention: { unit: 'HOUR', duration: 6 } },
      { name: 'daily', schedule: { unit: 'DAY', interval: 1 }, retention: { unit: 'WEEK', duration: 1 } },
    ],
  },
  {
    cluster: 'Datacenter/Cluster-A', name: 'databases', vms: ['db-01', 'db-02'], locked: true, created_minutes_ago: DAY,
    policies: [{ name: 'every-4h', schedule: { unit: 'HOUR', interval: 4 }, retention: { unit: 'DAY', duration: 1 } }],
  },
  {
    cluster: 'Datacenter/Cluster-B', name: 'ci-builds', tag_rules: [{ tags: ['Workload/ci'], operator: 'OR' }], created_minutes_ago: 2 * DAY,
    policies: [{ name: 'nightly', schedule: { unit: 'DAY', interval: 1 }, retention: { unit: 'DAY', duration: 3 } }],
  },
  {
    cluster: 'Datacenter/Cluster-B', name: 'analytics', vm_name_patterns: ['analytics-*'], created_minutes_ago: 5 * DAY, paused_minutes_ago: 2 * DAY,
    policies: [{ name: 'daily', schedule: { unit: 'DAY', interval: 1 }, retention: { unit: 'DAY', duration: 14 } }],
  },
];

/**
 * The demo's vCenter tags: what a workload is (on VMs only) and which environment an object
 * belongs to (one per object). `ci-builds` protects what carries Workload/ci.
 */
export const DEMO_TAGS: NonNullable<Seed['tag_categories']> = [
  {
    name: 'Workload', description: 'What the virtual machine does', cardinality: 'MULTIPLE', associable_types: ['VirtualMachine'],
    tags: [
      { name: 'ci', description: 'Continuous integration', attached_to: ['Datacenter/Cluster-B/build-01', 'Datacenter/Cluster-B/build-02'] },
      { name: 'batch', description: 'Batch jobs', attached_to: ['Datacenter/Cluster-B/analytics-01', 'Datacenter/Cluster-B/backup-01'] },
    ],
  },
  {
    name: 'Environment', description: 'Where an object serves', cardinality: 'SINGLE',
    tags: [
      { name: 'production', attached_to: ['Datacenter/Cluster-A', 'Datacenter/Cluster-A/db-01', 'Datacenter/Cluster-A/db-02'] },
      { name: 'test', attached_to: ['Datacenter/Cluster-B/test-01', 'Datacenter/Cluster-B/test-02'] },
    ],
  },
];

/**
 * 2 clusters of 3 hosts, 16 VMs (6 powered on), 3 users, 2 tag categories with 4 tags, 4 protection groups. Same ids on
 * every fresh start. `demo-inventory` is the same without the protection groups (tags included).
 */
export function demoSeed(opts: { groups?: boolean } = {}): Seed {
  const a = [
    demoVm('web-01', true, 2, 4096, 'UBUNTU_64'),
    demoVm('web-02', true, 2, 4096, 'UBUNTU_64'),
    demoVm('web-03', false, 2, 4096, 'UBUNTU_64'),
    demoVm('db-01', true, 4, 16384, 'RHEL_9_64'),
    demoVm('db-02', false, 4, 16384, 'RHEL_9_64'),
    demoVm('app-01', true, 2, 8192, 'WINDOWS_SERVER_2021'),
    demoVm('app-02', false, 2, 8192, 'WINDOWS_SERVER_2021'),
    demoVm('cache-01', false, 1, 2048, 'DEBIAN_12_64'),
  ];
  const b = [
    demoVm('analytics-01', true, 8, 32768, 'RHEL_9_64'),
    demoVm('analytics-02', false, 8, 32768, 'RHEL_9_64'),
    demoVm('build-01', true, 4, 8192, 'UBUNTU_64'),
    demoVm('build-02', false, 4, 8192, 'UBUNTU_64'),
    demoVm('test-01', false, 2, 4096, 'DEBIAN_12_64'),
    demoVm('test-02', false, 2, 4096, 'DEBIAN_12_64'),
    demoVm('backup-01', false, 2, 4096, 'DEBIAN_12_64'),
    demoVm('jump-01', false, 1, 2048, 'WINDOWS_SERVER_2021'),
  ];
  return {
    datacenters: [{
      name: 'Datacenter',
      clusters: [
        { name: 'Cluster-A', hosts: ['esxi-a-01.lab.local', 'esxi-a-02.lab.local', 'esxi-a-03.lab.local'], resource_pools: ['Production'], vms: a },
        { name: 'Cluster-B', hosts: ['esxi-b-01.lab.local', 'esxi-b-02.lab.local', 'esxi-b-03.lab.local'], vms: b },
      ],
    }],
    roles: [{
      name: 'SnapshotOperator',
      privileges: ['System.Anonymous', 'System.View', 'System.Read', 'Host.Config.Storage', 'VirtualMachine.State.RevertToSnapshot', 'VirtualMachine.Interact.PowerOff'],
    }],
    tag_categories: DEMO_TAGS,
    protection_groups: opts.groups === false ? [] : DEMO_GROUPS,
    users: [
      { name: 'readonly@vsphere.local', password: DEMO_PASSWORDS['readonly@vsphere.local'], permissions: [{ role: 'ReadOnly', on: '/', propagate: true }] },
      {
        name: 'operator@vsphere.local',
        password: DEMO_PASSWORDS['operator@vsphere.local'],
        permissions: [
          { role: 'SnapshotOperator', on: 'Datacenter/Cluster-A', propagate: true },
          { role: 'ReadOnly', on: 'Datacenter', propagate: false },
        ],
      },
    ],
  };
}
