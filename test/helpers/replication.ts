import { expect } from 'vitest';
import { readContent } from '../../src/engine/disks.ts';
import type { ConfigInput } from '../../src/config/config.ts';
import { ids, makeApp, type TestApp } from './app.ts';
import { json, pair, task } from './sites.ts';

/** Two in-process sites over TLS, a cluster pair, and one group of one VM replicating from `a` to `b`. */
export interface ReplicationPair {
  a: TestApp;
  b: TestApp;
  /** b's site id, as a knows it (the link to set through a's sim API). */
  bId: string;
  cluster: string;
  /** b's cluster in the pair. */
  clusterB: string;
  vm: string;
  pg: string;
  cp: string;
}

export const DISK = 2000;
export const MIN = 60_000;

/** `group`: more of the group's create spec (snapshot policies, say). */
export async function replicationPair(config: ConfigInput = {}, rpoMinutes = 5, keepLast = 3, group: Record<string, unknown> = {}): Promise<ReplicationPair> {
  const a = await makeApp({ siteName: 'site-a', taskDelayMs: 0, taskQueueMs: 0, ...config }, { https: true });
  const b = await makeApp({ siteName: 'site-b', taskDelayMs: 0, taskQueueMs: 0, ...config }, { https: true });
  const ia = await ids(a);
  const clusterB = (await ids(b)).clusterA;
  const bId = await pair(a, b);
  const r = await a.req({ method: 'POST', url: '/api/snapservice/cluster-pairs?vmw-task=true', headers: json, payload: { local_cluster: { cluster: ia.clusterA }, peer_cluster: { site: bId, cluster: clusterB } } });
  const cp = (await task(a, r.json())).result;
  const vm = ia.vm('web-01');
  const made = await a.req({
    method: 'POST', url: `/api/snapservice/clusters/${ia.clusterA}/protection-groups?vmw-task=true`, headers: json,
    payload: { name: 'web', target_entities: { vms: [vm] }, ...group, replication_policies: [{ cluster_pair: cp, recovery_point_objective: { unit: 'MINUTE', duration: rpoMinutes }, snapshot_retention: { short_term: { keep_last: keepLast } } }] },
  });
  const pg = (await task(a, made.json())).result;
  return { a, b, bId, cluster: ia.clusterA, clusterB, vm, pg, cp };
}

export async function write(p: ReplicationPair, block: number, data: string | Buffer): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const r = await p.a.req({ method: 'POST', url: `/api/sim/vms/${p.vm}/disks/${DISK}?action=write`, headers: json, payload: { block, data: bytes.toString('base64') } });
  expect(r.statusCode, r.payload).toBe(204);
}

/** A one-time group snapshot; returns the member snapshot of the VM. */
export async function snapshot(p: ReplicationPair, name: string): Promise<string> {
  const base = `/api/snapservice/clusters/${p.cluster}/protection-groups/${p.pg}/snapshots`;
  const r = await p.a.req({ method: 'POST', url: `${base}?vmw-task=true`, headers: json, payload: { name } });
  const info = await task(p.a, r.json());
  expect(info.status, JSON.stringify(info)).toBe('SUCCEEDED');
  const snap = (await p.a.req({ method: 'GET', url: `${base}/${info.result.snapshot}` })).json();
  return snap.vm_snapshots.find((v: any) => v.vm === p.vm).snapshot;
}

export async function sourceDigest(p: ReplicationPair, snapshotId: string): Promise<string> {
  return (await p.a.req({ method: 'GET', url: `/api/sim/vms/${p.vm}/snapshots/${snapshotId}/disks/${DISK}` })).json().digest;
}

/** The recovery site's replica snapshots of the VM, with their disk digests. */
export async function replicas(p: ReplicationPair): Promise<Array<{ source: string; digest?: string }>> {
  const { repos } = p.b.runtime.deps.store;
  const replica = await repos.replication.getVm(p.a.runtime.deps.site.id, p.vm);
  if (!replica) return [];
  const disks = new Map((await repos.replication.disks(replica.id)).map((d) => [d.diskKey, d]));
  const out = [];
  for (const s of await repos.replication.listSnapshots(replica.id)) {
    const d = s.disks.find((x) => x.diskKey === DISK);
    const geometry = disks.get(DISK);
    out.push({ source: s.sourceSnapshotId, digest: d && geometry ? (await readContent(repos, d.layerId, geometry, Infinity)).digest : undefined });
  }
  return out;
}

export async function outgoing(p: ReplicationPair): Promise<any> {
  const info = (await p.a.req({ method: 'GET', url: `/api/snapservice/clusters/${p.cluster}/virtual-machines/${p.vm}` })).json();
  return info.remote_protection_info?.outgoing_replications;
}

/** Sets the link from a to b through a's sim API. */
export async function link(p: ReplicationPair, spec: Record<string, unknown>): Promise<void> {
  const r = await p.a.req({ method: 'PUT', url: `/api/sim/sites/${p.bId}/link`, headers: json, payload: spec });
  expect(r.statusCode, r.payload).toBe(204);
}

/** Calls b received on a peer path, e.g. `/api/peer/replica-chunks`. */
export const received = (p: ReplicationPair, path: string, method = 'POST') =>
  p.b.runtime.deps.journal.list().filter((e) => e.path === path && e.method === method);
