import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';
import { call, callError, O, S, userPass } from '../jsonrpc/client.ts';

/**
 * --release serves the fields and enum values of that release: those added later are refused as
 * input (as unknown fields or values) and never sent, over REST and JSON-RPC alike; from their
 * release on they work. info/about and the OpenAPI document name the release.
 */
type Release = '8.0.3' | '9.0' | '9.1';
const apps = new Map<Release, { t: TestApp; I: Awaited<ReturnType<typeof ids>> }>();

beforeAll(async () => {
  for (const release of ['8.0.3', '9.0', '9.1'] as const) {
    const t = await makeApp({ release, taskDelayMs: 0, taskQueueMs: 0 });
    apps.set(release, { t, I: await ids(t) });
  }
});
afterAll(async () => {
  for (const { t } of apps.values()) await t.close();
});

const app = (r: Release) => apps.get(r)!;
const PGS = 'com.vmware.snapservice.clusters.protection_groups';
const NS = 'com.vmware.snapservice';
const policy = (unit: string) => ({ name: 'p', schedule: { unit: 'HOUR', interval: 1 }, retention: { unit, duration: 1 } });

async function createGroup(r: Release, name: string): Promise<string> {
  const { t, I } = app(r);
  const res = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/protection-groups?vmw-task=true`, payload: { name, target_entities: { vms: [I.vm('web-01')] } } });
  expect(res.statusCode, res.body).toBe(202);
  await t.advance(0);
  return (await t.req({ method: 'GET', url: `/api/snapservice/tasks/${res.json()}` })).json().result;
}

function expectInvalid(res: { statusCode: number; json(): any }, field: string) {
  expect(res.statusCode, JSON.stringify(res.json())).toBe(400);
  expect(res.json().error_type).toBe('INVALID_ARGUMENT');
  expect(res.json().messages[0].args[0]).toBe(field);
}

describe('the release served', () => {
  it.each([['8.0.3', '8.0.3.0'], ['9.0', '9.0.0.0'], ['9.1', '9.1.0.0']] as const)('%s: info/about and the OpenAPI document name it', async (r, api) => {
    const { t } = app(r);
    expect((await t.req({ method: 'GET', url: '/api/snapservice/info/about' })).json()).toEqual({ version: api });
    const doc = (await t.req({ method: 'GET', url: '/api/openapi.json', as: null })).json();
    expect(doc.info['x-vsphere-api-release']).toBe(api);
    expect(doc.info.description).toContain(`vSphere API ${api} surface`);
    const vmInfo = doc.components.schemas['Snapservice.Clusters.VirtualMachines.Info'].properties;
    expect('bios_uuid' in vmInfo).toBe(r === '9.1');
    expect(doc.paths['/snapservice/sessions'] !== undefined).toBe(r !== '8.0.3');
    expect(doc.components.schemas['Snapservice.TimeUnit'].enum.includes('YEAR')).toBe(r === '9.1');
  });
});

describe('fields added after 8.0.3', () => {
  it('VM bios_uuid (9.1) is sent from 9.1 on only', async () => {
    for (const r of ['8.0.3', '9.0', '9.1'] as const) {
      const { t, I } = app(r);
      const url = `/api/snapservice/clusters/${I.clusterA}/virtual-machines`;
      const listed = (await t.req({ method: 'GET', url })).json().items[0].info;
      const one = (await t.req({ method: 'GET', url: `${url}/${I.vm('web-01')}` })).json();
      expect('bios_uuid' in listed, r).toBe(r === '9.1');
      expect('bios_uuid' in one, r).toBe(r === '9.1');
      const rpc = await call(t, 'com.vmware.snapservice.clusters.virtual_machines', 'get', { cluster: I.clusterA, vm: I.vm('web-01') }, userPass('admin'));
      expect('bios_uuid' in rpc, r).toBe(r === '9.1');
    }
  });

  it('group guid (9.0) is sent from 9.0 on only', async () => {
    for (const r of ['8.0.3', '9.0'] as const) {
      const { t, I } = app(r);
      const pg = await createGroup(r, `guid-${r}`);
      const info = (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/protection-groups/${pg}` })).json();
      expect(info.guid, r).toBe(r === '9.0' ? pg : undefined);
    }
  });

  it('update spec locked (9.1) is an unknown field before 9.1, over REST and JSON-RPC; from 9.1 it locks the group for good', async () => {
    for (const r of ['8.0.3', '9.0'] as const) {
      const { t, I } = app(r);
      const pg = await createGroup(r, `lock-${r}`);
      const url = `/api/snapservice/clusters/${I.clusterA}/protection-groups/${pg}?vmw-task=true`;
      expectInvalid(await t.req({ method: 'PATCH', url, payload: { locked: true } }), 'spec.locked');
      const spec = S(`${NS}.protection_group_update_spec`, { name: O(), target_entities: O(), snapshot_policies: O(), locked: O(true) });
      const err = await callError(t, PGS, 'update$task', { cluster: I.clusterA, pg, spec }, userPass('admin'), 'INVALID_ARGUMENT');
      expect(err.messages[0].args[0]).toBe('spec.locked');
      // An unset field a newer client sends ({"OPTIONAL": null}) is no field at all.
      const unset = S(`${NS}.protection_group_update_spec`, { name: O('renamed'), target_entities: O(), snapshot_policies: O(), locked: O() });
      expect(typeof (await call(t, PGS, 'update$task', { cluster: I.clusterA, pg, spec: unset }, userPass('admin')))).toBe('string');
    }
    const { t, I } = app('9.1');
    const pg = await createGroup('9.1', 'lock-9.1');
    const url = `/api/snapservice/clusters/${I.clusterA}/protection-groups/${pg}`;
    const res = await t.req({ method: 'PATCH', url: `${url}?vmw-task=true`, payload: { locked: true } });
    expect(res.statusCode, res.body).toBe(202);
    await t.advance(0);
    expect((await t.req({ method: 'GET', url })).json().locked).toBe(true);
    const again = await t.req({ method: 'PATCH', url: `${url}?vmw-task=true`, payload: { locked: false } });
    expect(again.statusCode).toBe(400);
    expect(again.json().error_type).toBe('UNSUPPORTED');
  });
});

