// A test suite as a user of the published package writes it: Snapservice started from the
// test process, driven over its REST API as any vSphere client would, its simulation plane
// (clock, disks) through the typed `sim` client. test/package/package.test.ts runs this file
// in a fresh project where `snapservice` is installed from the packed tarball.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSnapservice, SimError, type Snapservice } from 'snapservice';

let server: Snapservice;
let session: string;

beforeAll(async () => {
  // A manual clock: tasks and schedules move only when the test advances time.
  server = await startSnapservice({ clock: 'manual', taskDelayMs: 2000 });
  const { username, password } = server.credentials;
  const login = await fetch(`${server.url}/api/session`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
  });
  session = (await login.json()) as string;
});

afterAll(() => server?.stop());

async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'vmware-api-session-id': session, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

describe('reverting a VM to a snapshot', () => {
  it('restores exactly what the snapshot kept', async () => {
    const [cluster] = await api<Array<{ cluster: string }>>('/api/vcenter/cluster?names=Cluster-A');
    const [vm] = await api<Array<{ vm: string }>>('/api/vcenter/vm?names=web-01');
    const base = `/api/snapservice/clusters/${cluster.cluster}/virtual-machines/${vm.vm}`;
    const { items } = await api<{ items: Array<{ snapshot: string; info: { name: string } }> }>(`${base}/snapshots`);
    const snapshot = items.find((s) => s.info.name === 'daily-1')!.snapshot;
    const disk = 2001;

    // The guest writes after the snapshot was taken.
    await server.sim.disks.write(vm.vm, disk, 3, 'written by the guest');
    const kept = await server.sim.disks.inSnapshot(vm.vm, snapshot, disk);
    expect((await server.sim.disks.get(vm.vm, disk)).digest).not.toBe(kept.digest);

    const task = await api<string>(`${base}?action=revert&vmw-task=true`, { method: 'POST', body: { snapshot } });
    expect((await api<{ status: string }>(`/api/snapservice/tasks/${task}`)).status).toBe('RUNNING');

    await server.sim.clock.advance(5);
    expect((await api<{ status: string }>(`/api/snapservice/tasks/${task}`)).status).toBe('SUCCEEDED');
    expect((await server.sim.disks.get(vm.vm, disk)).digest).toBe(kept.digest);
  });

  it('reports simulation errors as typed errors', async () => {
    const err = await server.sim.disks.get('vm-does-not-exist', 2000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimError);
    expect((err as SimError).status).toBe(404);
    expect((err as SimError).errorType).toBe('NOT_FOUND');
  });

  it('moves service time only when told', async () => {
    const before = await server.sim.clock.now();
    expect((await server.sim.clock.now()).getTime()).toBe(before.getTime());
    expect((await server.sim.clock.advance(3600)).getTime()).toBe(before.getTime() + 3600_000);
  });
});
