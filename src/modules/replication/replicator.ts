import { ClockLoop } from '../../clock/loop.ts';
import type { Deps } from '../../context.ts';
import type { ProtectionGroup, VmSnapshot } from '../../domain/model.ts';
import type { ReplicationPolicy } from '../../domain/replication.ts';
import type { Site } from '../../domain/sites.ts';
import { diskDelta } from '../../engine/replicas.ts';
import { finalSyncPending } from '../../engine/final-sync.ts';
import { callSite } from '../sites/access.ts';
import { replicationToWire } from '../groups/replication.ts';

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
export class Replicator {
  private readonly loop: ClockLoop;

  constructor(private readonly deps: Deps) {
    this.loop = new ClockLoop(deps, 'replication', POLL_MS, async () => ((await this.pass()) ? PASS_MS : undefined));
  }

  start(): void {
    this.loop.start();
  }

  notify(): void {
    this.loop.notify();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  idle(): Promise<void> {
    return this.loop.idle();
  }

  /**
   * One look at every replicating group; a group whose site cannot be reached waits for the
   * next. Whether any group replicates: only then is there a next pass to plan.
   */
  async pass(): Promise<boolean> {
    const { store, log } = this.deps;
    let any = false;
    for (const pg of await store.repos.groups.list(undefined)) {
      // A DEMOTED group ships what it had not sent yet once (planned migration), then stops.
      if (!pg.replication || (pg.status !== 'ACTIVE' && !(pg.status === 'DEMOTED' && (await finalSyncPending(store.repos, pg.id))))) continue;
      any = true;
      try {
        await replicateGroup(this.deps, pg, pg.replication);
      } catch (err) {
        log.warn({ err, pg: pg.id }, 'replication of the group stopped for this pass');
      }
    }
    return any;
  }
}

async function replicateGroup(deps: Deps, pg: ProtectionGroup, policy: ReplicationPolicy): Promise<void> {
  const { repos } = deps.store;
  const pair = await repos.clusterPairs.get(policy.clusterPairId);
  const site = pair && (await repos.sites.get(pair.peerSiteId));
  if (!pair || !site) return;
  const snaps = await repos.groupSnapshots.list(pg.id);
  const last = await repos.replication.lastSync(pg.id);
  // The first sync starts from the group's latest snapshot, not from its whole history.
  const from = last?.takenAt ?? snaps.at(-1)?.startTime ?? Infinity;
  for (const s of snaps.filter((x) => x.startTime >= from)) {
    const acked = new Set(await repos.replication.ackedVms(s.id));
    for (const member of await repos.snapshots.list({ pgSnapshotId: s.id })) {
      if (acked.has(member.vmId)) continue;
      await sendMember(deps, site, pair.id, pg, policy, member);
      await repos.replication.ack({ pgId: pg.id, pgSnapshotId: s.id, vmId: member.vmId, snapshotId: member.id, takenAt: s.startTime, ackedAt: deps.clock.now() });
    }
  }
}

async function sendMember(deps: Deps, site: Site, pairId: string, pg: ProtectionGroup, policy: ReplicationPolicy, member: VmSnapshot): Promise<void> {
  const { repos } = deps.store;
  const held = (await callSite<{ snapshots: string[] }>(deps, site, 'GET', `/api/peer/replica-vms/${encodeURIComponent(member.vmId)}`)).snapshots;
  if (held.includes(member.id)) return; // arrived before the acknowledgement was lost
  const latest = held.at(-1);
  // A delta needs the recovery site's latest snapshot here too; else the whole content goes.
  const base = latest === undefined ? undefined : await repos.snapshots.get(latest);
  const baseDisks = new Map((base ? await repos.snapshots.disks(base.id) : []).map((d) => [d.diskKey, d]));
  const disks = [];
  for (const d of await repos.snapshots.disks(member.id)) {
    const from = baseDisks.get(d.diskKey);
    const blocks = await diskDelta(repos, d.layerId, from?.layerId ?? null, d.blockSize);
    disks.push({
      key: d.diskKey, label: d.label, capacity: d.capacityBytes, block_size: d.blockSize, full: !from,
      blocks: blocks.map((b) => ({ block: b.blockNo, data: b.data.toString('base64') })),
    });
  }
  await callSite(deps, site, 'POST', '/api/peer/replicas', {
    cluster_pair: pairId,
    pg: {
      id: pg.id, name: pg.name, policy: replicationToWire(policy), generation: await repos.recovery.generation(pg.id),
      snapshot_policies: pg.policies.map((p) => ({ name: p.name, schedule: { ...p.schedule }, retention: { ...p.retention } })),
    },
    vm: {
      id: member.vmId, name: member.vmName,
      config: { cpu_count: member.cpuCount, cores_per_socket: member.coresPerSocket, memory_mib: member.memoryMib, guest_os: member.guestOs },
    },
    snapshot: { id: member.id, pg_snapshot: member.pgSnapshotId, name: member.name, taken_at: member.createdAt },
    ...(base ? { base_snapshot: base.id } : {}),
    disks,
  });
}
