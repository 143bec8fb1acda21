import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';
import { json, pair, task } from '../helpers/sites.ts';
import { call, callError, O, S, userPass } from './client.ts';

/** A protection group's replication policy over the SDKs' JSON-RPC, as the bindings send it. */
const NS = 'com.vmware.snapservice';
const PGS = `${NS}.clusters.protection_groups`;
const sec = userPass('admin');
let a: TestApp;
let b: TestApp;
let cluster: string;
let cp: string;

beforeAll(async () => {
  a = await makeApp({ siteName: 'site-a', taskDelayMs: 0, taskQueueMs: 0 }, { https: true });
  b = await makeApp({ siteName: 'site-b', taskDelayMs: 0, taskQueueMs: 0 }, { https: true });
  cluster = (await ids(a)).clusterA;
  const bId = await pair(a, b);
  const r = await a.req({ method: 'POST', url: '/api/snapservice/cluster-pairs?vmw-task=true', headers: json, payload: { local_cluster: { cluster }, peer_cluster: { site: bId, cluster: (await ids(b)).clusterA } } });
  cp = (await task(a, r.json())).result;
});
afterAll(async () => {
  await a.close();
  await b.close();
});

const period = (unit: string, duration: number) => S(`${NS}.time_period`, { unit, duration });
const policy = (pairId: string, keepLast: number) => S(`${NS}.replication_policy`, {
  cluster_pair: O(pairId),
  recovery_point_objective: period('MINUTE', 30),
  snapshot_retention: S(`${NS}.retention_policy`, {
    short_term: S(`${NS}.short_term_retention`, { keep_last: keepLast }),
    long_term: O(S(`${NS}.long_term_retention`, { hourly: O(S(`${NS}.hourly_retention`, { retention: period('DAY', 1) })), daily: O(), weekly: O(), monthly: O() })),
  }),
  use_replica_seed: O(true), storage_spec: O(), target_entity_replication_spec: O(),
});

describe('replication policies over JSON-RPC', () => {
  it('creates, reads and updates a group with a policy; refuses a bad one', async () => {
    const spec = S(`${NS}.protection_group_spec`, {
      name: 'rpc-replicated', target_entities: S(`${NS}.target_entities`, { vm_name_patterns: O(['db-*']), vms: O(), tag_rules: O() }),
      snapshot_policies: O(), locked: O(), replication_policies: O([policy(cp, 2)]),
    });
    const pg = (await task(a, await call(a, PGS, 'create$task', { cluster, spec }, sec))).result;
    const info = await call(a, PGS, 'get', { cluster, pg }, sec);
    expect(info).toEqual((await a.req({ method: 'GET', url: `/api/snapservice/clusters/${cluster}/protection-groups/${pg}` })).json());
    expect(info.replication_policies[0]).toMatchObject({ cluster_pair: cp, use_replica_seed: true, snapshot_retention: { short_term: { keep_last: 2 } } });

    const update = (rp: unknown) => S(`${NS}.protection_group_update_spec`, { name: O(), target_entities: O(), snapshot_policies: O(), locked: O(), replication_policies: O(rp) });
    expect((await task(a, await call(a, PGS, 'update$task', { cluster, pg, spec: update([policy(cp, 5)]) }, sec))).status).toBe('SUCCEEDED');
    expect((await call(a, PGS, 'get', { cluster, pg }, sec)).replication_policies[0].snapshot_retention.short_term.keep_last).toBe(5);
    const bad = await callError(a, PGS, 'update$task', { cluster, pg, spec: update([policy('no-such-pair', 1)]) }, sec, 'INVALID_ARGUMENT');
    expect(bad.messages[0].default_message).toContain('no-such-pair is not a cluster pair');
  });
});
