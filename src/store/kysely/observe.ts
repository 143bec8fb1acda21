import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult } from 'kysely';

/** Told of every statement a store runs: its kind, how long it took, whether it failed. */
export type QueryObserver = (statement: string, seconds: number, failed: boolean) => void;

const KINDS: Record<string, string> = {
  SelectQueryNode: 'select',
  InsertQueryNode: 'insert',
  UpdateQueryNode: 'update',
  DeleteQueryNode: 'delete',
};

/**
 * The dialect with every statement timed, whatever the driver underneath. Kysely's own query
 * log would do it, but it wraps each statement in three nested async calls; on a task GET
 * (three or four statements) that cost several percent of the request. Here each connection's
 * executeQuery is wrapped once, with one promise step per statement. Without an observer the
 * dialect is returned as it is: nothing is timed.
 */
export function observedDialect(dialect: Dialect, observe: QueryObserver | undefined): Dialect {
  if (!observe) return dialect;
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver: () => observedDriver(dialect.createDriver(), observe),
  };
}

function observedDriver(driver: Driver, observe: QueryObserver): Driver {
  const wrapped = new WeakSet<DatabaseConnection>();
  const acquire = driver.acquireConnection.bind(driver);
  // Drivers hand out the same connection objects again (one for SQLite, one per pooled client
  // for PostgreSQL), and release them by identity: each is patched in place, once.
  driver.acquireConnection = async () => {
    const connection = await acquire();
    if (!wrapped.has(connection)) {
      wrapped.add(connection);
      const execute = connection.executeQuery.bind(connection);
      connection.executeQuery = <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
        const start = performance.now();
        const kind = KINDS[query.query.kind] ?? 'other';
        return execute<R>(query).then(
          (result) => {
            observe(kind, (performance.now() - start) / 1000, false);
            return result;
          },
          (err: unknown) => {
            observe(kind, (performance.now() - start) / 1000, true);
            throw err;
          },
        );
      };
    }
    return connection;
  };
  return driver;
}
