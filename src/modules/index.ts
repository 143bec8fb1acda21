import type { Config } from '../config/config.ts';
import type { Operation } from '../vapi/operation.ts';
import { groupSnapshotRoutes } from './group-snapshots/routes.ts';
import { groupRoutes } from './groups/routes.ts';
import { infoRoutes } from './info/routes.ts';
import { laterRoutes } from './later/routes.ts';
import { sessionRoutes } from './session/routes.ts';
import { simClockRoutes } from './sim/clock.ts';
import { simRoutes } from './sim/routes.ts';
import { taskRoutes } from './tasks/routes.ts';
import { vcenterRoutes } from './vcenter/routes.ts';
import { vmSnapshotRoutes } from './vm-snapshots/routes.ts';
import { vmRoutes } from './vms/routes.ts';

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
