import type { Deps } from '../../context.ts';
import type { WrittenBlock } from '../../domain/blockmap.ts';
import type { ProtectionGroup, VmSnapshot } from '../../domain/model.ts';
import type { ReplicationPolicy } from '../../domain/replication.ts';
import type { Site } from '../../domain/sites.ts';
import { diskDelta } from '../../engine/replicas.ts';
import { callSite, type LinkWait } from '../sites/access.ts';
import { replicationToWire } from '../groups/replication.ts';
import type { WirePiece } from './receive.ts';

/** One member snapshot on its way: where it goes and how time passes on the link meanwhile. */
export interface Shipment {
  deps: Deps;
  site: Site;
  pairId: string;
  pg: ProtectionGroup;
  policy: ReplicationPolicy;
  wait: LinkWait;
}

interface DiskDelta {
  key: number;
  label: string;
  capacity: number;
  block_size: number;
  full: boolean;
  blocks: WrittenBlock[];
}

/**
 * The blocks cut into chunks of at most `max` bytes, in disk and block order; a block that does
 * not fit what is left of a chunk continues in the next. The same delta always cuts the same
 * way, so chunks the recovery site holds from before a restart are still the right ones.
 */
export function cutChunks(disks: DiskDelta[], max: number): WirePiece[][] {
  const chunks: WirePiece[][] = [[]];
  let room = max;
  for (const d of disks) {
    for (const b of d.blocks) {
      let offset = 0;
      do {
        if (room === 0) {
          chunks.push([]);
          room = max;
        }
        const n = Math.min(room, b.data.length - offset);
        chunks[chunks.length - 1].push({ disk: d.key, block: b.blockNo, offset, data: b.data.subarray(offset, offset + n).toString('base64') });
        offset += n;
        room -= n;
      } while (offset < b.data.length);
    }
  }
  return chunks;
}

const total = (disks: DiskDelta[]) => disks.reduce((n, d) => n + d.blocks.reduce((m, b) => m + b.data.length, 0), 0);

/**
 * Sends one member snapshot unless the recovery site holds it: the blocks changed since the
 * recovery site's latest snapshot of the VM (all of them when it has none). A delta larger than
 * a chunk goes in chunks, skipping those already held (a send cut short, either side restarted),
 * then the snapshot itself, which lands them all at once.
 */
export async function sendMember(s: Shipment, member: VmSnapshot): Promise<void> {
  const { deps, site, wait } = s;
  const { repos } = deps.store;
  const call = <T>(method: string, path: string, body?: unknown) => callSite<T>(deps, site, method, path, body, wait);
  const held = (await call<{ snapshots: string[] }>('GET', `/api/peer/replica-vms/${encodeURIComponent(member.vmId)}`)).snapshots;
  if (held.includes(member.id)) return; // arrived before the acknowledgement was lost
  const latest = held.at(-1);
  // A delta needs the recovery site's latest snapshot here too; else the whole content goes.
  const base = latest === undefined ? undefined : await repos.snapshots.get(latest);
  const baseDisks = new Map((base ? await repos.snapshots.disks(base.id) : []).map((d) => [d.diskKey, d]));
  const disks: DiskDelta[] = [];
  for (const d of await repos.snapshots.disks(member.id)) {
    const from = baseDisks.get(d.diskKey);
    disks.push({
      key: d.diskKey, label: d.label, capacity: d.capacityBytes, block_size: d.blockSize, full: !from,
      blocks: await diskDelta(repos, d.layerId, from?.layerId ?? null, d.blockSize),
    });
  }
  const header = {
    cluster_pair: s.pairId,
    pg: {
      id: s.pg.id, name: s.pg.name, policy: replicationToWire(s.policy), generation: await repos.recovery.generation(s.pg.id),
      snapshot_policies: s.pg.policies.map((p) => ({ name: p.name, schedule: { ...p.schedule }, retention: { ...p.retention } })),
    },
    vm: {
      id: member.vmId, name: member.vmName,
      config: { cpu_count: member.cpuCount, cores_per_socket: member.coresPerSocket, memory_mib: member.memoryMib, guest_os: member.guestOs },
    },
    snapshot: { id: member.id, pg_snapshot: member.pgSnapshotId, name: member.name, taken_at: member.createdAt },
    ...(base ? { base_snapshot: base.id } : {}),
  };
  const chunkBytes = deps.config.replicationChunkBytes;
  if (total(disks) <= chunkBytes) {
    await call('POST', '/api/peer/replicas', {
      ...header, disks: disks.map((d) => ({ ...d, blocks: d.blocks.map((b) => ({ block: b.blockNo, data: b.data.toString('base64') })) })),
    });
    return;
  }
  const chunks = cutChunks(disks, chunkBytes);
  const staged = (await call<{ items: Array<{ index: number; count: number; base_snapshot?: string }> }>('GET', `/api/peer/replica-chunks/${encodeURIComponent(member.id)}`)).items;
  const have = new Set(staged.filter((c) => c.count === chunks.length && c.base_snapshot === base?.id).map((c) => c.index));
  for (const [index, pieces] of chunks.entries()) {
    if (have.has(index)) continue;
    await call('POST', '/api/peer/replica-chunks', {
      pg: s.pg.id, vm: member.vmId, snapshot: member.id, ...(base ? { base_snapshot: base.id } : {}), index, count: chunks.length, pieces,
    });
  }
  await call('POST', '/api/peer/replicas', { ...header, chunks: chunks.length, disks: disks.map((d) => ({ ...d, blocks: [] })) });
}
