import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgresStore } from '../../src/store/postgres/postgres.ts';
import { Tracker } from './harness.ts';
import type { Harness } from './suite.ts';

/** The maintenance database used to create and drop the per-test databases. */
export const ADMIN_URL = process.env.SNAPSERVICE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** ADMIN_URL without its password, for messages. */
export function shownUrl(): string {
  const url = new URL(ADMIN_URL);
  if (url.password) url.password = '***';
  return url.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Whether PostgreSQL answers; tries once to start the local cluster if it does not. */
export async function postgresAvailable(): Promise<boolean> {
  const ping = () => admin((c) => c.query('select 1')).then(() => true, () => false);
  if (await ping()) return true;
  try {
    execSync('pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start', { stdio: 'ignore', timeout: 30_000 });
  } catch {
    // Not installed or not ours to start: the caller reports and skips.
  }
  return ping();
}

function urlOf(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Databases use an ICU English collation when the server has ICU: there 'x_a' sorts before
 * 'x-b' and case is ignored first, as on most production clusters, so any ordering that
 * depends on the database's collation shows up as a failure instead of passing on C.UTF-8.
 */
async function createDatabase(name: string): Promise<void> {
  await admin(async (c) => {
    try {
      await c.query(`create database "${name}" template template0 locale_provider icu icu_locale 'en-US'`);
    } catch {
      await c.query(`create database "${name}"`);
    }
  });
}

const dropDatabase = (name: string) => admin(async (c) => {
  await c.query(`drop database if exists "${name}" with (force)`);
});

/** Puts a database back to its state right after migration: empty tables, seed rows restored. */
async function resetter(url: string): Promise<{ reset(): Promise<void>; end(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ name: string }>(
    "select tablename as name from pg_tables where schemaname = current_schema() and tablename not like 'kysely%' order by 1");
  const tables = rows.map((r) => `"${r.name}"`);
  const seeds: Array<{ table: string; rows: unknown[] }> = [];
  for (const table of tables) {
    const seed = await client.query(`select * from ${table}`);
    if (seed.rows.length > 0) seeds.push({ table, rows: seed.rows });
  }
  const reset = async () => {
    await client.query('begin');
    // DELETE, not TRUNCATE: truncating ~20 tables costs 0.3-0.6 s (new files, fsync), a delete
    // of a test's few rows milliseconds. Sequences keep counting, as they would in production.
    for (const table of tables) await client.query(`delete from ${table}`);
    for (const { table, rows: seed } of seeds) {
      await client.query(`insert into ${table} select * from json_populate_recordset(null::${table}, $1)`, [JSON.stringify(seed)]);
    }
    await client.query('commit');
  };
  return { reset, end: () => client.end() };
}

/**
 * One database per run, migrated once and dropped by dispose(); each test gets a new Store on
 * it after the tables are emptied and the migration's seed rows restored (a database per test
 * costs 0.1-0.4 s to create and drop). location() makes a brand-new, unmigrated database.
 */
export function postgresHarness(): Harness & { dispose(): Promise<void> } {
  const t = new Tracker();
  const run = `snapservice_test_${randomBytes(4).toString('hex')}`;
  let serial = 0;
  let shared: Promise<{ url: string; reset(): Promise<void>; end(): Promise<void> }> | undefined;
  const setUp = async () => {
    const url = urlOf(run);
    await createDatabase(run);
    const store = openPostgresStore({ url, poolSize: 1 });
    try {
      await store.migrate();
    } finally {
      await store.close();
    }
    return { url, ...(await resetter(url)) };
  };
  return {
    peersInProcess: true,
    async location() {
      const name = `${run}_${++serial}`;
      await createDatabase(name);
      t.later(() => dropDatabase(name));
      const url = urlOf(name);
      return { target: { store: url, dataDir: '/nonexistent' }, open: () => t.store(openPostgresStore({ url, poolSize: 4 })) };
    },
    async fresh() {
      shared ??= setUp();
      const { url, reset } = await shared;
      await reset();
      return t.store(openPostgresStore({ url, poolSize: 4 }));
    },
    cleanup: () => t.cleanup(),
    async dispose() {
      await shared?.then((s) => s.end(), () => undefined);
      await dropDatabase(run);
    },
  };
}

/** A fresh database on the test server for one test file: its URL, and a way to drop it. */
export async function scratchDatabase(prefix: string): Promise<{ url: URL; drop(): Promise<void> }> {
  const name = `snapservice_${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: ADMIN_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`create database "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url, drop: () => admin(`drop database if exists "${name}" with (force)`) };
}
