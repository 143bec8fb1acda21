import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ADMIN, Client, killAll, serve, stop } from '../helpers/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'snapservice-sites-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(killAll);

const args = (name: string, port = '0') => ['--port', port, '--data', join(root, name), '--site-name', name, '--sim', '--task-delay-ms', '50', '--task-queue-ms', '0', '--scrypt-cost', '10'];

describe('two real servers as two sites', () => {
  it('probe, add, both sides list each other, cluster pair create/list/delete, restart keeps the pairing, delete the site', async () => {
    const nyc = await serve(args('nyc'));
    let lon = await serve(args('lon'));
    expect(nyc.url, nyc.stderr()).toMatch(/^https:/);
    expect(lon.url, lon.stderr()).toMatch(/^https:/);
    const a = await Client.login(nyc.url!);
    let b = await Client.login(lon.url!);
    const lonAddr = new URL(lon.url!);
    const connection = { host: lonAddr.hostname, port: Number(lonAddr.port) };

    const probe = await a.ok('POST', '/api/snapservice/sites?action=probe', { vcenter_connection_spec: connection });
    expect(probe.status).toBe('PARTIAL');
    const certificate = probe.vcenter_certificate.certificate as string;
    const done = await a.waitTask(await a.ok('POST', '/api/snapservice/sites?action=add&vmw-task=true', {
      vcenter_connection_spec: connection, vcenter_creds: { user: ADMIN, password: 'VMware1!' }, vcenter_certificate: certificate,
    }));
    expect(done.status, JSON.stringify(done)).toBe('SUCCEEDED');
    const lonId = done.result as string;

    const names = async (c: Client) => (await c.ok('GET', '/api/snapservice/sites')).items.map((i: any) => [i.summary.name, i.summary.local]);
    expect(await names(a)).toEqual([['nyc', true], ['lon', false]]);
    expect(await names(b)).toEqual([['lon', true], ['nyc', false]]);

    const [nycCluster] = await a.ok('GET', '/api/vcenter/cluster?names=Cluster-A');
    const lonClusters = (await a.ok('GET', `/api/snapservice/sites/${lonId}/clusters?names=Cluster-B`)).items;
    const spec = { local_cluster: { cluster: nycCluster.cluster }, peer_cluster: { site: lonId, cluster: lonClusters[0].cluster } };
    const pre = await a.ok('POST', '/api/snapservice/cluster-pairs?action=create-precheck', spec);
    expect(pre.prechecks.map((p: any) => p.status)).not.toContain('ERROR');
    const created = await a.waitTask(await a.ok('POST', '/api/snapservice/cluster-pairs?vmw-task=true', spec));
    expect(created.status, JSON.stringify(created)).toBe('SUCCEEDED');
    const cp = created.result as string;
    expect((await b.ok('GET', '/api/snapservice/cluster-pairs')).items.map((i: any) => i.cluster_pair)).toEqual([cp]);

    // lon goes down: nyc sees it; lon comes back on the same port and data dir: the pairing holds.
    expect(await stop(lon)).toEqual({ code: 0, signal: null });
    expect((await a.ok('GET', `/api/snapservice/cluster-pairs/${cp}`)).connection_status).toBe('ERROR');
    lon = await serve(args('lon', lonAddr.port));
    expect(lon.url, lon.stderr()).toBe(`https://127.0.0.1:${lonAddr.port}`);
    b = await Client.login(lon.url!);
    expect(await names(b)).toEqual([['lon', true], ['nyc', false]]);
    expect((await a.ok('GET', `/api/snapservice/cluster-pairs/${cp}`)).connection_status).toBe('OK');
    expect((await b.ok('GET', `/api/snapservice/sites/${lonId}`)).pairing_infos[0].connection_state.connection_status).toBe('CONNECTED');

    expect((await a.waitTask(await a.ok('DELETE', `/api/snapservice/cluster-pairs/${cp}?vmw-task=true`))).status).toBe('SUCCEEDED');
    expect((await b.ok('GET', '/api/snapservice/cluster-pairs')).items).toEqual([]);
    expect((await a.waitTask(await a.ok('DELETE', `/api/snapservice/sites/${lonId}?vmw-task=true`))).status).toBe('SUCCEEDED');
    expect(await names(a)).toEqual([['nyc', true]]);
    expect(await names(b)).toEqual([['lon', true]]);
    expect(await stop(nyc)).toEqual({ code: 0, signal: null });
    expect(await stop(lon)).toEqual({ code: 0, signal: null });
  });
});
