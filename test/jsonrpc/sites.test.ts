import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, makeApp, USERS, type TestApp } from '../helpers/app.ts';
import { certOf, hostPortOf, task } from '../helpers/sites.ts';
import { call, callError, O, S, userPass } from './client.ts';

/** Every sites and cluster-pairs operation over the SDKs' JSON-RPC, between two sites on real TLS. */
const SITES = 'com.vmware.snapservice.sites';
const CP = 'com.vmware.snapservice.cluster_pairs';
const sec = userPass('admin');
let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  a = await makeApp({ siteName: 'site-a' }, { https: true });
  b = await makeApp({ siteName: 'site-b' }, { https: true });
});
afterAll(async () => {
  await a.close();
  await b.close();
});

const conn = () => S(`${SITES}.vcenter_connection_spec`, { host: hostPortOf(b).host, port: O(hostPortOf(b).port) });
const creds = () => O(S(`${SITES}.user_credentials`, { user: USERS.admin.user, password: { SECRET: USERS.admin.password } }));

describe('sites and cluster pairs over JSON-RPC', () => {
  it('walks probe, add, list, get, what the remote has, cluster pairs, repair and delete', async () => {
    const probe = await call(a, SITES, 'probe', { spec: S(`${SITES}.probe_spec`, { vcenter_connection_spec: conn(), vcenter_creds: O(), vcenter_certificate: O() }) }, sec);
    expect(probe.status).toBe('PARTIAL');
    const addSpec = (cert?: string) => S(`${SITES}.add_spec`, { vcenter_connection_spec: conn(), vcenter_creds: creds(), vcenter_certificate: O(cert ?? null), va_certificate: O() });
    const refused = await callError(a, SITES, 'add$task', { spec: addSpec() }, sec, 'UNVERIFIED_PEER');
    expect(refused.messages[0].id).toBe('com.vmware.snapservice.site.certificate_untrusted');
    const addTask = await call(a, SITES, 'add$task', { spec: addSpec(certOf(b)) }, sec);
    const bId = (await task(a, addTask)).result;
    expect(bId).toBe(b.runtime.deps.site.id);

    const list = await call(a, SITES, 'list', { filter: O(S(`${SITES}.filter_spec`, { sites: O(), local: O(), paired: O(true) })) }, sec);
    expect(list.items).toHaveLength(2);
    expect((await call(a, SITES, 'get', { site: bId }, sec)).local).toBe(false);
    const clusters = await call(a, `${SITES}.clusters`, 'list', { site: bId, filter: O() }, sec);
    expect(clusters.items.length).toBeGreaterThan(0);
    expect((await call(a, `${SITES}.licenses`, 'list', { site: bId }, sec)).items).toHaveLength(1);
    expect((await call(a, `${SITES}.capabilities`, 'get', { site: bId, filter: O() }, sec)).service_capability_info[0].service).toBe('SS');
    const cluster = clusters.items[0].cluster;
    expect((await call(a, `${SITES}.clusters.capabilities`, 'get', { site: bId, cluster, spec: O() }, sec)).capabilities.length).toBeGreaterThan(0);
    const ds = await call(a, `${SITES}.datastores`, 'list', { site: bId, filter: O() }, sec);
    const datastore = ds.items[0].datastore;
    expect((await call(a, `${SITES}.datastores.capabilities`, 'list', { site: bId, filter: O() }, sec)).items).toHaveLength(ds.items.length);
    expect((await call(a, `${SITES}.datastores.capabilities`, 'get', { site: bId, datastore }, sec)).capabilities).toContain('VSAN_SNAPSHOTS');

    const spec = S(`${CP}.create_spec`, {
      local_cluster: S(`${CP}.local_cluster_member_spec`, { cluster: (await ids(a)).clusterA }),
      peer_cluster: S(`${CP}.peer_cluster_member_spec`, { site: bId, cluster }),
    });
    expect((await call(a, CP, 'create_precheck', { spec }, sec)).prechecks.every((p: any) => p.status === 'OK')).toBe(true);
    const preTask = await call(a, CP, 'create_precheck$task', { spec }, sec);
    expect((await task(a, preTask)).result.prechecks.length).toBeGreaterThan(5);
    const cp = (await task(a, await call(a, CP, 'create$task', { spec }, sec))).result;
    expect((await call(a, CP, 'list', { filter: O() }, sec)).items.map((i: any) => i.cluster_pair)).toEqual([cp]);
    expect((await call(a, CP, 'get', { cp }, sec)).connection_status).toBe('OK');
    await callError(a, CP, 'create$task', { spec }, sec, 'ALREADY_EXISTS');
    expect((await task(a, await call(a, CP, 'delete$task', { cp }, sec))).status).toBe('SUCCEEDED');

    const update = await call(a, SITES, 'update$task', { site: bId, spec: S(`${SITES}.update_spec`, { vcenter_connection_spec: O(), vcenter_creds: O(), vcenter_certificate: O(), va_certificate: O() }) }, sec);
    expect((await task(a, update)).status).toBe('SUCCEEDED');
    const del = await call(a, SITES, 'delete$task', { site: bId, options: O(), spec: O(S(`${SITES}.delete_spec`, { vcenter_creds: O() })) }, sec);
    expect((await task(a, del)).status).toBe('SUCCEEDED');
    await callError(a, SITES, 'get', { site: bId }, sec, 'NOT_FOUND');
  });
});