describe('enum values added after 8.0.3', () => {
  it('time unit YEAR (9.1) in a policy: refused before 9.1, accepted from it', async () => {
    for (const r of ['8.0.3', '9.0', '9.1'] as const) {
      const { t, I } = app(r);
      const res = await t.req({
        method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/protection-groups?vmw-task=true`,
        payload: { name: `year-${r}`, target_entities: { vms: [I.vm('web-01')] }, snapshot_policies: [policy('YEAR')] },
      });
      if (r === '9.1') expect(res.statusCode, res.body).toBe(202);
      else expectInvalid(res, 'spec.snapshot_policies[0].retention.unit');
    }
  });

  it('group status DORMANT (9.0) in the list filter: refused on 8.0.3, matches nothing from 9.0', async () => {
    for (const r of ['8.0.3', '9.0'] as const) {
      const { t, I } = app(r);
      const res = await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/protection-groups?states=DORMANT` });
      if (r === '9.0') expect(res.json()).toEqual({ items: [] });
      else expectInvalid(res, 'filter.states[0]');
      const states = ['DORMANT'];
      const filter = S(`${PGS}.filter_spec`, { pgs: O(), names: O(), states: O(states), vms: O() });
      if (r === '9.0') expect(await call(t, PGS, 'list', { cluster: I.clusterA, filter: O(filter) }, userPass('admin'))).toEqual({ items: [] });
      else expect((await callError(t, PGS, 'list', { cluster: I.clusterA, filter: O(filter) }, userPass('admin'), 'INVALID_ARGUMENT')).messages[0].args[0]).toBe('filter.states[0]');
    }
  });

  it('snapshot type STAGED (9.1) in the VM snapshot filter: refused before 9.1, matches nothing from it', async () => {
    for (const r of ['9.0', '9.1'] as const) {
      const { t, I } = app(r);
      const res = await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${I.vm('web-01')}/snapshots?snapshot_type=STAGED` });
      if (r === '9.1') expect(res.json()).toEqual({ items: [] });
      else expectInvalid(res, 'filter.snapshot_type');
    }
  });
});

describe('a GET body', () => {
  const groups = (I: { clusterA: string }) => `/api/snapservice/clusters/${I.clusterA}/protection-groups`;

  it('carrying filter members is honoured, bare or wrapped, and merged with the query string', async () => {
    const { t, I } = app('9.1');
    const pg = await createGroup('9.1', 'body-filter');
    const get = (payload: unknown, query = '') => t.req({ method: 'GET', url: `${groups(I)}${query}`, payload: payload as object, headers: { 'content-type': 'application/json' } });
    expect((await get({})).json().items.map((i: any) => i.pg)).toContain(pg);
    expect((await get({ names: ['body-filter'] })).json().items.map((i: any) => i.pg)).toEqual([pg]);
    expect((await get({ filter: { names: ['nothing-so-named'] } })).json().items).toEqual([]);
    expect((await get({ names: ['body-filter'] }, '?states=PAUSED')).json().items).toEqual([]);
  });

  it('with anything else is refused naming it, as are values of a later release', async () => {
    const get = (r: Release, url: string, payload: string) => app(r).t.req({ method: 'GET', url, payload, headers: { 'content-type': 'application/json' } });
    const { I } = app('9.1');
    expectInvalid(await get('9.1', groups(I), '{"bogus": 1}'), 'bogus');
    expectInvalid(await get('9.1', groups(I), '{"filter": {"bogus": 1}}'), 'filter.bogus');
    expectInvalid(await get('9.1', groups(I), '{not json'), 'body');
    expectInvalid(await get('9.1', '/api/snapservice/info/about', '{"version": "9.1.0.0"}'), 'version');
    const old = app('9.0').I;
    expectInvalid(await get('9.0', `/api/snapservice/clusters/${old.clusterA}/virtual-machines/${old.vm('web-01')}/snapshots`, '{"snapshot_type": "STAGED"}'), 'filter.snapshot_type');
  });
});
