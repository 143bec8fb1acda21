import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';
import { tagging } from './tagging-helpers.ts';
import { addUser, expectError, expectOk } from './vcenter-helpers.ts';

let t: TestApp;
let I: Awaited<ReturnType<typeof ids>>;
let T: ReturnType<typeof tagging>;
let gold: string;
let prod: string;
let pg: string;
beforeAll(async () => {
  t = await makeApp({ taskDelayMs: 0, taskQueueMs: 0 });
  I = await ids(t);
  T = tagging(t);
  const cat = await T.category('tier');
  gold = await T.tag(cat, 'gold');
  prod = await T.tag(cat, 'prod');
  await T.attach(gold, I.vm('web-01'));
  await T.attach(gold, I.vm('db-01'));
  await T.attach(prod, I.vm('db-01'));
  await T.attach(prod, I.vm('app-01'));
  const res = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/protection-groups?vmw-task=true`, payload: { name: 'web', target_entities: { vm_name_patterns: ['web-*'] } } });
  await t.advance(0);
  pg = expectOk(await t.req({ method: 'GET', url: `/api/snapservice/tasks/${expectOk(res, 202)}` })).result;
});
afterAll(() => t.close());

const URL = '/api/snapservice/protection-groups?action=compute-members';
const preview = (spec: unknown, as: 'admin' | 'readonly' | 'operator' | null = 'admin', headers: Record<string, string> = {}) =>
  t.req({ method: 'POST', url: URL, payload: spec as object, as, headers });
const byVm = (list: any[]) => Object.fromEntries(list.map((i) => [i.vm, i]));

describe('compute-members', () => {
  it('previews a create: every selected VM is ADD with the selectors that pick it, partial AND matches are EXCLUDE', async () => {
    const body = expectOk(await preview({
      cluster_id: I.clusterA,
      create_spec: { name: 'new', target_entities: { vms: [I.vm('cache-01')], tag_rules: [{ tags: [gold, prod], operator: 'AND' }] } },
    }));
    const inc = byVm(body.included_vms);
    expect(Object.keys(inc).sort()).toEqual([I.vm('db-01'), I.vm('cache-01')].sort());
    expect(inc[I.vm('db-01')]).toMatchObject({ vm_name: 'db-01', membership_change_type: 'ADD', protection_groups: [] });
    expect(inc[I.vm('db-01')].membership_change_reasons[0].default_message).toContain('tag rule 0');
    expect(inc[I.vm('cache-01')].membership_change_reasons[0].default_message).toContain('listed in vms');
    const exc = byVm(body.excluded_vms);
    expect(Object.keys(exc).sort()).toEqual([I.vm('web-01'), I.vm('app-01')].sort());
    expect(exc[I.vm('web-01')]).toMatchObject({ membership_change_type: 'EXCLUDE', protection_groups: [pg] });
    expect(exc[I.vm('web-01')].membership_change_reasons[0].args).toEqual(['web-01', prod, '0']);
  });

  it('previews an update: EXISTING, ADD and REMOVE against the group\'s members now; nothing changes', async () => {
    const body = expectOk(await preview({ protection_group: pg, update_spec: { target_entities: { vm_name_patterns: ['web-0[12]'], tag_rules: [{ tags: [prod], operator: 'OR' }] } } }));
    const inc = byVm(body.included_vms);
    expect(inc[I.vm('web-01')].membership_change_type).toBe('EXISTING');
    expect(inc[I.vm('web-01')].membership_change_reasons[0].default_message).toContain("'web-0[12]'");
    expect(inc[I.vm('db-01')].membership_change_type).toBe('ADD');
    expect(inc[I.vm('app-01')].membership_change_type).toBe('ADD');
    expect(Object.keys(inc)).toHaveLength(4);
    expect(body.excluded_vms).toEqual([expect.objectContaining({ vm: I.vm('web-03'), membership_change_type: 'REMOVE', protection_groups: [pg] })]);
    // Without a target change the members stay what they are; cluster_id may name the group's own cluster.
    const same = expectOk(await preview({ protection_group: pg, cluster_id: I.clusterA, update_spec: { name: 'renamed' } }));
    expect(same.included_vms.map((i: any) => i.membership_change_type)).toEqual(['EXISTING', 'EXISTING', 'EXISTING']);
    expect(same.excluded_vms).toEqual([]);
    expect(expectOk(await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/protection-groups/${pg}` })).name).toBe('web');
  });

  it('400 INVALID_ARGUMENT for every inconsistent spec, unknown cluster or group included', async () => {
    const create = { name: 'n', target_entities: { vms: [I.vm('web-01')] } };
    expectError(await preview({ cluster_id: I.clusterA }), 'INVALID_ARGUMENT', 'one of create_spec or update_spec');
    expectError(await preview({ cluster_id: I.clusterA, create_spec: create, update_spec: {} }), 'INVALID_ARGUMENT', 'exclusive');
    expectError(await preview({ cluster_id: I.clusterA, create_spec: create, protection_group: pg }), 'INVALID_ARGUMENT', 'spec.protection_group');
    expectError(await preview({ create_spec: create }), 'INVALID_ARGUMENT', 'spec.cluster_id');
    expectError(await preview({ cluster_id: 'domain-c999', create_spec: create }), 'INVALID_ARGUMENT', 'domain-c999');
    expectError(await preview({ update_spec: {} }), 'INVALID_ARGUMENT', 'spec.protection_group');
    expectError(await preview({ update_spec: {}, protection_group: 'nope' }), 'INVALID_ARGUMENT', 'nope');
    expectError(await preview({ update_spec: {}, protection_group: pg, cluster_id: I.clusterB }), 'INVALID_ARGUMENT', 'spec.cluster_id');
    expectError(await preview({ update_spec: {}, protection_group: pg, cluster_id: 'domain-c999' }), 'INVALID_ARGUMENT', 'spec.cluster_id');
    expectError(await preview({ cluster_id: I.clusterA, create_spec: { name: 'n', target_entities: {} } }), 'INVALID_ARGUMENT', 'spec.create_spec.target_entities');
    expectError(await preview({ cluster_id: I.clusterA, create_spec: { name: 'n', target_entities: { vms: [I.vm('build-01')] } } }), 'INVALID_ARGUMENT', 'vms[0]');
    expectError(await preview({ cluster_id: I.clusterA, create_spec: { name: 'n', target_entities: { tag_rules: [{ tags: ['x'], operator: 'OR' }] } } }), 'INVALID_ARGUMENT', 'tag_rules[0].tags[0]');
    expectError(await preview({ cluster_id: I.clusterA, create_spec: { target_entities: { vms: [] } } }), 'INVALID_ARGUMENT', 'name');
    expectError(await preview({ cluster_id: 7, create_spec: create }), 'INVALID_ARGUMENT', 'cluster_id');
    expectError(await preview({ cluster: I.clusterA, create_spec: create }), 'INVALID_ARGUMENT', 'cluster');
    const bad = await t.req({ method: 'POST', url: URL, payload: '{"cluster_id":', headers: { 'content-type': 'application/json' } });
    expect(bad.statusCode).toBe(400);
  });

  it('401, and 403 without System.Read on the cluster; lists only the VMs the caller may read', async () => {
    const spec = { cluster_id: I.clusterB, create_spec: { name: 'n', target_entities: { vm_name_patterns: ['*'] } } };
    expectError(await preview(spec, null), 'UNAUTHENTICATED');
    expectError(await preview(spec, 'operator'), 'UNAUTHORIZED', 'System.Read');
    expect(expectOk(await preview(spec, 'readonly')).included_vms).toHaveLength(8);
    const partial = await addUser(t, [{ on: I.clusterB, privileges: ['System.Read'], propagate: false }, { on: I.vm('build-01'), privileges: ['System.Read'] }]);
    expect(expectOk(await preview(spec, null, { authorization: partial })).included_vms.map((i: any) => i.vm)).toEqual([I.vm('build-01')]);
  });
});

describe('protection group capabilities', () => {
  it('names what the group can do; 404 for an unknown group, 401, 403', async () => {
    const body = expectOk(await t.req({ method: 'GET', url: `/api/snapservice/protection-groups/${pg}/capabilities` }));
    expect(body.capabilities).toEqual(expect.arrayContaining(['LOCAL_SNAPSHOTS', 'TAG_RULES']));
    expect(expectOk(await t.req({ method: 'GET', url: `/api/snapservice/protection-groups/${pg}/capabilities`, as: 'readonly' }))).toEqual(body);
    expectError(await t.req({ method: 'GET', url: '/api/snapservice/protection-groups/nope/capabilities' }), 'NOT_FOUND', 'nope');
    expectError(await t.req({ method: 'GET', url: `/api/snapservice/protection-groups/${pg}/capabilities`, as: null }), 'UNAUTHENTICATED');
    const outsider = await addUser(t, [{ on: I.clusterB, privileges: ['System.Read'] }]);
    expectError(await t.req({ method: 'GET', url: `/api/snapservice/protection-groups/${pg}/capabilities`, as: null, headers: { authorization: outsider } }), 'UNAUTHORIZED', 'System.Read');
  });
});
