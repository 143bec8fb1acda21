import type { Deps } from '../../context.ts';
import type { DrAction } from '../../domain/dr.ts';
import type { ProtectionGroup } from '../../domain/model.ts';
import { errors, VapiError } from '../../errors.ts';
import { admitTask } from '../../tasks/submit.ts';
import type { Call } from '../../vapi/operation.ts';
import { PG_TYPE } from '../groups/admission.ts';
import { PG_TASK_KINDS } from '../groups/tasks.ts';
import { callSite } from '../sites/access.ts';
import { DR_TASK_KINDS, DR_TASKS, transitionOrThrow } from './tasks.ts';

/** What the protected site says of a group a promote here would take over (dr/peer-operations.ts). */
export interface OutgoingState { status: string; pending: boolean }

/**
 * "Incoming replications": the protected site still replicates the group (ACTIVE or PAUSED
 * there: demote it first) or has not finished shipping what it had when demoted. A site that
 * cannot be reached is the unplanned failover the promote is for: it goes ahead with what
 * arrived.
 */
async function incomingReplications(deps: Deps, pg: ProtectionGroup): Promise<void> {
  const { repos } = deps.store;
  const pair = pg.replication ? await repos.clusterPairs.get(pg.replication.clusterPairId) : undefined;
  const site = pair && (await repos.sites.get(pair.peerSiteId));
  if (!site) return;
  let there: OutgoingState;
  try {
    there = await callSite<OutgoingState>(deps, site, 'GET', `/api/peer/dr/groups/${encodeURIComponent(pg.id)}`);
  } catch (err) {
    // Unreachable, or it no longer (or never) knew the group: nothing more can arrive from it.
    if (err instanceof VapiError && !['SERVICE_UNAVAILABLE', 'NOT_FOUND', 'OPERATION_NOT_FOUND'].includes(err.kind)) throw err;
    deps.log.info({ pg: pg.id, site: site.id, err }, 'promote without the protected site (unplanned failover)');
    return;
  }
  if (there.status === 'ACTIVE' || there.status === 'PAUSED') {
    throw errors.notAllowed('pg.incoming_replications', `Protection group ${pg.id} still has incoming replications: it is ${there.status} at site ${site.name}; demote it there first.`, pg.id, site.name);
  }
  if (there.pending) {
    throw errors.notAllowed('pg.incoming_replications', `Protection group ${pg.id} still has incoming replications: site ${site.name} has not finished sending its last snapshots.`, pg.id, site.name);
  }
}

/**
 * Admits one DR operation: the transition must be allowed (checked before the peer is asked,
 * and again under the admission lock), one operation at a time per group.
 */
export async function submitDr(call: Call, pg: ProtectionGroup, action: DrAction): Promise<string> {
  transitionOrThrow(pg, action);
  if (action === 'promote') await incomingReplications(call.deps, pg);
  const type = DR_TASKS[action];
  return admitTask(call, type, async (tx) => {
    const now = await tx.groups.get(pg.id);
    if (!now) throw errors.notFound('protection group', pg.id);
    transitionOrThrow(now, action);
    const busy = await tx.tasks.activeForTarget(pg.id, [...PG_TASK_KINDS, ...DR_TASK_KINDS]);
    if (busy) throw errors.notAllowed('pg.busy', `Another operation (${busy.operation}, task ${busy.id}) is in progress on protection group ${pg.id}.`, pg.id, busy.id);
    return { target: { type: PG_TYPE, id: pg.id }, clusterId: now.clusterId, input: {} };
  });
}
