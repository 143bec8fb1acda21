import type { Operation } from '../vapi/operation.ts';
import { infoRoutes } from './info/routes.ts';
import { taskRoutes } from './tasks/routes.ts';
import { sessionRoutes } from './session/routes.ts';

/** Every operation this server serves, in one list: REST, JSON-RPC and the docs read it. */
export function allOperations(): Operation[] {
  return [...sessionRoutes, ...infoRoutes, ...taskRoutes];
}
