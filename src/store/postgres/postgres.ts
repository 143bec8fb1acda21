import { CamelCasePlugin, Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { batcher } from '../kysely/batch.ts';
import { observedDialect, type QueryObserver } from '../kysely/observe.ts';
import { makeRepos } from '../kysely/repos.ts';
import type { DB } from '../kysely/schema.ts';
import { migrationProvider, POSTGRES } from '../migrations.ts';
import type { Store } from '../store.ts';

// int8 columns (epoch ms, sizes) fit in a double; read them as numbers, not strings.
pg.types.setTypeParser(20, (v) => Number(v));

export interface PostgresOptions {
  url: string;
  poolSize?: number;
  onQuery?: QueryObserver;
}

export function openPostgresStore(opts: PostgresOptions): Store {
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 10 });
  // An idle connection the server ends (restart, admin termination) makes the pool emit
  // 'error'; unheard, that would crash the process. The pool has already dropped the client
  // and the next query opens a new one.
  pool.on('error', () => undefined);
  // pool.end() resolves before its sockets are closed; close() waits for them so that the
  // database may be dropped or the server stopped right after without killing live sessions.
  const open = new Set<pg.PoolClient>();
  pool.on('connect', (client) => {
    // The pool listens for errors only on idle clients. A client checked out between two
    // statements of a transaction when the server goes away would emit an unheard 'error' and
    // crash the process; its next statement fails anyway, and that failure is what callers see.
    client.on('error', () => undefined);
    open.add(client);
    client.once('end', () => open.delete(client));
  });
  const db = new Kysely<DB>({ dialect: observedDialect(new PostgresDialect({ pool }), opts.onQuery), plugins: [new CamelCasePlugin()] });
  return {
    kind: 'postgres',
    repos: makeRepos(db),
    transaction: (fn) => db.transaction().execute((trx) => fn(makeRepos(trx))),
    batched: batcher(db),
    async migrate() {
      const migrator = new Migrator({ db, provider: migrationProvider(POSTGRES) });
      const { error } = await migrator.migrateToLatest();
      if (error) throw error;
    },
    async close() {
      const ended = [...open].map((c) => new Promise((resolve) => c.once('end', resolve)));
      await db.destroy();
      await Promise.all(ended);
    },
  };
}
