import type { InstanceRepo, PermissionRepo, RoleRepo, SessionRepo, UserRepo } from '../store.ts';
import { bool, int, num, type Db } from './core.ts';
import { changes, rows } from './prepared.ts';

export function userRepo(db: Db): UserRepo {
  return {
    async insert(u) {
      await db.insertInto('users').values(u).execute();
    },
    async get(name) {
      const r = await db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
      return r && { ...r, createdAt: num(r.createdAt) };
    },
    async list() {
      const rows = await db.selectFrom('users').selectAll().orderBy('name').execute();
      return rows.map((r) => ({ ...r, createdAt: num(r.createdAt) }));
    },
    async setPassword(name, passwordHash) {
      await db.updateTable('users').set({ passwordHash }).where('name', '=', name).execute();
    },
    async delete(name) {
      await db.deleteFrom('permissions').where('principal', '=', name).execute();
      await db.deleteFrom('sessions').where('userName', '=', name).execute();
      await db.deleteFrom('users').where('name', '=', name).execute();
    },
  };
}

export function roleRepo(db: Db): RoleRepo {
  return {
    async upsert(role) {
      const row = { ...role, privileges: JSON.stringify(role.privileges), system: int(role.system) };
      await db.insertInto('roles').values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet({ name: row.name, privileges: row.privileges, system: row.system })).execute();
    },
    async get(id) {
      const r = await db.selectFrom('roles').selectAll().where('id', '=', id).executeTakeFirst();
      return r && { ...r, privileges: JSON.parse(r.privileges) as string[], system: bool(r.system) };
    },
    async list() {
      const rows = await db.selectFrom('roles').selectAll().orderBy('id').execute();
      return rows.map((r) => ({ ...r, privileges: JSON.parse(r.privileges) as string[], system: bool(r.system) }));
    },
  };
}

export function permissionRepo(db: Db): PermissionRepo {
  return {
    async upsert(p) {
      const row = { ...p, propagate: int(p.propagate) };
      await db.insertInto('permissions').values(row)
        .onConflict((oc) => oc.columns(['principal', 'entityId']).doUpdateSet({ roleId: row.roleId, propagate: row.propagate }))
        .execute();
    },
    async forPrincipal(principal, entityIds) {
      if (entityIds.length === 0) return [];
      const rows = await db.selectFrom('permissions').selectAll().where('principal', '=', principal)
        .where('entityId', 'in', entityIds).execute();
      return rows.map((r) => ({ ...r, propagate: bool(r.propagate) }));
    },
    async listForPrincipal(principal) {
      const found = await rows(db, 'permissions.listForPrincipal',
        (d, a) => d.selectFrom('permissions').selectAll().where('principal', '=', a(0)).orderBy('entityId'), [principal]);
      return found.map((r) => ({ ...r, propagate: bool(r.propagate) }));
    },
  };
}

export function sessionRepo(db: Db): SessionRepo {
  return {
    async insert(s) {
      await db.insertInto('sessions').values({ tokenHash: s.tokenHash, userName: s.user, createdAt: s.createdAt, lastAccessedAt: s.lastAccessedAt }).execute();
    },
    async get(tokenHash) {
      const [r] = await rows(db, 'sessions.get', (d, a) => d.selectFrom('sessions').selectAll().where('tokenHash', '=', a(0)), [tokenHash]);
      return r && { tokenHash: r.tokenHash, user: r.userName, createdAt: num(r.createdAt), lastAccessedAt: num(r.lastAccessedAt) };
    },
    async touch(tokenHash, at) {
      await changes(db, 'sessions.touch', (d, a) => d.updateTable('sessions').set({ lastAccessedAt: a(1) }).where('tokenHash', '=', a(0)), [tokenHash, at]);
    },
    async delete(tokenHash) {
      await db.deleteFrom('sessions').where('tokenHash', '=', tokenHash).execute();
    },
    async purge(idleBefore, createdBefore) {
      const r = await db.deleteFrom('sessions')
        .where((eb) => eb.or([eb('lastAccessedAt', '<', idleBefore), eb('createdAt', '<', createdBefore)])).executeTakeFirst();
      return num(r.numDeletedRows);
    },
    async countLive(idleBefore, createdBefore) {
      const r = await db.selectFrom('sessions').select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('lastAccessedAt', '>=', idleBefore).where('createdAt', '>=', createdBefore).executeTakeFirstOrThrow();
      return num(r.n);
    },
  };
}

export function instanceRepo(db: Db): InstanceRepo {
  return {
    async register(i) {
      await db.insertInto('instances').values(i).execute();
    },
    async heartbeat(id, at) {
      await db.updateTable('instances').set({ heartbeatAt: at }).where('id', '=', id).execute();
    },
    async list() {
      const rows = await db.selectFrom('instances').selectAll().orderBy('startedAt').orderBy('id').execute();
      return rows.map((r) => ({ ...r, startedAt: num(r.startedAt), heartbeatAt: num(r.heartbeatAt) }));
    },
    async remove(id) {
      await db.deleteFrom('instances').where('id', '=', id).execute();
    },
  };
}
