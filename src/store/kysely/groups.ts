import type { PgSnapshot, PgStatus, ProtectionGroup, SnapshotPolicy, SnapshotType, TargetEntities } from '../../domain/model.ts';
import type { ReplicationPolicy } from '../../domain/replication.ts';
import type { PgSnapshotRepo, ProtectionGroupRepo } from '../store.ts';
import { bool, int, NONE, num, type Db } from './core.ts';
import type { DB } from './schema.ts';

function groupOf(r: DB['protectionGroups']): ProtectionGroup {
  return {
    id: r.id,
    clusterId: r.clusterId,
    name: r.name,
    status: r.status as PgStatus,
    locked: bool(r.locked),
    targetEntities: JSON.parse(r.targetEntities) as TargetEntities,
    policies: JSON.parse(r.policies) as SnapshotPolicy[],
    createdAt: num(r.createdAt),
    scheduleAnchor: num(r.scheduleAnchor),
    ...(r.replication ? { replication: JSON.parse(r.replication) as ReplicationPolicy } : {}),
  };
}

function groupRow(p: Partial<ProtectionGroup>): Partial<DB['protectionGroups']> {
  const r: Partial<DB['protectionGroups']> = {};
  if (p.id !== undefined) r.id = p.id;
  if (p.clusterId !== undefined) r.clusterId = p.clusterId;
  if (p.name !== undefined) r.name = p.name;
  if (p.status !== undefined) r.status = p.status;
  if (p.locked !== undefined) r.locked = int(p.locked);
  if (p.targetEntities !== undefined) r.targetEntities = JSON.stringify(p.targetEntities);
  if (p.policies !== undefined) r.policies = JSON.stringify(p.policies);
  if (p.createdAt !== undefined) r.createdAt = p.createdAt;
  if (p.scheduleAnchor !== undefined) r.scheduleAnchor = p.scheduleAnchor;
  if (p.replication !== undefined) {
    r.replication = p.replication ? JSON.stringify(p.replication) : null;
    r.clusterPairId = p.replication?.clusterPairId ?? null;
  }
  return r;
}

export function groupRepo(db: Db): ProtectionGroupRepo {
  return {
    async insert(pg) {
      await db.insertInto('protectionGroups').values(groupRow(pg) as DB['protectionGroups']).execute();
    },
    async get(id) {
      const r = await db.selectFrom('protectionGroups').selectAll().where('id', '=', id).executeTakeFirst();
      return r && groupOf(r);
    },
    async list(clusterId, f = {}) {
      let q = db.selectFrom('protectionGroups').selectAll();
      if (clusterId !== undefined) q = q.where('clusterId', '=', clusterId);
      if (f.ids) q = f.ids.length > 0 ? q.where('id', 'in', f.ids) : q.where(NONE);
      if (f.names) q = f.names.length > 0 ? q.where('name', 'in', f.names) : q.where(NONE);
      if (f.statuses) q = f.statuses.length > 0 ? q.where('status', 'in', f.statuses) : q.where(NONE);
      if (f.clusterPairIds) q = f.clusterPairIds.length > 0 ? q.where('clusterPairId', 'in', f.clusterPairIds) : q.where(NONE);
      const rows = await q.orderBy('createdAt').orderBy('id').execute();
      return rows.map(groupOf);
    },
    async update(id, patch) {
      const row = groupRow(patch);
      if (Object.keys(row).length === 0) return;
      await db.updateTable('protectionGroups').set(row).where('id', '=', id).execute();
    },
    async delete(id) {
      await db.deleteFrom('policyRuns').where('pgId', '=', id).execute();
      await db.deleteFrom('protectionGroups').where('id', '=', id).execute();
    },
    async lastRuns(pgId) {
      const rows = await db.selectFrom('policyRuns').selectAll().where('pgId', '=', pgId).execute();
      return new Map(rows.map((r) => [r.policy, num(r.lastRun)]));
    },
    async setLastRun(pgId, policy, at) {
      await db.insertInto('policyRuns').values({ pgId, policy, lastRun: at })
        .onConflict((oc) => oc.columns(['pgId', 'policy']).doUpdateSet({ lastRun: at })).execute();
    },
  };
}

function pgSnapshotOf(r: DB['pgSnapshots']): PgSnapshot {
  return {
    ...r,
    type: r.type as SnapshotType,
    startTime: num(r.startTime),
    endTime: num(r.endTime),
    expiresAt: r.expiresAt === null ? null : num(r.expiresAt),
  };
}

export function pgSnapshotRepo(db: Db): PgSnapshotRepo {
  return {
    async insert(s) {
      await db.insertInto('pgSnapshots').values(s).execute();
    },
    async get(id) {
      const r = await db.selectFrom('pgSnapshots').selectAll().where('id', '=', id).executeTakeFirst();
      return r && pgSnapshotOf(r);
    },
    async list(pgId, f = {}) {
      let q = db.selectFrom('pgSnapshots').selectAll().where('pgId', '=', pgId);
      if (f.ids) q = f.ids.length > 0 ? q.where('id', 'in', f.ids) : q.where(NONE);
      if (f.names) q = f.names.length > 0 ? q.where('name', 'in', f.names) : q.where(NONE);
      if (f.createdAfter !== undefined) q = q.where('startTime', '>', f.createdAfter);
      if (f.createdBefore !== undefined) q = q.where('startTime', '<', f.createdBefore);
      if (f.expiresAfter !== undefined) q = q.where('expiresAt', '>', f.expiresAfter);
      if (f.expiresBefore !== undefined) q = q.where('expiresAt', '<', f.expiresBefore);
      const rows = await q.orderBy('startTime').orderBy('id').execute();
      return rows.map(pgSnapshotOf);
    },
    async delete(id) {
      await db.deleteFrom('pgSnapshots').where('id', '=', id).execute();
    },
    async expired(now, limit, excludeGroups = []) {
      let q = db.selectFrom('pgSnapshots').selectAll().where('expiresAt', '<=', now);
      if (excludeGroups.length > 0) q = q.where('pgId', 'not in', excludeGroups);
      const rows = await q.orderBy('expiresAt').orderBy('id').limit(limit).execute();
      return rows.map(pgSnapshotOf);
    },
    async nextExpiry(excludeGroups = []) {
      let q = db.selectFrom('pgSnapshots').select((eb) => eb.fn.min('expiresAt').as('t')).where('expiresAt', 'is not', null);
      if (excludeGroups.length > 0) q = q.where('pgId', 'not in', excludeGroups);
      const r = await q.executeTakeFirst();
      return r?.t === null || r?.t === undefined ? undefined : num(r.t);
    },
  };
}
