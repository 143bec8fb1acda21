import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeApp } from '../helpers/app.ts';
import { basic } from '../helpers/app.ts';

function seedFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'seed-'));
  const file = join(dir, 'seed.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('seed files', () => {
  it('builds the documented inventory with stable ids, history and users', async () => {
    const file = seedFile({
      datacenters: [{
        name: 'DC', folders: ['Templates'],
        clusters: [{
          name: 'C1', hosts: ['h1', 'h2'], resource_pools: ['Prod'],
          vms: [{
            name: 'v1', host: 'h2', folder: 'Templates', resource_pool: 'Prod', power_state: 'POWERED_ON',
            disks: [{ capacity_mib: 1, block_size: 512 }],
            history: [{ write: { disk: 2000, block: 0, text: 'a' } }, { snapshot: { name: 's1', age_minutes: 60, expires_in_minutes: 30 } }, { write: { disk: 2000, block: 1, base64: 'Yg==' } }],
          }],
        }],
      }],
      roles: [{ name: 'Reader', privileges: ['System.Read'] }],
      users: [{ name: 'u@local', password: 'pw', permissions: [{ role: 'Reader', on: 'DC/C1/v1', propagate: false }] }],
    });
    const runs = [await makeApp({ seed: file }), await makeApp({ seed: file })];
    try {
      const [a, b] = await Promise.all(runs.map((t) => t.runtime.deps.store.repos.vms.list()));
      expect(a.map((v) => v.id)).toEqual(b.map((v) => v.id));
      const t = runs[0];
      const vm = a[0];
      const repos = t.runtime.deps.store.repos;
      expect((await repos.inventory.getHost(vm.hostId!))?.name).toBe('h2');
      expect((await repos.inventory.getFolder(vm.folderId!))?.name).toBe('Templates');
      const snaps = await repos.snapshots.list({ vmId: vm.id });
      expect(snaps.map((s) => [s.name, t.clock.now() - s.createdAt, s.expiresAt! - t.clock.now()])).toEqual([['s1', 3_600_000, 1_800_000]]);
      const disk = await t.req({ method: 'GET', url: `/api/sim/vms/${vm.id}/disks/2000` });
      expect(disk.json()).toMatchObject({ block_size: 512, blocks: 2048, written_blocks: 2 });
      const cluster = vm.clusterId!;
      const asUser = { authorization: basic('u@local', 'pw') };
      expect((await t.req({ method: 'GET', url: `/api/snapservice/clusters/${cluster}/virtual-machines/${vm.id}/snapshots`, as: null, headers: asUser })).statusCode).toBe(403);
    } finally {
      await Promise.all(runs.map((t) => t.close()));
    }
  });

  it('refuses invalid seeds with a message naming the problem', async () => {
    await expect(makeApp({ seed: seedFile('{') })).rejects.toThrow(/not valid JSON/);
    await expect(makeApp({ seed: seedFile({ datacenters: [{ name: 'DC', clusters: [{ name: 'C', hosts: [] }] }] }) })).rejects.toThrow(/invalid seed/);
    await expect(makeApp({ seed: seedFile({ datacenters: [{ name: 'DC', clusters: [{ name: 'C', hosts: ['h'], vms: [{ name: 'v', host: 'zz' }] }] }] }) })).rejects.toThrow(/no host 'zz'/);
    await expect(makeApp({ seed: seedFile({ users: [{ name: 'x@y', password: 'p', permissions: [{ role: 'Nope', on: '/' }] }] }) })).rejects.toThrow(/no role 'Nope'/);
    await expect(makeApp({ seed: '/nonexistent/seed.json' })).rejects.toThrow(/cannot read seed file/);
    const labelled = (labels: unknown) => seedFile({ datacenters: [{ name: 'DC', clusters: [{ name: 'C', hosts: ['h'], vms: [{ name: 'v', history: [{ snapshot: { name: 's', labels } }] }] }] }] });
    await expect(makeApp({ seed: labelled([{ category: ' x', name: 'y' }]) })).rejects.toThrow(/VM v, snapshot s: label ' x\/y': must not start or end with white space/);
    await expect(makeApp({ seed: labelled([{ category: 'x' }]) })).rejects.toThrow(/invalid seed/);
  });
});
