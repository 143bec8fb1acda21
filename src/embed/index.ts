/**
 * The package entry (`import { startSnapservice } from 'snapservice'`): a Snapservice server
 * inside a test process, and the typed simulation client that comes with it.
 */
export { startSnapservice, type Snapservice, type SnapserviceOptions } from './start.ts';
export { SimError } from './http.ts';
export type { DiskContent, SimClient, SimClock, SimDisks, SimSnapshots } from './sim-client.ts';
export type { LinkConditions, ReplicaDisk, ReplicaSnapshot, ReplicaVm, SimLinks, SimReplicas } from './sim-sites.ts';
export type {
  FaultEffect, FaultEffectType, FaultMatch, FaultRule, FaultRuleSpec, RequestFilter, RequestRecord, SimFaults, SimRequests,
} from './sim-plane.ts';
