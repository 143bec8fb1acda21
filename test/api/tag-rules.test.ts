import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';
import { enc, tagging } from './tagging-helpers.ts';
import { expectError, expectOk } from './vcenter-helpers.ts';

let t: TestApp;
let I: Awaited<ReturnType<typeof ids>>;
let T: ReturnType<typeof tagging>;
beforeEach(async () => {
  t = await makeApp({ taskDelayMs: 0, taskQueueMs: 0, limits: { minIntervalMinutes: 1 } });
  I = await ids(t);
  T = tagging(t);
});
afterEach(() => t.close());

const base = () => `/api/snapservice/clusters/${I.clusterA}/protection-groups`;
const byNumber = (xs: string[]) => [...xs].sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));

async function finished(taskId: string) {
  await t.advance(0);
  return expectOk(await t.req({ method: 'GET', url: `/api/snapservice/tasks/${taskId}` }));
}

async function create(spec: Record<string, unknown>): Promise<string> {
  const info = await finished(expectOk(await t.req({ method: 'POST', url: `${base()}?vmw-task=true`, payload: spec }), 202));
  expect(info.status, JSON.stringify(info)).toBe('SUCCEEDED');
  return info.result as string;
}

const members = async (pg: string): Promise<string[]> => expectOk(await t.req({ method: 'GET', url: `${base()}/${pg}` })).vms;

/** Two categories: tier (gold, silver) and env (prod), both usable on VMs. */
async function tags() {
  const tier = await T.category('tier');
  const env = await T.category('env', 'SINGLE', ['VirtualMachine']);
  return { tier, env, gold: await T.tag(tier, 'gold'), silver: await T.tag(tier, 'silver'), prod: await T.tag(env, 'prod') };
}

