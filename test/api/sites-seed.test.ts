import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrationProvider, SQLITE } from '../../src/store/migrations.ts';
import { makeApp } from '../helpers/app.ts';
import { json } from '../helpers/sites.ts';

describe('the site in a seed and in older stores', () => {
  it('takes the licence from the seed; the simulation API changes it; bad states are 400, anonymous 401', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seed-'));
    const file = join(dir, 'seed.json');
    writeFileSync(file, JSON.stringify({ license: { state: 'DEGRADED', total: 10, available: 99 } }));
    const t = await makeApp({ seed: file });
    try {
      expect((await t.req({ method: 'GET', url: '/api/sim/license' })).json()).toEqual({ state: 'DEGRADED', type: 'OFFLINE_SUBSCRIPTION', total: 10, available: 10 });
      expect((await t.req({ method: 'PUT', url: '/api/sim/license', headers: json, payload: { state: 'GONE' } })).statusCode).toBe(400);
      expect((await t.req({ method: 'PUT', url: '/api/sim/license', headers: json, payload: { state: 'ABSENT' }, as: null })).statusCode).toBe(401);
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives the clusters of a store made before 0005_sites their vSAN datastores, and the store its site ids', async () => {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    try {
      const migrator = new Migrator({ db, provider: migrationProvider(SQLITE) });
      expect((await migrator.migrateTo('0001_core')).error).toBeUndefined();
      for (const [id, name, at] of [['domain-c9', 'Old-B', 20], ['domain-c3', 'Old-A', 10]] as const) {
        await db.insertInto('clusters').values({ id, name, datacenter_id: 'datacenter-1', ha_enabled: 1, drs_enabled: 1, resource_pool_id: 'resgroup-1', created_at: at }).execute();
      }
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      const ds = await db.selectFrom('datastores').selectAll().orderBy('id').execute();
      expect(ds.map((d) => [d.id, d.cluster_id, d.name, d.type])).toEqual([
        ['datastore-1', 'domain-c3', 'vsanDatastore (Old-A)', 'VSAN'],
        ['datastore-2', 'domain-c9', 'vsanDatastore (Old-B)', 'VSAN'],
      ]);
      expect((await db.selectFrom('counters').selectAll().where('name', '=', 'datastore').executeTakeFirst())?.value).toBe(2);
      const meta = await db.selectFrom('meta').selectAll().where('key', 'in', ['siteId', 'vcenterId']).execute();
      expect(meta).toHaveLength(2);
    } finally {
      await db.destroy();
    }
  });
});
