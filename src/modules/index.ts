import type { Config } from '../config/config.ts';
import type { Operation } from '../vapi/operation.ts';
import { groupSnapshotRoutes } from './group-snapshots/operations.ts';
import { groupRoutes } from './groups/operations.ts';
import { infoRoutes } from './info/operations.ts';
import { laterRoutes } from './later/operations.ts';
import { sessionRoutes } from './session/operations.ts';
import { simClockRoutes } from './sim/clock.ts';
import { simRoutes } from './sim/operations.ts';
import { taskRoutes } from './tasks/operations.ts';
import { vcenterRoutes } from './vcenter/operations.ts';
import { vmSnapshotRoutes } from './vm-snapshots/operations.ts';
import { vmRoutes } from './vms/operations.ts';

/** Every operation this server serves, in one list: REST, JSON-RPC and the docs read it. */
export function allOperations(config: Pick<Config, 'sim'>): Operation[] {
  return [
    ...sessionRoutes,
    ...infoRoutes,
    ...taskRoutes,
    ...vmRoutes,
    ...vmSnapshotRoutes,
    ...groupRoutes,
    ...groupSnapshotRoutes,
    ...vcenterRoutes,
    ...laterRoutes, // later-release operations we do not serve: UNSUPPORTED; after every served one
    ...(config.sim ? [...simRoutes, ...simClockRoutes] : []),
  ];
}
