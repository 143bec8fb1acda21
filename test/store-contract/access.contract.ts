import { describe, expect, it } from 'vitest';
import { AWKWARD_IDS, binary, FAR, scrambled, type Ctx } from './fixtures.ts';

/** meta, ids, locks, users, roles, permissions, sessions, instances. */
export function accessContract(ctx: Ctx): void {
  describe('meta', () => {
    it('gets undefined for a missing key, then upserts', async () => {
      const { meta } = ctx.store.repos;
      expect(await meta.get('schema.note')).toBeUndefined();
      await meta.set('schema.note', 'first');
      expect(await meta.get('schema.note')).toBe('first');
      await meta.set('schema.note', '');
      expect(await meta.get('schema.note')).toBe('');
      await meta.set('other', 'ünïcødé \'quoted\' "double" \\ %_');
      expect(await meta.get('other')).toBe('ünïcødé \'quoted\' "double" \\ %_');
      expect(await meta.get('schema.note')).toBe('');
    });
  });

  describe('ids', () => {
    it('next() is strictly increasing, also under concurrent calls', async () => {
      const { ids } = ctx.store.repos;
      const first = await ids.next();
      const second = await ids.next();
      expect(Number.isInteger(first)).toBe(true);
      expect(second).toBeGreaterThan(first);
      const burst = await Promise.all(Array.from({ length: 20 }, () => ids.next()));
      expect(new Set(burst).size).toBe(20);
      expect(Math.min(...burst)).toBeGreaterThan(second);
      expect(await ids.next()).toBeGreaterThan(Math.max(...burst));
    });
  });

  describe('locks', () => {
    it('acquire() works for every lock name, inside and outside a transaction', async () => {
      for (const name of ['admission', 'scheduler', 'gc'] as const) {
        await ctx.store.repos.locks.acquire(name);
        await ctx.store.transaction((tx) => tx.locks.acquire(name));
      }
      await ctx.store.transaction(async (tx) => {
        await tx.locks.acquire('admission');
        await tx.locks.acquire('admission');
        await tx.locks.acquire('gc');
      });
    });
  });

  describe('users', () => {
    it('inserts, gets, lists by name and sets passwords', async () => {
      const { users } = ctx.store.repos;
      expect(await users.get('nobody')).toBeUndefined();
      const names = AWKWARD_IDS.map((n) => `${n}@vsphere.local`);
      for (const [i, name] of scrambled(names).entries()) await users.insert({ name, passwordHash: `hash-${name}`, createdAt: FAR + i });
      expect((await users.list()).map((u) => u.name)).toEqual([...names].sort(binary));
      const first = (await users.list()).find((u) => u.name === names[0]);
      expect(first).toEqual({ name: names[0], passwordHash: `hash-${names[0]}`, createdAt: expect.any(Number) });
      expect(first!.createdAt).toBeGreaterThanOrEqual(FAR);
      await users.setPassword(names[0], 'new-hash');
      expect(await users.get(names[0])).toEqual({ ...first, passwordHash: 'new-hash' });
      expect((await users.get(names[1]))?.passwordHash).toBe(`hash-${names[1]}`);
      await users.setPassword('nobody', 'x');
      expect(await users.get('nobody')).toBeUndefined();
    });
  });

  describe('roles', () => {
    it('upserts, gets and lists by id with privileges and the system flag', async () => {
      const { roles } = ctx.store.repos;
      expect(await roles.get('r-1')).toBeUndefined();
      for (const id of scrambled(AWKWARD_IDS)) await roles.upsert({ id, name: `Role ${id}`, privileges: [], system: false });
      expect((await roles.list()).map((r) => r.id)).toEqual([...AWKWARD_IDS].sort(binary));
      await roles.upsert({ id: 'r-1', name: 'Admin', privileges: ['System.View', 'VirtualMachine.State.RevertToSnapshot'], system: true });
      expect(await roles.get('r-1')).toEqual({ id: 'r-1', name: 'Admin', privileges: ['System.View', 'VirtualMachine.State.RevertToSnapshot'], system: true });
      await roles.upsert({ id: 'r-1', name: 'Renamed', privileges: [], system: false });
      expect(await roles.get('r-1')).toEqual({ id: 'r-1', name: 'Renamed', privileges: [], system: false });
      expect(await roles.get(AWKWARD_IDS[0])).toEqual({ id: AWKWARD_IDS[0], name: `Role ${AWKWARD_IDS[0]}`, privileges: [], system: false });
    });
  });

  describe('permissions', () => {
    it('upserts on (principal, entity), filters by entity ids and lists by entity id', async () => {
      const { permissions } = ctx.store.repos;
      await permissions.upsert({ principal: 'alice', entityId: 'vm-1', roleId: 'r-1', propagate: true });
      await permissions.upsert({ principal: 'alice', entityId: 'c-1', roleId: 'r-2', propagate: false });
      await permissions.upsert({ principal: 'bob', entityId: 'vm-1', roleId: 'r-3', propagate: true });
      for (const e of scrambled(AWKWARD_IDS)) await permissions.upsert({ principal: 'carol', entityId: e, roleId: 'r', propagate: false });

      const byEntity = (a: { entityId: string }, b: { entityId: string }) => binary(a.entityId, b.entityId);
      expect((await permissions.forPrincipal('alice', ['vm-1', 'c-1', 'dc-9'])).sort(byEntity)).toEqual([
        { principal: 'alice', entityId: 'c-1', roleId: 'r-2', propagate: false },
        { principal: 'alice', entityId: 'vm-1', roleId: 'r-1', propagate: true },
      ]);
      expect(await permissions.forPrincipal('alice', [])).toEqual([]);
      expect(await permissions.forPrincipal('alice', ['dc-9'])).toEqual([]);
      expect(await permissions.forPrincipal('nobody', ['vm-1'])).toEqual([]);

      await permissions.upsert({ principal: 'alice', entityId: 'vm-1', roleId: 'r-9', propagate: false });
      expect(await permissions.listForPrincipal('alice')).toEqual([
        { principal: 'alice', entityId: 'c-1', roleId: 'r-2', propagate: false },
        { principal: 'alice', entityId: 'vm-1', roleId: 'r-9', propagate: false },
      ]);
      expect((await permissions.listForPrincipal('carol')).map((p) => p.entityId)).toEqual([...AWKWARD_IDS].sort(binary));
      expect(await permissions.listForPrincipal('bob')).toEqual([{ principal: 'bob', entityId: 'vm-1', roleId: 'r-3', propagate: true }]);
      expect(await permissions.listForPrincipal('nobody')).toEqual([]);
    });
  });

  describe('sessions', () => {
    it('inserts, gets, touches and deletes', async () => {
      const { sessions } = ctx.store.repos;
      expect(await sessions.get('t-1')).toBeUndefined();
      await sessions.insert({ tokenHash: 't-1', user: 'alice', createdAt: FAR, lastAccessedAt: FAR + 1 });
      await sessions.insert({ tokenHash: 't-2', user: 'bob', createdAt: 5, lastAccessedAt: 6 });
      expect(await sessions.get('t-1')).toEqual({ tokenHash: 't-1', user: 'alice', createdAt: FAR, lastAccessedAt: FAR + 1 });
      await sessions.touch('t-1', FAR + 500);
      expect((await sessions.get('t-1'))?.lastAccessedAt).toBe(FAR + 500);
      await sessions.touch('missing', 1);
      await sessions.delete('t-1');
      expect(await sessions.get('t-1')).toBeUndefined();
      expect(await sessions.get('t-2')).toEqual({ tokenHash: 't-2', user: 'bob', createdAt: 5, lastAccessedAt: 6 });
      await sessions.delete('t-1');
    });

    it('purge() removes idle or old sessions (strictly before) and counts them', async () => {
      const { sessions } = ctx.store.repos;
      const put = (tokenHash: string, createdAt: number, lastAccessedAt: number) =>
        sessions.insert({ tokenHash, user: 'u', createdAt, lastAccessedAt });
      await put('idle', 500, 900);
      await put('old', 100, 2000);
      await put('edge', 1000, 1000);
      await put('fresh', 1500, 2500);
      expect(await sessions.countLive(1000, 200)).toBe(2);
      expect(await sessions.countLive(0, 0)).toBe(4);
      expect(await sessions.countLive(FAR, 0)).toBe(0);
      expect(await sessions.purge(1000, 200)).toBe(2);
      expect(await sessions.get('idle')).toBeUndefined();
      expect(await sessions.get('old')).toBeUndefined();
      expect(await sessions.get('edge')).toBeDefined();
      expect(await sessions.get('fresh')).toBeDefined();
      expect(await sessions.purge(0, 0)).toBe(0);
      expect(await sessions.purge(FAR, 0)).toBe(2);
    });
  });

  describe('instances', () => {
    it('registers, heartbeats, lists by start time then id and removes', async () => {
      const { instances } = ctx.store.repos;
      expect(await instances.list()).toEqual([]);
      const at = (id: string, startedAt: number) => ({ id, hostname: `host-${id}`, pid: 4194304, startedAt, heartbeatAt: startedAt });
      for (const id of scrambled(AWKWARD_IDS)) await instances.register(at(id, FAR));
      await instances.register(at('early', 5));
      expect((await instances.list()).map((i) => i.id)).toEqual(['early', ...[...AWKWARD_IDS].sort(binary)]);
      await instances.heartbeat('early', FAR + 10);
      expect((await instances.list())[0]).toEqual({ ...at('early', 5), heartbeatAt: FAR + 10 });
      await instances.remove('early');
      await instances.remove('missing');
      expect((await instances.list()).map((i) => i.id)).toEqual([...AWKWARD_IDS].sort(binary));
    });
  });
}
