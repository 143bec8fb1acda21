import { expect } from 'vitest';
import type { TestApp } from './app.ts';
import { DISK, MIN, replicationPair } from './replication.ts';
import { json, task } from './sites.ts';

/** Two in-process sites over TLS, a cluster pair, and a replicating group at site A (test/api/dr*.test.ts). */
export interface TwoSites {
  a: TestApp;
  b: TestApp;
  clusterA: string;
  clusterB: string;
  cp: string;
  pg: string;
  vm: string;
}

export { DISK, MIN };

export async function twoSites(keepLast = 3): Promise<TwoSites> {
  const p = await replicationPair({}, 5, keepLast, {
    snapshot_policies: [{ name: 'hourly', schedule: { unit: 'HOUR', interval: 1 }, retention: { unit: 'DAY', duration: 1 } }],
  });
  return { a: p.a, b: p.b, clusterA: p.cluster, clusterB: p.clusterB, cp: p.cp, pg: p.pg, vm: p.vm };
}

export async function write(t: TestApp, vm: string, block: number, text: string): Promise<void> {
  const r = await t.req({ method: 'POST', url: `/api/sim/vms/${vm}/disks/${DISK}?action=write`, headers: json, payload: { block, data: Buffer.from(text).toString('base64') } });
  expect(r.statusCode, r.payload).toBe(204);
}

/** A one-time snapshot of the group; returns the group snapshot id. */
export async function groupSnapshot(t: TestApp, cluster: string, pg: string, name: string): Promise<string> {
  const r = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${cluster}/protection-groups/${pg}/snapshots?vmw-task=true`, headers: json, payload: { name } });
  const info = await task(t, r.json());
  expect(info.status, JSON.stringify(info)).toBe('SUCCEEDED');
  return info.result.snapshot;
}

/** Starts a DR operation and returns its finished task (or the refusal's response). */
export async function dr(t: TestApp, cluster: string, pg: string, action: string): Promise<any> {
  const url = action.includes('ransomware')
    ? `/api/snapservice/protection-groups/${pg}?action=${action}&vmw-task=true`
    : `/api/snapservice/clusters/${cluster}/protection-groups/${pg}?action=${action}&vmw-task=true`;
  const r = await t.req({ method: 'POST', url });
  if (r.statusCode !== 202) return { refused: r.json(), statusCode: r.statusCode };
  return task(t, r.json());
}

export async function group(t: TestApp, cluster: string, pg: string): Promise<any> {
  return (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${cluster}/protection-groups/${pg}` })).json();
}

export async function diskDigest(t: TestApp, vm: string): Promise<string> {
  const r = await t.req({ method: 'GET', url: `/api/sim/vms/${vm}/disks/${DISK}` });
  expect(r.statusCode, r.payload).toBe(200);
  return r.json().digest;
}

export async function snapshotDigest(t: TestApp, vm: string, snapshot: string): Promise<string> {
  return (await t.req({ method: 'GET', url: `/api/sim/vms/${vm}/snapshots/${snapshot}/disks/${DISK}` })).json().digest;
}

/** The member snapshot of `vm` in a group snapshot. */
export async function memberSnapshot(t: TestApp, cluster: string, pg: string, pgSnapshot: string, vm: string): Promise<string> {
  const s = (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${cluster}/protection-groups/${pg}/snapshots/${pgSnapshot}` })).json();
  return s.vm_snapshots.find((v: any) => v.vm === vm).snapshot;
}

/** Recovered VMs come powered off; a guest writes only once it runs. */
export async function powerOn(t: TestApp, vm: string): Promise<void> {
  const r = await t.req({ method: 'POST', url: `/api/vcenter/vm/${vm}/power?action=start` });
  expect(r.statusCode, r.payload).toBe(204);
}
