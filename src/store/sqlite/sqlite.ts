import Database from 'better-sqlite3';
import {
  CamelCasePlugin, CompiledQuery, Kysely, Migrator, SqliteAdapter, SqliteDialect, type DatabaseConnection, type DialectAdapter, type Driver,
} from 'kysely';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { batcher } from '../kysely/batch.ts';
import { observedDialect, type QueryObserver } from '../kysely/observe.ts';
import { useDirect } from '../kysely/prepared.ts';
import { makeRepos } from '../kysely/repos.ts';
import type { DB } from '../kysely/schema.ts';
import { migrationProvider, SQLITE } from '../migrations.ts';
import type { Store } from '../store.ts';
import { directPath } from './direct.ts';
import { changesData, ReadCache, trackExec } from './read-cache.ts';

export interface SqliteOptions {
  /** Directory holding snapservice.db, or ':memory:'. */
  dataDir: string;
  /** How long a writer waits for another process's write lock. */
  busyTimeoutMs?: number;
  /** 'full' syncs every commit to disk (survives power loss); default 'normal'. */
  durability?: 'normal' | 'full';
  onQuery?: QueryObserver;
}

/**
 * better-sqlite3 prepares a statement per call inside Kysely's driver; caching them by SQL
 * text removes most of the per-query cost on hot paths (task GET, session lookup).
 */
function withStatementCache(db: Database.Database, prepare: (source: string) => Database.Statement): Database.Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return prepare;
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** Kysely's driver prepares each statement just before it runs it: the read cache is told then. */
function statementCache(db: Database.Database, reads: ReadCache): (source: string) => Database.Statement {
  const cache = new Map<string, { stmt: Database.Statement; changes: boolean }>();
  return (source) => {
    let c = cache.get(source);
    if (!c) {
      const stmt = db.prepare(source);
      c = { stmt, changes: changesData(stmt, source) };
      if (cache.size > 2000) cache.clear();
      cache.set(source, c);
    }
    reads.ran(c.changes);
    return c.stmt;
  };
}

/** Kysely's camel-case plugin, its column-name mapping usable outside Kysely's executor. */
class CamelCase extends CamelCasePlugin {
  name(column: string): string {
    return this.camelCase(column);
  }
}

/** Kysely opens SQLite transactions with a deferred BEGIN; ours take the write lock up front. */
class ImmediateDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }

  /**
   * SQLite DDL is transactional, but Kysely's SQLite adapter says otherwise and has no migration
   * lock, so two processes migrating a fresh file both ran 0001 ("table meta already exists").
   * Claiming transactional DDL makes the Migrator read the applied list and migrate inside one
   * BEGIN IMMEDIATE transaction: the write lock is the migration lock.
   */
  override createAdapter(): DialectAdapter {
    return new (class extends SqliteAdapter {
      override get supportsTransactionalDdl(): boolean {
        return true;
      }
    })();
  }
}

/**
 * The store holds password hashes: readable by its owner only, like the TLS key. SQLite gives
 * the -wal and -shm files it creates the database file's mode; files left by an older version
 * are tightened too.
 */
function keepPrivate(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
}

export function openSqliteStore(opts: SqliteOptions): Store {
  const memory = opts.dataDir === ':memory:';
  if (!memory) mkdirSync(opts.dataDir, { recursive: true });
  const file = join(opts.dataDir, 'snapservice.db');
  if (!memory) keepPrivate(file);
  const raw = new Database(memory ? ':memory:' : file);
  raw.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 10000}`);
  if (!memory) raw.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a killed process loses nothing it acknowledged; only an OS crash or
  // power loss can drop the last commits. FULL syncs the WAL on every commit.
  raw.pragma(`synchronous = ${opts.durability === 'full' ? 'FULL' : 'NORMAL'}`);
  // Statement journals (each savepoint of a grouped commit, multi-row writes) spill to a
  // temp file past 64 KiB, an open, unlink and close every few reverts; in memory they never do.
  raw.pragma('temp_store = MEMORY');
  const reads = new ReadCache(raw);
  trackExec(raw, reads);
  const prepare = statementCache(raw, reads);
  const camel = new CamelCase();
  const db = new Kysely<DB>({
    dialect: observedDialect(new ImmediateDialect({ database: withStatementCache(raw, prepare) }), opts.onQuery),
    plugins: [camel],
  });
  useDirect(db, directPath(raw, (column) => camel.name(column), reads, opts.onQuery));
  const repos = makeRepos(db);
  return {
    kind: 'sqlite',
    repos,
    transaction: (fn) => db.transaction().execute((trx) => fn(makeRepos(trx))),
    batched: batcher(db),
    async migrate() {
      const migrator = new Migrator({ db, provider: migrationProvider(SQLITE) });
      const { error } = await migrator.migrateToLatest();
      if (error) throw error;
    },
    async close() {
      await db.destroy();
    },
  };
}
