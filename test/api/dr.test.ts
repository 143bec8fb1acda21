import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { diskDigest, dr, group, groupSnapshot, memberSnapshot, MIN, powerOn, snapshotDigest, twoSites, write, type TwoSites } from '../helpers/dr.ts';
import { call, userPass } from '../jsonrpc/client.ts';
import { task } from '../helpers/sites.ts';

/**
 * The disaster-recovery walk between two in-process sites over TLS: planned migration
 * (demote, final sync, promote), activate with reverse replication, failback, ransomware
 * recovery holding replica expiry, and an unplanned failover while the protected site is cut off.
 */
let s: TwoSites;
let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  s = await twoSites(2);
  ({ a, b } = s);
});
afterAll(async () => {
  await a.close();
  await b.close();
});

async function vcenterVm(t: TestApp, vm: string): Promise<any> {
  const r = await t.req({ method: 'GET', url: `/api/vcenter/vm/${vm}` });
  return r.statusCode === 200 ? r.json() : { statusCode: r.statusCode, error: r.json().error_type };
}

/** Both sites run their runners and replicators for `ms` of service time. */
async function tick(ms = MIN): Promise<void> {
  await a.advance(ms);
  await b.advance(ms);
  await a.advance(0);
}

describe('disaster recovery between two sites', () => {
  let recovered: string;
  let back: string;

  it('planned migration: demote ships a final sync, promote registers digest-equal VMs at the recovery site', async () => {
    await write(a, s.vm, 0, 'zero');
    const first = await groupSnapshot(a, s.clusterA, s.pg, 'first');
    await tick();
    expect((await group(b, s.clusterB, s.pg)).status).toBe('DORMANT');
    // The simulation plane shows the replica, digest-equal to the source snapshot.
    const replicas = (await b.req({ method: 'GET', url: `/api/sim/protection-groups/${s.pg}/replicas` })).json().items;
    expect(replicas).toMatchObject([{ vm: s.vm, name: 'web-01' }]);
    expect(replicas[0].snapshots.at(-1).disks).toContainEqual(expect.objectContaining({ key: 2000, digest: await snapshotDigest(a, s.vm, await memberSnapshot(a, s.clusterA, s.pg, first, s.vm)) }));

    // The protected site still replicates: "incoming replications".
    const early = await dr(b, s.clusterB, s.pg, 'promote');
    expect(early.statusCode).toBe(400);
    expect(early.refused).toMatchObject({ error_type: 'NOT_ALLOWED_IN_CURRENT_STATE', messages: [{ id: 'com.vmware.snapservice.pg.incoming_replications' }] });

    // Written after the last snapshot: the demote's final sync carries it.
    await write(a, s.vm, 7, 'seven');
    const expected = await diskDigest(a, s.vm);
    const demoted = await dr(a, s.clusterA, s.pg, 'demote');
    expect(demoted.status, JSON.stringify(demoted)).toBe('SUCCEEDED');
    const info = await group(a, s.clusterA, s.pg);
    expect(info.status).toBe('DEMOTED');
    const final = info.snapshots.at(-1);
    expect((await a.req({ method: 'GET', url: `/api/snapservice/clusters/${s.clusterA}/protection-groups/${s.pg}/snapshots/${final}` })).json()).toMatchObject({ snapshot_type: 'SYSTEM_CREATED' });
    expect(await snapshotDigest(a, s.vm, await memberSnapshot(a, s.clusterA, s.pg, final, s.vm))).toBe(expected);
    // A demoted group takes no user changes; demoting again is already done.
    expect((await dr(a, s.clusterA, s.pg, 'demote')).refused.error_type).toBe('ALREADY_IN_DESIRED_STATE');
    const pause = await a.req({ method: 'POST', url: `/api/snapservice/clusters/${s.clusterA}/protection-groups/${s.pg}?action=pause&vmw-task=true` });
    expect(pause.json().messages[0].id).toBe('com.vmware.snapservice.pg.dr_state');

    await tick();
    const promoted = await dr(b, s.clusterB, s.pg, 'promote');
    expect(promoted.status, JSON.stringify(promoted)).toBe('SUCCEEDED');
    const bInfo = await group(b, s.clusterB, s.pg);
    expect(bInfo.status).toBe('RECOVERY');
    expect(bInfo.vms).toHaveLength(1);
    recovered = bInfo.vms[0];
    const source = await vcenterVm(a, s.vm);
    const vm = await vcenterVm(b, recovered);
    expect(vm).toMatchObject({ name: 'web-01', power_state: 'POWERED_OFF', cpu: source.cpu, memory: source.memory, guest_os: source.guest_os });
    expect(await diskDigest(b, recovered)).toBe(expected);
    // Copy-on-write: the recovered VM's writes are its own.
    await powerOn(b, recovered);
    await write(b, recovered, 9, 'recovered');
    expect(await diskDigest(b, recovered)).not.toBe(expected);
  });

  it('activate resumes protection and replicates back; the demoted group turns DORMANT and its VM leaves the inventory', async () => {
    const activated = await dr(b, s.clusterB, s.pg, 'activate');
    expect(activated.status, JSON.stringify(activated)).toBe('SUCCEEDED');
    const bInfo = await group(b, s.clusterB, s.pg);
    expect(bInfo).toMatchObject({ status: 'ACTIVE', snapshot_policies: [{ name: 'hourly' }] });
    expect((await dr(b, s.clusterB, s.pg, 'activate')).refused.error_type).toBe('ALREADY_IN_DESIRED_STATE');
    await tick();
    expect(await group(a, s.clusterA, s.pg)).toMatchObject({ status: 'DORMANT', vms: [] });
    expect(await vcenterVm(a, s.vm)).toMatchObject({ statusCode: 404 });
    const replica = await a.runtime.deps.store.repos.replication.getVm(b.runtime.deps.site.id, recovered);
    expect(replica).toBeDefined();
    // Local protection at the new protected site: the hourly policy takes snapshots again.
    await b.advance(60 * MIN);
    expect((await group(b, s.clusterB, s.pg)).snapshots.length).toBeGreaterThanOrEqual(2);
  });

  it('failback walks the same way back, started over JSON-RPC', async () => {
    await write(b, recovered, 3, 'back home');
    const expected = await diskDigest(b, recovered);
    const PGS = 'com.vmware.snapservice.clusters.protection_groups';
    const demote = await call(b, PGS, 'demote$task', { cluster: s.clusterB, pg: s.pg }, userPass('admin'));
    expect((await task(b, demote)).status).toBe('SUCCEEDED');
    await tick();
    const promote = await call(a, PGS, 'promote$task', { cluster: s.clusterA, pg: s.pg }, userPass('admin'));
    expect((await task(a, promote)).status).toBe('SUCCEEDED');
    const aInfo = await group(a, s.clusterA, s.pg);
    expect(aInfo.status).toBe('RECOVERY');
    back = aInfo.vms[0];
    expect(await diskDigest(a, back)).toBe(expected);
    await powerOn(a, back);
    expect((await task(a, await call(a, PGS, 'activate$task', { cluster: s.clusterA, pg: s.pg }, userPass('admin')))).status).toBe('SUCCEEDED');
    await tick();
    expect(await group(b, s.clusterB, s.pg)).toMatchObject({ status: 'DORMANT', vms: [] });
    expect(await vcenterVm(b, recovered)).toMatchObject({ statusCode: 404 });
  });

  it('ransomware recovery holds replica expiry until it ends (keep_last 2)', async () => {
    const replicas = async () => {
      const repos = b.runtime.deps.store.repos;
      const rvm = await repos.replication.getVm(a.runtime.deps.site.id, back);
      return rvm ? (await repos.replication.listSnapshots(rvm.id)).length : 0;
    };
    const started = await call(b, 'com.vmware.snapservice.protection_groups', 'start_ransomware_recovery$task', { pg: s.pg }, userPass('admin'));
    expect((await task(b, started)).status).toBe('SUCCEEDED');
    expect((await group(b, s.clusterB, s.pg)).status).toBe('DORMANT_RANSOMWARE_RECOVERY');
    expect((await dr(b, s.clusterB, s.pg, 'start-ransomware-recovery')).refused.error_type).toBe('ALREADY_IN_DESIRED_STATE');
    expect((await dr(b, s.clusterB, s.pg, 'promote')).refused.error_type).toBe('NOT_ALLOWED_IN_CURRENT_STATE');
    for (const n of [1, 2, 3]) {
      await write(a, back, n, `rr-${n}`);
      await groupSnapshot(a, s.clusterA, s.pg, `rr-${n}`);
      await tick();
    }
    expect(await replicas()).toBeGreaterThan(2);
    const ended = await dr(b, s.clusterB, s.pg, 'end-ransomware-recovery');
    expect(ended.status, JSON.stringify(ended)).toBe('SUCCEEDED');
    expect((await group(b, s.clusterB, s.pg)).status).toBe('DORMANT');
    expect(await replicas()).toBe(2);
    expect((await dr(b, s.clusterB, s.pg, 'end-ransomware-recovery')).refused.error_type).toBe('ALREADY_IN_DESIRED_STATE');
  });

  it('unplanned failover: promote while the protected site is cut off; the stale ACTIVE group turns DORMANT when it is reachable again', async () => {
    // Two snapshots at one instant (the clock does not move): the later one is the recovery point.
    await write(a, back, 4, 'replicated, then overwritten');
    await groupSnapshot(a, s.clusterA, s.pg, 'same instant');
    await write(a, back, 4, 'last replicated');
    const snap = await groupSnapshot(a, s.clusterA, s.pg, 'before the disaster');
    await tick();
    const expected = await snapshotDigest(a, back, await memberSnapshot(a, s.clusterA, s.pg, snap, back));
    await write(a, back, 5, 'lost with the site');

    const { repos } = b.runtime.deps.store;
    const siteA = (await repos.sites.list())[0];
    await repos.sites.update(siteA.id, { url: 'https://127.0.0.1:1' }); // site A is gone
    const promoted = await dr(b, s.clusterB, s.pg, 'promote');
    expect(promoted.status, JSON.stringify(promoted)).toBe('SUCCEEDED');
    const vm = (await group(b, s.clusterB, s.pg)).vms[0];
    expect(await diskDigest(b, vm)).toBe(expected);
    expect((await dr(b, s.clusterB, s.pg, 'activate')).status).toBe('SUCCEEDED');
    // Still ACTIVE over there; its replicas are refused here as superseded.
    expect((await group(a, s.clusterA, s.pg)).status).toBe('ACTIVE');
    await repos.sites.update(siteA.id, { url: siteA.url }); // site A is back
    await groupSnapshot(a, s.clusterA, s.pg, 'stale');
    await tick();
    expect(await group(a, s.clusterA, s.pg)).toMatchObject({ status: 'DORMANT', vms: [] });
    expect((await group(b, s.clusterB, s.pg)).status).toBe('ACTIVE');
    expect(await diskDigest(b, vm)).toBe(expected);
  });
});
