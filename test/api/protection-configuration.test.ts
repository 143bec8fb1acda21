import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';
import { json, pair, task } from '../helpers/sites.ts';
import { call, callError, O, S, userPass } from '../jsonrpc/client.ts';
import { expectError } from './snapshot-helpers.ts';

/** A VM's own replication settings (9.1), on a group replicating over a real cluster pair. */
let a: TestApp;
let b: TestApp;
let cluster: string;
let vm: (n: string) => string;
let pg: string;

const url = (id: string) => `/api/snapservice/virtual-machines/${id}/protection-configuration`;
const get = (id: string, as: 'admin' | 'operator' | null = 'admin') => a.req({ method: 'GET', url: url(id), as });
const patch = (id: string, spec: unknown, as: 'admin' | 'operator' | null = 'admin') => a.req({ method: 'PATCH', url: `${url(id)}?vmw-task=true`, headers: json, payload: spec as object, as });

beforeAll(async () => {
  a = await makeApp({ siteName: 'site-a', taskDelayMs: 0, taskQueueMs: 0 }, { https: true });
  b = await makeApp({ siteName: 'site-b', taskDelayMs: 0, taskQueueMs: 0 }, { https: true });
  ({ clusterA: cluster, vm } = await ids(a));
  const bId = await pair(a, b);
  const r = await a.req({ method: 'POST', url: '/api/snapservice/cluster-pairs?vmw-task=true', headers: json, payload: { local_cluster: { cluster }, peer_cluster: { site: bId, cluster: (await ids(b)).clusterA } } });
  const cp = (await task(a, r.json())).result;
  const made = await a.req({
    method: 'POST', url: `/api/snapservice/clusters/${cluster}/protection-groups?vmw-task=true`, headers: json,
    payload: {
      name: 'db', target_entities: { vm_name_patterns: ['db-*'] },
      replication_policies: [{
        cluster_pair: cp, recovery_point_objective: { unit: 'HOUR', duration: 1 }, snapshot_retention: { short_term: { keep_last: 1 } },
        target_entity_replication_spec: { vm_replication_specs: [{ vm: vm('db-02'), config_params: { target_config: { use_replica_seed: true } } }] },
      }],
    },
  });
  pg = (await task(a, made.json())).result;
});
afterAll(async () => {
  await a.close();
  await b.close();
});

describe('VM protection configuration', () => {
  it('shows the VM override, empty when there is none or no replication', async () => {
    expect((await get(vm('db-02'))).json()).toEqual({ replication_config_info: [{ replication_target: { use_replica_seed: true } }] });
    expect((await get(vm('db-01'))).json()).toEqual({ replication_config_info: [] });
    expect((await get(vm('web-01'))).json()).toEqual({ replication_config_info: [] });
  });

  it('sets and clears a VM override before its replication starts', async () => {
    const target = { use_replica_seed: false, replication_path: 'db/db-01', target_storage_spec: { datastore: 'datastore-9' } };
    let r = await patch(vm('db-01'), { replication_config_update_spec: [{ replication_target: target }] });
    expect(r.statusCode, r.payload).toBe(202);
    expect((await task(a, r.json())).status).toBe('SUCCEEDED');
    expect((await get(vm('db-01'))).json()).toEqual({ replication_config_info: [{ replication_target: target }] });
    // The group's info does not show member overrides.
    const info = (await a.req({ method: 'GET', url: `/api/snapservice/clusters/${cluster}/protection-groups/${pg}` })).json();
    expect(info.replication_policies[0].target_entity_replication_spec).toBeUndefined();
    r = await patch(vm('db-01'), { replication_config_update_spec: [{}] });
    expect((await task(a, r.json())).status).toBe('SUCCEEDED');
    expect((await get(vm('db-01'))).json()).toEqual({ replication_config_info: [] });
    // The other member's override is untouched.
    expect((await get(vm('db-02'))).json().replication_config_info).toHaveLength(1);
  });

  it('refuses what the vendor forbids', async () => {
    const one = { replication_config_update_spec: [{ replication_target: { use_replica_seed: true } }] };
    expectError(await patch(vm('web-01'), one), 400, 'NOT_ALLOWED_IN_CURRENT_STATE', 'not replicated');
    expectError(await patch(vm('db-01'), {}), 400, 'INVALID_ARGUMENT', 'exactly one');
    expectError(await patch(vm('db-01'), { replication_config_update_spec: [{}, {}] }), 400, 'INVALID_ARGUMENT', 'exactly one');
    expectError(await patch(vm('db-01'), { replication_config_update_spec: [{ replication_target: {} }] }), 400, 'INVALID_ARGUMENT', 'replication_target');
    expectError(await patch(vm('db-01'), { replication_config_update_spec: [{ replication_target: { use_replica_seed: 'yes' } }] }), 400, 'INVALID_ARGUMENT', 'use_replica_seed');
    expectError(await patch('vm-999', one), 404, 'NOT_FOUND');
    expectError(await get('vm-999'), 404, 'NOT_FOUND');
    expect((await get(vm('db-01'), null)).statusCode).toBe(401);
    expect((await patch(vm('db-01'), one, null)).statusCode).toBe(401);
    expectError(await get(vm('build-01'), 'operator'), 403, 'UNAUTHORIZED', 'System.Read');
    expectError(await patch(vm('build-01'), one, 'operator'), 403, 'UNAUTHORIZED', 'System.Read');
    expectError(await a.req({ method: 'PATCH', url: url(vm('db-01')), headers: json, payload: one }), 404, 'OPERATION_NOT_FOUND');

    // Once the VM's first snapshot reached the recovery site, its target is fixed.
    const snap = await a.req({ method: 'POST', url: `/api/snapservice/clusters/${cluster}/protection-groups/${pg}/snapshots?vmw-task=true`, headers: json, payload: { name: 's' } });
    expect((await task(a, snap.json())).status).toBe('SUCCEEDED');
    await a.advance(60_000);
    expectError(await patch(vm('db-01'), one), 400, 'NOT_ALLOWED_IN_CURRENT_STATE', 'has started');
  });

  it('is served over JSON-RPC and absent below 9.1', async () => {
    const SERVICE = 'com.vmware.snapservice.virtual_machines.protection_configuration';
    const sec = userPass('admin');
    expect(await call(a, SERVICE, 'get', { vm: vm('db-02') }, sec)).toEqual((await get(vm('db-02'))).json());
    const spec = S(`${SERVICE}.update_spec`, { replication_config_update_spec: O([S(`${SERVICE}.replication_configuration_update_spec`, { replication_target: O() })]) });
    await callError(a, SERVICE, 'update$task', { vm: vm('web-01'), spec }, sec, 'NOT_ALLOWED_IN_CURRENT_STATE');
    const old = await makeApp({ release: '9.0' });
    try {
      expectError(await old.req({ method: 'GET', url: url((await ids(old)).vm('db-01')) }), 404, 'OPERATION_NOT_FOUND');
    } finally {
      await old.close();
    }
  });
});
