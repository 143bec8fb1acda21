/** Two-site records: a paired remote site, a cluster pair, a datastore, this site's licence. */

/** A remote site this server is paired with. Its id is the remote's own site id. */
export interface Site {
  id: string;
  name: string;
  /** https://host:port the remote answers at. */
  url: string;
  /** The remote's certificate (PEM): pinned, every call to the remote verifies it. */
  certificate: string;
  /** The remote's vCenter instance id. */
  vcenterId: string;
  /** The remote's release (e.g. '9.1'), as it reported it when last paired or repaired. */
  release: string;
  /** The credential this server uses at the remote (a service user the remote created). */
  remoteUser: string;
  remotePassword: string;
  /** The service user this server created for the remote to call it with. */
  localUser: string;
  createdAt: number;
  updatedAt: number;
}

export interface ClusterPair {
  /** The same id on both sites. */
  id: string;
  localClusterId: string;
  localClusterName: string;
  peerSiteId: string;
  peerClusterId: string;
  peerClusterName: string;
  createdAt: number;
}

export type DatastoreType = 'VMFS' | 'NFS' | 'NFS41' | 'CIFS' | 'VSAN' | 'VFFS' | 'VVOL' | 'PMEM';

export interface Datastore {
  id: string;
  name: string;
  type: DatastoreType;
  clusterId: string;
  datacenterId: string;
  capacityBytes: number;
  createdAt: number;
}

/** The VMware Live Recovery licence this site holds (modelled, set through the simulation API). */
export type LicenseState = 'ABSENT' | 'OPERATIONAL' | 'DEGRADED' | 'EXPIRED';

export interface License {
  state: LicenseState;
  type: 'CLOUD_SUBSCRIPTION' | 'OFFLINE_SUBSCRIPTION' | 'TERM_BASED';
  total: number;
  /** Licensed capacity not in use. */
  available: number;
}

/** Offline subscription by default: the one licence type whose info carries mode and capacity. */
export const DEFAULT_LICENSE: License = { state: 'OPERATIONAL', type: 'OFFLINE_SUBSCRIPTION', total: 256, available: 256 };

/** A licence from what was given (seed, simulation API), the rest as the default one. */
export function licenseOf(given: Partial<License> & Pick<License, 'state'>): License {
  const total = given.total ?? DEFAULT_LICENSE.total;
  return { state: given.state, type: given.type ?? DEFAULT_LICENSE.type, total, available: Math.min(given.available ?? total, total) };
}

/** The licence's operating mode as the vendor names it; undefined when there is none. */
export function operationalMode(l: License): 'OPERATIONAL' | 'DEGRADED' | 'SUSPENDED' | undefined {
  if (l.state === 'ABSENT') return undefined;
  if (l.state === 'EXPIRED') return 'SUSPENDED';
  return l.state;
}

/** Capacity of a cluster's vSAN datastore (the model gives every cluster one). */
export const VSAN_DATASTORE_BYTES = 16 * 1024 ** 4;

export function vsanDatastoreName(cluster: string): string {
  return `vsanDatastore (${cluster})`;
}

/**
 * Capabilities are the vendor's open strings (the document names none); ours name what this
 * server really does, so a client that gates features on them sees the truth. Replication adds
 * its own when it is served.
 */
export function siteCapabilities(release: string): string[] {
  const caps = ['SITE_PAIRING', 'CLUSTER_PAIRING', 'CLUSTER_PAIR_PRECHECK'];
  if (release === '9.1') caps.push('SITE_CAPABILITIES', 'DATASTORE_CAPABILITIES');
  return caps;
}

export function clusterCapabilities(): string[] {
  return ['SNAPSHOT_PROTECTION', 'CLUSTER_PAIRING'];
}

export function datastoreCapabilities(type: DatastoreType): string[] {
  return type === 'VSAN' ? ['VSAN_SNAPSHOTS', 'REPLICA_PLACEMENT'] : [];
}

/** Releases by age, to compare what two paired sites run. */
export const RELEASE_ORDER = ['8.0.3', '9.0', '9.1'];
