import type { ReplicaDisk, ReplicaSnapshot, ReplicaVm, SentReplica } from '../../domain/replication.ts';
import type { ReplicationRepo } from '../store.ts';
import { num, ONE, type Db } from './core.ts';
import { stagingRepo } from './replica-staging.ts';
import type { DB } from './schema.ts';

function sentOf(r: DB['replicationSent']): SentReplica {
  return { ...r, takenAt: num(r.takenAt), ackedAt: num(r.ackedAt) };
}

function vmOf(r: DB['replicaVms']): ReplicaVm {
  return { ...r, createdAt: num(r.createdAt) };
}

function diskOf(r: DB['replicaDisks']): ReplicaDisk {
  return { ...r, diskKey: num(r.diskKey), capacityBytes: num(r.capacityBytes), blockSize: num(r.blockSize), headLayerId: num(r.headLayerId) };
}

function snapshotOf(r: DB['replicaSnapshots']): ReplicaSnapshot {
  return { ...r, takenAt: num(r.takenAt), receivedAt: num(r.receivedAt), disks: JSON.parse(r.disks) as ReplicaSnapshot['disks'] };
}

export function replicationRepo(db: Db): ReplicationRepo {
  return {
    async ack(r) {
      await db.insertInto('replicationSent').values(r).onConflict((oc) => oc.columns(['pgSnapshotId', 'vmId']).doNothing()).execute();
    },
    async ackedVms(pgSnapshotId) {
      const rows = await db.selectFrom('replicationSent').select('vmId').where('pgSnapshotId', '=', pgSnapshotId).orderBy('vmId').execute();
      return rows.map((r) => r.vmId);
    },
    async lastAcked(pgId, vmId) {
      const r = await db.selectFrom('replicationSent').selectAll().where('pgId', '=', pgId).where('vmId', '=', vmId)
        .orderBy('takenAt', 'desc').orderBy('pgSnapshotId', 'desc').limit(ONE).executeTakeFirst();
      return r && sentOf(r);
    },
    async lastSync(pgId) {
      const r = await db.selectFrom('replicationSent').selectAll().where('pgId', '=', pgId)
        .orderBy('ackedAt', 'desc').orderBy('pgSnapshotId', 'desc').limit(ONE).executeTakeFirst();
      return r && sentOf(r);
    },
    async forgetGroup(pgId) {
      await db.deleteFrom('replicationSent').where('pgId', '=', pgId).execute();
    },
    async insertVm(vm) {
      await db.insertInto('replicaVms').values(vm).execute();
    },
    async getVm(sourceSiteId, sourceVmId) {
      const r = await db.selectFrom('replicaVms').selectAll().where('sourceSiteId', '=', sourceSiteId).where('sourceVmId', '=', sourceVmId).executeTakeFirst();
      return r && vmOf(r);
    },
    async listVms(pgId) {
      const rows = await db.selectFrom('replicaVms').selectAll().where('pgId', '=', pgId).orderBy('createdAt').orderBy('id').execute();
      return rows.map(vmOf);
    },
    async upsertDisk(d) {
      await db.insertInto('replicaDisks').values(d)
        .onConflict((oc) => oc.columns(['replicaVmId', 'diskKey']).doUpdateSet({ label: d.label, capacityBytes: d.capacityBytes, blockSize: d.blockSize, headLayerId: d.headLayerId }))
        .execute();
    },
    async disks(replicaVmId) {
      const rows = await db.selectFrom('replicaDisks').selectAll().where('replicaVmId', '=', replicaVmId).orderBy('diskKey').execute();
      return rows.map(diskOf);
    },
    async insertSnapshot(s) {
      await db.insertInto('replicaSnapshots').values({ ...s, disks: JSON.stringify(s.disks) }).execute();
    },
    async snapshotBySource(sourceSnapshotId) {
      const r = await db.selectFrom('replicaSnapshots').selectAll().where('sourceSnapshotId', '=', sourceSnapshotId).executeTakeFirst();
      return r && snapshotOf(r);
    },
    async listSnapshots(replicaVmId) {
      const rows = await db.selectFrom('replicaSnapshots').selectAll().where('replicaVmId', '=', replicaVmId).orderBy('takenAt').orderBy('sourcePgSnapshotId').execute();
      return rows.map(snapshotOf);
    },
    async deleteSnapshot(id) {
      await db.deleteFrom('replicaSnapshots').where('id', '=', id).execute();
    },
    async deleteVm(id) {
      await db.deleteFrom('replicaSnapshots').where('replicaVmId', '=', id).execute();
      await db.deleteFrom('replicaDisks').where('replicaVmId', '=', id).execute();
      await db.deleteFrom('replicaVms').where('id', '=', id).execute();
    },
    ...stagingRepo(db),
  };
}
