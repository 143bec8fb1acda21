import { expect } from 'vitest';
import { ADMIN, type Client } from './cli.ts';

/**
 * Two real servers paired as the vendor's flow does it, from `a`: probe the remote, add it
 * with its certificate and administrator, then pair a's Cluster-A with the remote's Cluster-B.
 */
export interface PairedServers {
  /** The remote site's id, as `a` knows it. */
  remoteSite: string;
  clusterA: string;
  clusterB: string;
  clusterPair: string;
}

export async function pairServers(a: Client, remoteUrl: string): Promise<PairedServers> {
  const remote = new URL(remoteUrl);
  const connection = { host: remote.hostname, port: Number(remote.port) };
  const certificate = (await a.ok('POST', '/api/snapservice/sites?action=probe', { vcenter_connection_spec: connection })).vcenter_certificate.certificate;
  const added = await a.waitTask(await a.ok('POST', '/api/snapservice/sites?action=add&vmw-task=true', {
    vcenter_connection_spec: connection, vcenter_creds: { user: ADMIN, password: 'VMware1!' }, vcenter_certificate: certificate,
  }));
  expect(added.status, JSON.stringify(added)).toBe('SUCCEEDED');
  const remoteSite = added.result as string;
  const [clusterA] = (await a.ok('GET', '/api/vcenter/cluster?names=Cluster-A')).map((c: any) => c.cluster as string);
  const clusterB = (await a.ok('GET', `/api/snapservice/sites/${remoteSite}/clusters?names=Cluster-B`)).items[0].cluster as string;
  const pair = await a.waitTask(await a.ok('POST', '/api/snapservice/cluster-pairs?vmw-task=true', {
    local_cluster: { cluster: clusterA }, peer_cluster: { site: remoteSite, cluster: clusterB },
  }));
  expect(pair.status, JSON.stringify(pair)).toBe('SUCCEEDED');
  return { remoteSite, clusterA, clusterB, clusterPair: pair.result as string };
}
