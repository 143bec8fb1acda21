import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';
import { json, pair, task } from '../helpers/sites.ts';
import { expectError } from './snapshot-helpers.ts';

/** Replication policies on protection groups, over a real cluster pair between two sites. */
let a: TestApp;
let b: TestApp;
let bId: string;
let cluster: string;
let other: string;
let cp: string;
let vm: (name: string) => string;

const CP = '/api/snapservice/cluster-pairs';
const pgs = (c = cluster) => `/api/snapservice/clusters/${c}/protection-groups`;
const rpo = { unit: 'MINUTE', duration: 15 };
const policy = (extra: Record<string, unknown> = {}) => ({ cluster_pair: cp, recovery_point_objective: rpo, snapshot_retention: { short_term: { keep_last: 3 } }, ...extra });

async function create(t: TestApp, spec: Record<string, unknown>, c = cluster): Promise<string> {
  const r = await t.req({ method: 'POST', url: `${pgs(c)}?vmw-task=true`, headers: json, payload: spec });
  expect(r.statusCode, r.payload).toBe(202);
  const info = await task(t, r.json());
  expect(info.status, JSON.stringify(info)).toBe('SUCCEEDED');
  return info.result;
}

async function patch(t: TestApp, pg: string, spec: Record<string, unknown>) {
  const r = await t.req({ method: 'PATCH', url: `${pgs()}/${pg}?vmw-task=true`, headers: json, payload: spec });
  return r.statusCode === 202 ? { res: r, info: await task(t, r.json()) } : { res: r, info: undefined };
}

const get = async (pg: string) => (await a.req({ method: 'GET', url: `${pgs()}/${pg}` })).json();

beforeAll(async () => {
  a = await makeApp({ siteName: 'site-a', taskDelayMs: 0, taskQueueMs: 0 }, { https: true });
  b = await makeApp({ siteName: 'site-b', taskDelayMs: 0, taskQueueMs: 0 }, { https: true });
  const ia = await ids(a);
  ({ clusterA: cluster, clusterB: other, vm } = ia);
  bId = await pair(a, b);
  const r = await a.req({ method: 'POST', url: `${CP}?vmw-task=true`, headers: json, payload: { local_cluster: { cluster }, peer_cluster: { site: bId, cluster: (await ids(b)).clusterA } } });
  const info = await task(a, r.json());
  expect(info.status, JSON.stringify(info)).toBe('SUCCEEDED');
  cp = info.result;
});
afterAll(async () => {
  await a.close();
  await b.close();
});

