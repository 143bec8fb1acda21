import { ClockWorker } from '../../clock/loop.ts';
import type { Deps } from '../../context.ts';
import type { ProtectionGroup } from '../../domain/model.ts';
import type { ReplicationPolicy } from '../../domain/replication.ts';
import type { LinkWait } from '../sites/access.ts';
import { deliverRemovals } from './removals.ts';
import { sendMember, type Shipment } from './send.ts';
import { finalSyncPending } from '../../engine/final-sync.ts';

/** Service time between passes: the shortest RPO, so that a new snapshot waits at most that long. */
export const PASS_MS = 60_000;
/** Real time between looks for work another process may have added. */
const POLL_MS = 5000;

/**
 * Ships each new snapshot of every replicating group to the recovery site, member by member,
 * oldest first: the blocks changed since the snapshot the recovery site last received for that
 * VM. Before sending it asks what arrived, so after a cut link or a restart on either side
 * nothing that arrived is sent again; what did not arrive is sent on the next pass.
 */
export class Replicator extends ClockWorker {
  constructor(private readonly deps: Deps) {
    super(deps, 'replication', POLL_MS);
  }

  protected async round(): Promise<number | undefined> {
    return (await this.pass()) ? PASS_MS : undefined;
  }

  /**
   * One look at every replicating group; a group whose site cannot be reached waits for the
   * next. Whether any group replicates: only then is there a next pass to plan.
   */
  async pass(): Promise<boolean> {
    const { store, log } = this.deps;
    const wait: LinkWait = (ms) => this.loop.sleep(ms);
    // Old replicas go before new ones arrive: a group that replicates again starts afresh there.
    const owed = await deliverRemovals(this.deps, wait);
    let any = owed.size > 0;
    for (const pg of await store.repos.groups.list(undefined)) {
      // A DEMOTED group ships what it had not sent yet once (planned migration), then stops.
      if (!pg.replication || owed.has(pg.id) || (pg.status !== 'ACTIVE' && !(pg.status === 'DEMOTED' && (await finalSyncPending(store.repos, pg.id))))) continue;
      any = true;
      try {
        await replicateGroup(this.deps, pg, pg.replication, wait);
      } catch (err) {
        log.warn({ err, pg: pg.id }, 'replication of the group stopped for this pass');
      }
    }
    return any;
  }
}

async function replicateGroup(deps: Deps, pg: ProtectionGroup, policy: ReplicationPolicy, wait: LinkWait): Promise<void> {
  const { repos } = deps.store;
  const pair = await repos.clusterPairs.get(policy.clusterPairId);
  const site = pair && (await repos.sites.get(pair.peerSiteId));
  if (!pair || !site) return;
  const shipment: Shipment = { deps, site, pairId: pair.id, pg, policy, wait };
  const snaps = await repos.groupSnapshots.list(pg.id);
  const last = await repos.replication.lastSync(pg.id);
  // The first sync starts from the group's latest snapshot, not from its whole history.
  const from = last?.takenAt ?? snaps.at(-1)?.startTime ?? Infinity;
  for (const s of snaps.filter((x) => x.startTime >= from)) {
    const acked = new Set(await repos.replication.ackedVms(s.id));
    for (const member of await repos.snapshots.list({ pgSnapshotId: s.id })) {
      if (acked.has(member.vmId)) continue;
      await sendMember(shipment, member);
      await repos.replication.ack({ pgId: pg.id, pgSnapshotId: s.id, vmId: member.vmId, snapshotId: member.id, takenAt: s.startTime, ackedAt: deps.clock.now() });
    }
  }
}
