import { afterEach, describe, expect, it } from 'vitest';
import { startSnapservice, SimError, type Snapservice } from '../../src/embed/index.ts';

const started: Snapservice[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

async function start(options: Parameters<typeof startSnapservice>[0] = {}): Promise<Snapservice> {
  // A low scrypt cost keeps seeding the demo users quick; everything else is the default.
  const s = await startSnapservice({ scryptCost: 10, ...options });
  started.push(s);
  return s;
}

const basic = (s: Snapservice) => `Basic ${Buffer.from(`${s.credentials.username}:${s.credentials.password}`).toString('base64')}`;

describe('startSnapservice', () => {
  it('listens on a free loopback port over HTTP, in memory, with the demo inventory and the sim API', async () => {
    const s = await start();
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.credentials).toEqual({ username: 'administrator@vsphere.local', password: 'VMware1!' });
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
    const vms = await (await fetch(`${s.url}/api/vcenter/vm?names=web-01`, { headers: { authorization: basic(s) } })).json();
    expect(vms).toHaveLength(1);
    expect((await s.sim.disks.get(vms[0].vm, 2001)).blockSize).toBeGreaterThan(0);
  });

  it('takes the CLI options by their Config names: a manual clock moves only when told', async () => {
    const s = await start({ clock: 'manual', clockStart: '2030-01-01T00:00:00.000Z', adminPassword: 'another-password' });
    expect(s.credentials.password).toBe('another-password');
    expect((await s.sim.clock.now()).toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect((await s.sim.clock.advance(90)).toISOString()).toBe('2030-01-01T00:01:30.000Z');
    expect((await s.sim.clock.now()).toISOString()).toBe('2030-01-01T00:01:30.000Z');
  });

  it('runs several servers side by side, each with its own state and metrics', async () => {
    const [a, b] = await Promise.all([start({ clock: 'manual' }), start({ clock: 'manual' })]);
    expect(a.url).not.toBe(b.url);
    const vm = (await (await fetch(`${a.url}/api/vcenter/vm?names=web-01`, { headers: { authorization: basic(a) } })).json())[0].vm;
    await a.sim.disks.write(vm, 2001, 0, 'only on a');
    expect((await a.sim.disks.readBlock(vm, 2001, 0)).subarray(0, 10).toString()).toBe('only on a\0');
    expect((await b.sim.disks.readBlock(vm, 2001, 0)).subarray(0, 10).toString()).not.toBe('only on a\0');
    await fetch(`${a.url}/api/vcenter/vm`, { headers: { authorization: basic(a) } });
    const metricsA = await (await fetch(`${a.url}/metrics`)).text();
    const metricsB = await (await fetch(`${b.url}/metrics`)).text();
    expect(metricsA).toMatch(/operation="com\.vmware\.vcenter\.vm\.list"/i);
    expect(metricsB).not.toMatch(/operation="com\.vmware\.vcenter\.vm\.list"/i);
  });

  it('turns sim API errors into SimError with the status and vAPI error kind', async () => {
    const s = await start();
    const notFound = await s.sim.disks.get('vm-none', 2000).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(SimError);
    expect(notFound).toMatchObject({ status: 404, errorType: 'NOT_FOUND' });
    const vm = (await (await fetch(`${s.url}/api/vcenter/vm?names=web-01`, { headers: { authorization: basic(s) } })).json())[0].vm;
    const bad = await s.sim.disks.write(vm, 2001, 1e9, 'x').catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, errorType: 'INVALID_ARGUMENT' });
    expect((bad as Error).message).toMatch(/spec\.block/);
  });

  it('drives fault rules and reads the request journal through the typed sim client', async () => {
    const s = await start();
    const get = (path: string) => fetch(`${s.url}${path}`, { headers: { authorization: basic(s) } });
    const rule = await s.sim.faults.add({
      name: 'lists fail', match: { service: 'com.vmware.vcenter.VM', operation: 'list' },
      effect: { type: 'ERROR', errorKind: 'SERVICE_UNAVAILABLE', message: 'planned outage' }, count: 1,
    });
    expect(rule).toMatchObject({ name: 'lists fail', enabled: true, count: 1, matches: 0, hits: 0, effect: { type: 'ERROR', errorKind: 'SERVICE_UNAVAILABLE' } });
    const failed = await get('/api/vcenter/vm');
    expect(failed.status).toBe(503);
    expect((await failed.json()).error_type).toBe('SERVICE_UNAVAILABLE');
    expect((await get('/api/vcenter/vm')).status).toBe(200);
    expect(await s.sim.faults.get(rule.rule)).toMatchObject({ matches: 2, hits: 1 });
    expect((await s.sim.faults.disable(rule.rule)).enabled).toBe(false);
    expect(await s.sim.faults.list()).toHaveLength(1);

    const calls = await s.sim.requests.list({ operation: 'com.vmware.vcenter.VM.list' });
    expect(calls.map((c) => c.status)).toEqual([503, 200]);
    expect(calls[0]).toMatchObject({ protocol: 'REST', method: 'GET', error: 'SERVICE_UNAVAILABLE' });
    expect(calls[0].time).toBeInstanceOf(Date);
    expect(await s.sim.requests.list({ status: 503 })).toHaveLength(1);

    await s.sim.faults.clear();
    await s.sim.requests.clear();
    expect(await s.sim.faults.list()).toEqual([]);
    expect(await s.sim.requests.list({ operation: 'com.vmware.vcenter.VM.list' })).toEqual([]);
    const gone = await s.sim.faults.get(rule.rule).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(SimError);
  });

  it('serves HTTPS with a generated certificate and hands it out for clients to trust', async () => {
    const s = await start({ http: false });
    expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(s.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect((await s.sim.clock.now()).getTime()).toBeGreaterThan(0);
  });

  it('refuses bad options and exposed listeners with a weak password, and starts nothing', async () => {
    await expect(startSnapservice({ taskDelayMs: -1 })).rejects.toThrow(/invalid configuration[\s\S]*taskDelayMs/);
    await expect(startSnapservice({ host: '0.0.0.0' })).rejects.toThrow(/refusing to listen on 0\.0\.0\.0 with the default password/);
    await expect(startSnapservice({ seed: '/nonexistent/seed.json' })).rejects.toThrow(/cannot read seed file/);
  });

  it('stops cleanly, twice if asked, and then refuses connections', async () => {
    const s = await startSnapservice({ scryptCost: 10 });
    await Promise.all([s.stop(), s.stop()]);
    await s.stop();
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
  });
});
