import type { Config } from '../../src/config/config.ts';
import { allOperations } from '../../src/modules/index.ts';
import { isNotImplemented } from '../../src/modules/later/operations.ts';
import type { Operation } from '../../src/vapi/operation.ts';
import { PEER_PREFIX } from '../../src/modules/sites/peer-operations.ts';
import { endpointKey } from '../helpers/contract.ts';

/**
 * Operations this server really serves with `--release` (the latest by default): not the
 * later-release placeholders, not the simulation plane, not the endpoints a paired site calls.
 */
export function servedOperations(release: Config['release'] = '9.1'): Operation[] {
  return allOperations({ sim: false, release }).filter((op) => !isNotImplemented(op) && !op.rest.path.startsWith(PEER_PREFIX));
}

/** `METHOD /api/path?action=..&vmw-task=true`, comparable with contract.ts `opEndpoint`. */
export function servedEndpoint(op: Operation): string {
  return endpointKey(op.rest.method, op.rest.path, { action: op.rest.action, task: op.rest.task, select: op.rest.select });
}

/** The success status our REST binding answers (src/vapi/rest.ts). */
export function servedStatus(op: Operation): number {
  if (op.rest.task) return 202;
  return op.rest.status ?? (op.output === undefined && op.rest.method === 'DELETE' ? 204 : 200);
}
