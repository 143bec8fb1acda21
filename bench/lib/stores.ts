/**
 * The stores a benchmark runs on. SQLite always; PostgreSQL beside it when asked for with
 * `--store postgres` (at SNAPSERVICE_BENCH_PG_URL, default the local server) or
 * `--store postgres://...`: each run gets a temporary database, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { ConfigInput } from '../../src/config/config.ts';
import type { BenchOptions } from './report.ts';

export const DEFAULT_PG_URL = process.env.SNAPSERVICE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchStore {
  /** 'sqlite' or 'postgres', as printed. */
  name: 'sqlite' | 'postgres';
  /** The store part of the app server's config. */
  open(): Promise<{ config: ConfigInput; drop(): Promise<void> }>;
}

export function pgUrl(opts: BenchOptions): string {
  return opts.store?.startsWith('postgres://') || opts.store?.startsWith('postgresql://') ? opts.store : DEFAULT_PG_URL;
}

async function admin(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await c.connect();
  await c.query(sql).finally(() => c.end());
}

export const SQLITE: BenchStore = { name: 'sqlite', open: async () => ({ config: { store: 'sqlite' }, drop: async () => undefined }) };

export function postgres(adminUrl: string): BenchStore {
  return {
    name: 'postgres',
    async open() {
      const db = `snapservice_bench_${randomBytes(4).toString('hex')}`;
      await admin(adminUrl, `create database "${db}"`);
      const url = new URL(adminUrl);
      url.pathname = `/${db}`;
      return { config: { store: url.toString() }, drop: () => admin(adminUrl, `drop database if exists "${db}" with (force)`) };
    },
  };
}

/** SQLite, and PostgreSQL too when `--store postgres[://...]` asks for it. */
export function benchStores(opts: BenchOptions): BenchStore[] {
  return opts.store?.startsWith('postgres') ? [SQLITE, postgres(pgUrl(opts))] : [SQLITE];
}

/** Runs `fn` with a freshly opened store's config and always drops the store afterwards. */
export async function withStore<T>(store: BenchStore, fn: (config: ConfigInput) => Promise<T>): Promise<T> {
  const db = await store.open();
  try {
    return await fn(db.config);
  } finally {
    await db.drop();
  }
}
