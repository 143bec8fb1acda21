import type { Config } from '../config/config.ts';
import type { Operation } from '../vapi/operation.ts';
import { apiRelease, operationsFor } from '../vapi/release.ts';
import { globalSnapshotOperations } from './global-snapshots/operations.ts';
import { groupSnapshotOperations } from './group-snapshots/operations.ts';
import { groupOperations } from './groups/operations.ts';
import { clusterPairOperations } from './cluster-pairs/operations.ts';
import { infoOperations } from './info/operations.ts';
import { laterOperations } from './later/operations.ts';
import { reportOperations } from './reports/operations.ts';
import { sessionOperations } from './session/operations.ts';
import { simClockOperations } from './sim/clock.ts';
import { simFaultOperations } from './sim/faults.ts';
import { simOperations } from './sim/operations.ts';
import { simRequestOperations } from './sim/requests.ts';
import { taggingOperations } from './tagging/operations.ts';
import { siteOperations } from './sites/operations.ts';
import { peerOperations } from './sites/peer-operations.ts';
import { replicationPeerOperations } from './replication/peer-operations.ts';
import { drOperations } from './dr/operations.ts';
import { drPeerOperations } from './dr/peer-operations.ts';
import { vmProtectionOperations } from './vm-protection/operations.ts';
import { siteResourceOperations } from './sites/resources.ts';
import { simReplicaOperations } from './replication/sim.ts';
import { simLinkOperations } from './sites/links.ts';
import { simLicenseOperations } from './sites/sim.ts';
import { taskOperations } from './tasks/operations.ts';
import { vcenterOperations } from './vcenter/operations.ts';
import { vmSnapshotOperations } from './vm-snapshots/operations.ts';
import { vmOperations } from './vms/operations.ts';

const SIMULATION: readonly Operation[] = [...simOperations, ...simClockOperations, ...simFaultOperations, ...simRequestOperations, ...simLicenseOperations, ...simLinkOperations, ...simReplicaOperations];

/** Every operation this server defines, whatever it serves: the task runner's executors come from here. */
export function everyOperation(): Operation[] {
  return [
    ...sessionOperations,
    ...infoOperations,
    ...taskOperations,
    ...vmOperations,
    ...vmSnapshotOperations,
    ...globalSnapshotOperations,
    ...groupOperations,
    ...groupSnapshotOperations,
    ...reportOperations,
    ...vcenterOperations,
    ...taggingOperations,
    ...siteOperations,
    ...siteResourceOperations,
    ...clusterPairOperations,
    ...vmProtectionOperations,
    ...drOperations,
    ...peerOperations, // what a paired site calls (/api/peer): not the vendor's API
    ...replicationPeerOperations,
    ...drPeerOperations,
    ...laterOperations, // later-release operations we do not serve: UNSUPPORTED; after every served one
    ...SIMULATION,
  ];
}

/**
 * Every operation this server serves with this config, in one list, as the configured release
 * defines them (vapi/release.ts): REST, JSON-RPC and the docs read it.
 */
export function allOperations(config: Pick<Config, 'sim' | 'release'>): Operation[] {
  const ops = everyOperation().filter((op) => config.sim || !SIMULATION.includes(op));
  return operationsFor(ops, apiRelease(config.release));
}
