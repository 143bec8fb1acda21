import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededCategoryId, seededTagId } from '../../src/seed/tags.ts';
import { ids, makeApp } from '../helpers/app.ts';
import { enc, tagging } from './tagging-helpers.ts';
import { expectOk } from './vcenter-helpers.ts';

function seedFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'seed-')), 'seed.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

const inventory = {
  datacenters: [{ name: 'DC', clusters: [{ name: 'C', hosts: ['h1'], vms: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] }] }],
};

describe('seeded tags', () => {
  it('categories, tags and attachments by inventory path, with the same URNs on every start; tag rules by name', async () => {
    const file = seedFile({
      ...inventory,
      tag_categories: [
        { name: 'Tier', cardinality: 'SINGLE', associable_types: ['VirtualMachine'], tags: [{ name: 'gold', description: 'best', attached_to: ['DC/C/a', 'DC/C/b'] }, { name: 'bronze' }] },
        { name: 'Site', tags: [{ name: 'lab', attached_to: ['DC', 'DC/C', 'DC/C/h1', 'DC/C/c'] }] },
      ],
      protection_groups: [{ cluster: 'DC/C', name: 'gold', tag_rules: [{ tags: ['Tier/gold', 'Site/lab'], operator: 'OR' }] }],
    });
    const [t, again] = [await makeApp({ seed: file }), await makeApp({ seed: file })];
    try {
      const T = tagging(t);
      const I = await ids(t);
      const gold = seededTagId('Tier', 'gold');
      expect(expectOk(await t.req({ method: 'GET', url: `/api/cis/tagging/tag/${enc(gold)}` }))).toEqual({ id: gold, category_id: seededCategoryId('Tier'), name: 'gold', description: 'best', used_by: [] });
      expect(expectOk(await t.req({ method: 'GET', url: '/api/cis/tagging/tag' })).sort()).toEqual(expect.arrayContaining([gold, seededTagId('Tier', 'bronze'), seededTagId('Site', 'lab')]));
      expect(expectOk(await again.req({ method: 'GET', url: `/api/cis/tagging/tag/${enc(gold)}` })).name).toBe('gold');
      expect(await T.tagsOf(I.vm('a'))).toEqual([gold]);
      const lab = expectOk(await T.post(`/api/cis/tagging/tag-association/${enc(seededTagId('Site', 'lab'))}?action=list-attached-objects`));
      expect(lab.map((o: { type: string }) => o.type).sort()).toEqual(['ClusterComputeResource', 'Datacenter', 'HostSystem', 'VirtualMachine']);
      const cluster = (await t.runtime.deps.store.repos.inventory.listClusters())[0].id;
      const [group] = expectOk(await t.req({ method: 'GET', url: `/api/snapservice/clusters/${cluster}/protection-groups` })).items;
      expect(group.info.vms).toEqual([I.vm('a'), I.vm('b'), I.vm('c')]);
      expect(group.info.target_entities.tag_rules).toEqual([{ tags: [gold, seededTagId('Site', 'lab')], operator: 'OR' }]);
    } finally {
      await t.close();
      await again.close();
    }
  });

  it('stops with a message naming the problem', async () => {
    const bad = (tag_categories: unknown, protection_groups: unknown[] = []) => makeApp({ seed: seedFile({ ...inventory, tag_categories, protection_groups }) });
    await expect(bad([{ name: 'X', tags: [{ name: 't', attached_to: ['DC/C/zz'] }] }])).rejects.toThrow(/no inventory object at 'DC\/C\/zz'/);
    await expect(bad([{ name: 'X', associable_types: ['HostSystem'], tags: [{ name: 't', attached_to: ['DC/C/a'] }] }])).rejects.toThrow(/cannot be attached to DC\/C\/a/);
    await expect(bad([{ name: 'X', cardinality: 'SINGLE', tags: [{ name: 't', attached_to: ['DC/C/a'] }, { name: 'u', attached_to: ['DC/C/a'] }] }])).rejects.toThrow(/two tags of the SINGLE category/);
    await expect(bad([{ name: 'X' }, { name: 'X' }])).rejects.toThrow(/'X' appears twice/);
    await expect(bad([{ name: 'X', tags: [{ name: 't' }, { name: 't' }] }])).rejects.toThrow(/'X\/t' appears twice/);
    await expect(bad([{ name: 'X', cardinality: 'FEW' }])).rejects.toThrow(/invalid seed/);
    await expect(bad([], [{ cluster: 'DC/C', name: 'g', tag_rules: [{ tags: ['X/none'], operator: 'OR' }] }])).rejects.toThrow(/no tag 'X\/none'/);
  });

  it('the demo: Workload and Environment tags, and ci-builds protecting what carries Workload/ci', async () => {
    const t = await makeApp({ seed: 'demo', taskDelayMs: 0, taskQueueMs: 0 });
    try {
      const I = await ids(t);
      const groups = expectOk(await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterB}/protection-groups` })).items;
      const ci = groups.find((g: any) => g.info.name === 'ci-builds');
      expect(ci.info.vms).toEqual([I.vm('build-01'), I.vm('build-02')]);
      expect(ci.info.snapshots).toHaveLength(2);
      const T = tagging(t);
      await T.attach(seededTagId('Workload', 'ci'), I.vm('jump-01'));
      expect(expectOk(await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterB}/protection-groups/${ci.pg}` })).vms).toContain(I.vm('jump-01'));
      expect(await T.tagsOf(I.vm('db-01'))).toEqual([seededTagId('Environment', 'production')]);
    } finally {
      await t.close();
    }
  });
});
