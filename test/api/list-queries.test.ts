import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ROLE_READ_ONLY } from '../../src/domain/privileges.ts';
import { hashPassword } from '../../src/security/passwords.ts';
import { createCluster, createDatacenter, createHost, createVm } from '../../src/engine/inventory.ts';
import type { Repos } from '../../src/store/store.ts';
import { basic, makeApp, type TestApp } from '../helpers/app.ts';
import { countQueries } from '../helpers/query-count.ts';
import { ADMIN_URL, postgresAvailable } from '../store-contract/pg-harness.ts';

/**
 * Every list costs a constant number of queries, whatever the inventory's size: on
 * PostgreSQL each query is a round trip through a small pool, and a query per VM made
 * `GET /api/vcenter/vm` 4-6x slower there than on SQLite. The same lists are counted with 10
 * and with 400 VMs (and tasks), on both stores, as the administrator (permission at the root)
 * and as a reader whose ReadOnly permission is on the datacenter.
 */
const READER = 'reader@vsphere.local';
const pgUp = await postgresAvailable();
const counter = countQueries();
afterAll(() => counter.restore());

async function grow(t: TestApp, vms: number): Promise<{ cluster: string }> {
  const now = t.clock.now();
  const repos = t.runtime.deps.store.repos;
  let [cluster] = await repos.inventory.listClusters();
  await t.runtime.deps.store.transaction(async (tx: Repos) => {
    if (!cluster) {
      const { dc } = await createDatacenter(tx, 'DC', now);
      cluster = await createCluster(tx, { name: 'C', datacenterId: dc.id, drsEnabled: true, haEnabled: true }, now);
      await tx.users.insert({ name: READER, passwordHash: await hashPassword('Reader1!', 10), createdAt: now });
      await tx.permissions.upsert({ principal: READER, entityId: dc.id, roleId: ROLE_READ_ONLY.id, propagate: true });
    }
    const hosts = await tx.inventory.listHosts();
    const folder = (await tx.inventory.listFolders()).find((f) => f.type === 'VIRTUAL_MACHINE')!;
    for (let i = hosts.length; i < 4; i++) hosts.push(await createHost(tx, `esx-${i}`, cluster.id, now));
    const have = (await tx.vms.list()).length;
    for (let i = have; i < vms; i++) {
      const vm = await createVm(tx, {
        name: `vm-${i}`, clusterId: cluster.id, hostId: hosts[i % 4].id, folderId: folder.id, resourcePoolId: cluster.resourcePoolId,
        powerState: 'POWERED_OFF', cpuCount: 1, memoryMib: 1024, guestOs: 'OTHER_LINUX_64', disks: [],
      }, now);
      await tx.tasks.insert({
        id: randomUUID(), kind: 'vm.revert', service: 'com.vmware.snapservice.clusters.virtual_machines', operation: 'revert',
        description: { id: 'com.vmware.snapservice.vm.revert', defaultMessage: 'Revert', args: [] }, status: 'SUCCEEDED', cancelable: false,
        user: 'administrator@vsphere.local', targetType: 'VirtualMachine', targetId: vm.id, clusterId: cluster.id, vmId: vm.id, input: {},
        progressTotal: 1, progressCompleted: 1, progressMessage: null, result: null, error: null,
        createdAt: now, notBefore: now, startTime: now, endTime: now, owner: null, step: 0,
      });
    }
  });
  return { cluster: cluster.id };
}

/**
 * Each measure starts from a cold read cache: an empty transaction's COMMIT drops SQLite's cached
 * rows, so a read made once per VM counts once per VM, as it would without the cache.
 */
async function costs(t: TestApp, cluster: string): Promise<Record<string, number>> {
  await t.runtime.deps.store.transaction(async () => {});
  const lists = [
    '/api/vcenter/vm', '/api/vcenter/host', '/api/vcenter/cluster', '/api/vcenter/folder', '/api/vcenter/resource-pool',
    '/api/vcenter/datacenter', `/api/snapservice/clusters/${cluster}/virtual-machines`, '/api/snapservice/tasks',
  ];
  const out: Record<string, number> = {};
  for (const [who, auth] of [['admin', basic('administrator@vsphere.local', 'VMware1!')], ['reader', basic(READER, 'Reader1!')]]) {
    for (const url of lists) {
      const { result, queries } = await counter.during(() => t.app.inject({ method: 'GET', url, headers: { authorization: auth } }));
      expect(result.statusCode, `${url}: ${result.payload.slice(0, 200)}`).toBe(200);
      out[`${who} GET ${url.replace(cluster, '{cluster}')}`] = queries;
    }
  }
  return out;
}

async function compare(t: TestApp) {
  const { cluster } = await grow(t, 10);
  await costs(t, cluster); // warms the caches (verified passwords, roles)
  const small = await costs(t, cluster);
  await grow(t, 400);
  const large = await costs(t, cluster);
  expect((await t.app.inject({ method: 'GET', url: '/api/vcenter/vm', headers: { authorization: basic(READER, 'Reader1!') } })).json()).toHaveLength(400);
  expect(large).toEqual(small);
  for (const n of Object.values(small)) expect(n).toBeLessThanOrEqual(8);
}

describe('list cost does not grow with the inventory', () => {
  it('on SQLite', async () => {
    const t = await makeApp({ seed: 'empty' });
    try {
      await compare(t);
    } finally {
      await t.close();
    }
  });

  it.skipIf(!pgUp)('on PostgreSQL', async () => {
    const db = `snapservice_lists_${randomBytes(4).toString('hex')}`;
    const admin = async (sql: string) => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(sql).finally(() => c.end());
    };
    await admin(`create database "${db}"`);
    const url = new URL(ADMIN_URL);
    url.pathname = `/${db}`;
    const t = await makeApp({ seed: 'empty', store: url.toString() });
    try {
      await compare(t);
    } finally {
      await t.close();
      await admin(`drop database if exists "${db}" with (force)`);
    }
  });
});