describe('tag_rules: membership follows tags', () => {
  it('an OR rule and an AND rule; attach, detach, tag delete and category delete move members at once', async () => {
    const g = await tags();
    await T.attach(g.gold, I.vm('web-01'));
    await T.attach(g.silver, I.vm('db-01'));
    await T.attach(g.gold, I.vm('app-01'));
    await T.attach(g.prod, I.vm('app-01'));
    // A VM in another cluster never joins a group of this one.
    await T.attach(g.gold, I.vm('build-01'));
    const or = await create({ name: 'tiered', target_entities: { tag_rules: [{ tags: [g.gold, g.silver], operator: 'OR' }] } });
    const and = await create({ name: 'gold-prod', target_entities: { tag_rules: [{ tags: [g.gold, g.prod], operator: 'AND' }] } });
    const info = expectOk(await t.req({ method: 'GET', url: `${base()}/${or}` }));
    expect(info.target_entities).toEqual({ tag_rules: [{ tags: [g.gold, g.silver], operator: 'OR' }] });
    expect(info.vms).toEqual(byNumber([I.vm('web-01'), I.vm('db-01'), I.vm('app-01')]));
    expect(await members(and)).toEqual([I.vm('app-01')]);

    await T.attach(g.prod, I.vm('web-01'));
    expect(await members(and)).toEqual(byNumber([I.vm('web-01'), I.vm('app-01')]));
    await T.detach(g.gold, I.vm('app-01'));
    expect(await members(and)).toEqual([I.vm('web-01')]);
    expect(await members(or)).toEqual(byNumber([I.vm('web-01'), I.vm('db-01')]));
    // The VM view and the group list filter see the same membership.
    const vmInfo = expectOk(await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${I.vm('web-01')}` }));
    expect(vmInfo.protection_groups.sort()).toEqual([or, and].sort());
    expect(expectOk(await t.req({ method: 'GET', url: `${base()}?vms=${I.vm('db-01')}` })).items.map((i: any) => i.pg)).toEqual([or]);

    expectOk(await t.req({ method: 'DELETE', url: `/api/cis/tagging/tag/${enc(g.silver)}` }), 204);
    expect(await members(or)).toEqual([I.vm('web-01')]);
    expectOk(await t.req({ method: 'DELETE', url: `/api/cis/tagging/category/${enc(g.env)}` }), 204);
    expect(await members(and)).toEqual([]);
    // The rules stay as written; the deleted tags just match nothing.
    expect(expectOk(await t.req({ method: 'GET', url: `${base()}/${and}` })).target_entities.tag_rules).toEqual([{ tags: [g.gold, g.prod], operator: 'AND' }]);
  });

  it('tag rules add to explicit VMs and name patterns; a snapshot covers every member at that moment', async () => {
    const g = await tags();
    await T.attach(g.gold, I.vm('cache-01'));
    const pg = await create({ name: 'mixed', target_entities: { vms: [I.vm('db-02')], vm_name_patterns: ['web-0[12]'], tag_rules: [{ tags: [g.gold], operator: 'AND' }] } });
    expect(await members(pg)).toEqual(byNumber([I.vm('web-01'), I.vm('web-02'), I.vm('db-02'), I.vm('cache-01')]));
    await T.attach(g.gold, I.vm('app-02'));
    const res = await t.req({ method: 'POST', url: `${base()}/${pg}/snapshots?vmw-task=true`, payload: { name: 'now' } });
    const info = await finished(expectOk(res, 202));
    expect(info.status, JSON.stringify(info)).toBe('SUCCEEDED');
    expect(info.result.total_vms).toBe(5);
    const snap = expectOk(await t.req({ method: 'GET', url: `${base()}/${pg}/snapshots/${info.result.snapshot}` }));
    expect(snap.vm_snapshots.map((v: any) => v.vm)).toContain(I.vm('app-02'));
  });

  it('update replaces the rules; the group list shows them', async () => {
    const g = await tags();
    await T.attach(g.silver, I.vm('db-01'));
    const pg = await create({ name: 'upd', target_entities: { vms: [I.vm('web-03')] } });
    const info = await finished(expectOk(await t.req({ method: 'PATCH', url: `${base()}/${pg}?vmw-task=true`, payload: { target_entities: { tag_rules: [{ tags: [g.silver], operator: 'OR' }] } } }), 202));
    expect(info.status, JSON.stringify(info)).toBe('SUCCEEDED');
    expect(await members(pg)).toEqual([I.vm('db-01')]);
  });

  it('refuses rules without tags, unknown tags, tags that cannot go on VMs, bad operators', async () => {
    const g = await tags();
    const hostOnly = await T.tag(await T.category('hw', 'MULTIPLE', ['HostSystem']), 'ssd');
    const post = (target_entities: unknown) => t.req({ method: 'POST', url: `${base()}?vmw-task=true`, payload: { name: 'bad', target_entities } });
    expectError(await post({ tag_rules: [] }), 'INVALID_ARGUMENT', 'spec.target_entities');
    expectError(await post({ tag_rules: [{ tags: [], operator: 'OR' }] }), 'INVALID_ARGUMENT', 'spec.target_entities.tag_rules[0].tags');
    expectError(await post({ tag_rules: [{ tags: [g.gold], operator: 'OR' }, { tags: [g.prod, 'urn:vmomi:InventoryServiceTag:gone:GLOBAL'], operator: 'AND' }] }), 'INVALID_ARGUMENT', 'spec.target_entities.tag_rules[1].tags[1]');
    expectError(await post({ tag_rules: [{ tags: [hostOnly], operator: 'OR' }] }), 'INVALID_ARGUMENT', 'cannot be attached to virtual machines');
    expectError(await post({ tag_rules: [{ tags: [g.gold], operator: 'XOR' }] }), 'INVALID_ARGUMENT', 'operator');
    expectError(await post({ tag_rules: [{ tags: [g.gold] }] }), 'INVALID_ARGUMENT', 'operator');
    expectError(await post({ tag_rules: [{ tags: [g.gold], operator: 'OR', weight: 1 }] }), 'INVALID_ARGUMENT', 'weight');
    expectError(await post({ tag_rules: { tags: [g.gold], operator: 'OR' } }), 'INVALID_ARGUMENT', 'tag_rules');
    const pg = await create({ name: 'ok', target_entities: { vms: [I.vm('web-01')] } });
    expectError(await t.req({ method: 'PATCH', url: `${base()}/${pg}?vmw-task=true`, payload: { target_entities: { tag_rules: [{ tags: ['nope'], operator: 'OR' }] } } }), 'INVALID_ARGUMENT', 'spec.target_entities.tag_rules[0].tags[0]');
  });
});

describe('release gating', () => {
  it('9.0 knows no tag_rules, no tagging-driven 9.1 operations; the tagging API itself is vCenter\'s', async () => {
    const t90 = await makeApp({ release: '9.0', taskDelayMs: 0, taskQueueMs: 0 });
    try {
      const I90 = await ids(t90);
      const res = await t90.req({ method: 'POST', url: `/api/snapservice/clusters/${I90.clusterA}/protection-groups?vmw-task=true`, payload: { name: 'x', target_entities: { tag_rules: [{ tags: ['t'], operator: 'OR' }] } } });
      expectError(res, 'INVALID_ARGUMENT', 'tag_rules');
      expectError(await t90.req({ method: 'POST', url: '/api/snapservice/protection-groups?action=compute-members', payload: { cluster_id: I90.clusterA, create_spec: { name: 'x', target_entities: { vms: [I90.vm('web-01')] } } } }), 'OPERATION_NOT_FOUND');
      expectError(await t90.req({ method: 'GET', url: '/api/snapservice/protection-groups/x/capabilities' }), 'OPERATION_NOT_FOUND');
      expectOk(await t90.req({ method: 'GET', url: '/api/cis/tagging/category' }));
    } finally {
      await t90.close();
    }
  });
});