describe('replication policies', () => {
  it('are stored with the group and shown in get and list; the pair becomes in use', async () => {
    const longTerm = { daily: { hour: 2, retention: { unit: 'WEEK', duration: 2 } }, monthly: { day_of_month: 1, hour: 0, retention: { unit: 'YEAR', duration: 1 } } };
    const pg = await create(a, {
      name: 'replicated', target_entities: { vm_name_patterns: ['db-*'] },
      replication_policies: [policy({
        snapshot_retention: { short_term: { keep_last: 3 }, long_term: longTerm }, use_replica_seed: false,
        target_entity_replication_spec: { vm_replication_specs: [{ vm: vm('db-01'), config_params: { target_config: { use_replica_seed: true } } }] },
      })],
    });
    const info = await get(pg);
    // Per-VM overrides are kept but not shown, as the vendor documents.
    expect(info.replication_policies).toEqual([policy({ snapshot_retention: { short_term: { keep_last: 3 }, long_term: longTerm }, use_replica_seed: false })]);
    const list = (await a.req({ method: 'GET', url: pgs() })).json();
    expect(list.items.find((i: any) => i.pg === pg).info.replication_policies[0].cluster_pair).toBe(cp);
    expect((await a.req({ method: 'GET', url: `${CP}/${cp}` })).json().in_use).toBe(true);
    expect((await a.req({ method: 'GET', url: CP })).json().items[0].info.in_use).toBe(true);

    // In use: the pair cannot be deleted, here or through the peer.
    expectError(await a.req({ method: 'DELETE', url: `${CP}/${cp}?vmw-task=true` }), 400, 'NOT_ALLOWED_IN_CURRENT_STATE', 'in use');

    // Update replaces the policy; leaving it out keeps it; an empty list stops replicating.
    let r = await patch(a, pg, { replication_policies: [policy({ recovery_point_objective: { unit: 'HOUR', duration: 1 } })] });
    expect(r.info.status).toBe('SUCCEEDED');
    expect((await get(pg)).replication_policies[0].recovery_point_objective).toEqual({ unit: 'HOUR', duration: 1 });
    r = await patch(a, pg, { name: 'renamed' });
    expect((await get(pg)).replication_policies).toHaveLength(1);
    r = await patch(a, pg, { replication_policies: [] });
    expect(r.info.status).toBe('SUCCEEDED');
    expect((await get(pg)).replication_policies).toBeUndefined();
    expect((await a.req({ method: 'GET', url: `${CP}/${cp}` })).json().in_use).toBe(false);
    // A group without replication shows none.
    const local = await create(a, { name: 'local', target_entities: { vms: [vm('db-01')] } });
    expect((await get(local)).replication_policies).toBeUndefined();
  });

  it('refuses what the rules forbid, each with the field it names', async () => {
    const post = (rp: unknown, c = cluster) => a.req({
      method: 'POST', url: `${pgs(c)}?vmw-task=true`, headers: json,
      payload: { name: 'x', target_entities: c === cluster ? { vms: [vm('db-01')] } : { vm_name_patterns: ['*'] }, replication_policies: rp },
    });
    const bad: Array<[unknown, string]> = [
      [[policy(), policy()], 'at most one'],
      [[policy({ cluster_pair: undefined })], 'cluster_pair'],
      [[policy({ cluster_pair: 'nope' })], 'nope is not a cluster pair'],
      [[policy({ recovery_point_objective: { unit: 'MINUTE', duration: 0 } })], 'recovery_point_objective.duration'],
      [[policy({ recovery_point_objective: { unit: 'DAY', duration: 2 } })], 'between 1 minute and 24 hours'],
      [[policy({ recovery_point_objective: { unit: 'FORTNIGHT', duration: 1 } })], 'unit'],
      [[policy({ snapshot_retention: { short_term: { keep_last: 0 } } })], 'keep_last'],
      [[policy({ snapshot_retention: { short_term: { keep_last: 1 }, long_term: {} } })], 'long_term'],
      [[policy({ snapshot_retention: { short_term: { keep_last: 1 }, long_term: { daily: { hour: 24, retention: rpo } } } })], 'daily.hour'],
      [[policy({ snapshot_retention: { short_term: { keep_last: 1 }, long_term: { monthly: { day_of_month: 32, hour: 0, retention: rpo } } } })], 'day_of_month'],
      [[policy({ snapshot_retention: { short_term: {} } })], 'keep_last'],
      [[policy({ target_entity_replication_spec: { vm_replication_specs: [{ vm: 'vm-999', config_params: { target_config: { use_replica_seed: true } } }] } })], 'vm-999 is not a virtual machine'],
      [[policy({ target_entity_replication_spec: { vm_replication_specs: [{ vm: vm('db-01'), config_params: {} }] } })], 'config_params'],
      [[policy({ extra: 1 })], 'extra'],
      ['nope', 'replication_policies'],
    ];
    for (const [rp, text] of bad) expectError(await post(rp), 400, 'INVALID_ARGUMENT', text);
    // The pair is of another cluster.
    expectError(await post([policy()], other), 400, 'INVALID_ARGUMENT', 'not this group\'s cluster');
    // Authentication and privileges come first.
    expect((await a.req({ method: 'POST', url: `${pgs()}?vmw-task=true`, headers: json, payload: { name: 'x', target_entities: { vms: [vm('db-01')] }, replication_policies: [policy()] }, as: null })).statusCode).toBe(401);
    expectError(await a.req({ method: 'POST', url: `${pgs()}?vmw-task=true`, headers: json, payload: { name: 'x', target_entities: { vms: [vm('db-01')] }, replication_policies: [policy()] }, as: 'readonly' }), 403, 'UNAUTHORIZED');
  });

  it('fails the task when the pair is deleted between admission and run', async () => {
    // The task waits for service time once admitted; the pair goes meanwhile.
    const config = a.runtime.deps.config as { taskDelayMs: number };
    config.taskDelayMs = 1000;
    try {
      const r = await a.req({ method: 'POST', url: `${pgs()}?vmw-task=true`, headers: json, payload: { name: 'late', target_entities: { vm_name_patterns: ['*'] }, replication_policies: [policy()] } });
      expect(r.statusCode).toBe(202);
      const kept = await a.runtime.deps.store.repos.clusterPairs.get(cp);
      await a.runtime.deps.store.repos.clusterPairs.delete(cp);
      await a.advance(1000);
      const info = await task(a, r.json());
      expect(info.status).toBe('FAILED');
      expect(info.error.error_type).toBe('INVALID_ARGUMENT');
      if (kept) await a.runtime.deps.store.repos.clusterPairs.insert(kept);
    } finally {
      config.taskDelayMs = 0;
    }
  });

  it('does not exist below 9.0', async () => {
    const old = await makeApp({ release: '8.0.3', taskDelayMs: 0, taskQueueMs: 0 });
    try {
      const { clusterA: c, vm: v } = await ids(old);
      const r = await old.req({ method: 'POST', url: `/api/snapservice/clusters/${c}/protection-groups?vmw-task=true`, headers: json, payload: { name: 'x', target_entities: { vms: [v('db-01')] }, replication_policies: [] } });
      expectError(r, 400, 'INVALID_ARGUMENT', 'replication_policies');
      const pg = await create(old, { name: 'x', target_entities: { vms: [v('db-01')] } }, c);
      const info = (await old.req({ method: 'GET', url: `/api/snapservice/clusters/${c}/protection-groups/${pg}` })).json();
      expect(info.replication_policies).toBeUndefined();
    } finally {
      await old.close();
    }
  });
});
