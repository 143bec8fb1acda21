import { afterAll, describe, expect, it } from 'vitest';
import { createVm } from '../../src/engine/inventory.ts';
import { makeApp, type TestApp } from '../helpers/app.ts';
import { countQueries } from '../helpers/query-count.ts';
import { enc, tagging } from './tagging-helpers.ts';
import { expectOk } from './vcenter-helpers.ts';

/**
 * Tag reads and tag-rule membership cost a constant number of queries whatever the number of
 * tagged VMs: the same requests are counted with 10 and with 200 tagged VMs in the cluster.
 */
const counter = countQueries();
afterAll(() => counter.restore());

async function grow(t: TestApp, tag: string, total: number): Promise<void> {
  const repos = t.runtime.deps.store.repos;
  const [cluster] = await repos.inventory.listClusters();
  const hosts = (await repos.inventory.listHosts()).filter((h) => h.clusterId === cluster.id);
  const folder = (await repos.inventory.listFolders()).find((f) => f.type === 'VIRTUAL_MACHINE')!;
  const now = t.clock.now();
  await t.runtime.deps.store.transaction(async (tx) => {
    const have = (await tx.tags.ofTags([tag])).length;
    for (let i = have; i < total; i++) {
      const vm = await createVm(tx, {
        name: `tagged-${i}`, clusterId: cluster.id, hostId: hosts[i % hosts.length].id, folderId: folder.id, resourcePoolId: cluster.resourcePoolId,
        powerState: 'POWERED_OFF', cpuCount: 1, memoryMib: 1024, guestOs: 'OTHER_LINUX_64', disks: [],
      }, now);
      await tx.tags.attach({ tagId: tag, objectType: 'VirtualMachine', objectId: vm.id, createdAt: now });
    }
  });
}

describe('tag reads and tag-rule membership', () => {
  it('cost the same with 10 and with 200 tagged VMs', async () => {
    const t = await makeApp({ taskDelayMs: 0, taskQueueMs: 0 });
    try {
      const T = tagging(t);
      const tag = await T.tag(await T.category('bulk'), 'all');
      const [cluster] = await t.runtime.deps.store.repos.inventory.listClusters();
      const created = expectOk(await t.req({ method: 'POST', url: `/api/snapservice/clusters/${cluster.id}/protection-groups?vmw-task=true`, payload: { name: 'bulk', target_entities: { tag_rules: [{ tags: [tag], operator: 'OR' }] } } }), 202);
      await t.advance(0);
      const pg = expectOk(await t.req({ method: 'GET', url: `/api/snapservice/tasks/${created}` })).result;
      const requests = [
        { method: 'POST' as const, url: `/api/cis/tagging/tag-association/${enc(tag)}?action=list-attached-objects` },
        { method: 'GET' as const, url: `/api/snapservice/clusters/${cluster.id}/protection-groups/${pg}` },
        { method: 'GET' as const, url: `/api/snapservice/clusters/${cluster.id}/virtual-machines` },
        { method: 'POST' as const, url: '/api/snapservice/protection-groups?action=compute-members', payload: { protection_group: pg, update_spec: {} } },
      ];
      const costs = async () => {
        const out: Record<string, number> = {};
        for (const r of requests) {
          const { result, queries } = await counter.during(() => t.req({ ...r, as: 'readonly' }));
          expect(result.statusCode, result.body.slice(0, 200)).toBe(200);
          out[`${r.method} ${r.url}`] = queries;
        }
        return out;
      };
      await grow(t, tag, 10);
      await costs();
      const small = await costs();
      await grow(t, tag, 200);
      const large = await costs();
      expect(expectOk(await t.req({ method: 'GET', url: `/api/snapservice/clusters/${cluster.id}/protection-groups/${pg}` })).vms.length).toBe(200);
      expect(large).toEqual(small);
    } finally {
      await t.close();
    }
  });
});
