import Database from 'better-sqlite3';
import pg from 'pg';
import { vi } from 'vitest';

/**
 * Counts the SQL statements both drivers execute, below every layer of ours (Kysely, statement
 * caches, prepared statements): better-sqlite3's Statement runs, and pg's Client.query, which
 * PostgreSQL pools use for every statement, BEGIN and COMMIT included. Spies call through.
 */
export function countQueries(): {
  during<T>(fn: () => Promise<T>): Promise<{ result: T; queries: number; sqlite: string[] }>;
  restore(): void;
} {
  const statement = Object.getPrototypeOf(new Database(':memory:').prepare('select 1')) as Record<'all' | 'get' | 'run' | 'iterate', () => unknown>;
  const spies = [
    ...(['all', 'get', 'run', 'iterate'] as const).map((m) => vi.spyOn(statement, m)),
    vi.spyOn(pg.Client.prototype as unknown as Record<'query', () => unknown>, 'query'),
  ];
  const total = () => spies.reduce((sum, s) => sum + s.mock.calls.length, 0);
  const sqliteSpies = spies.slice(0, 4);
  return {
    async during(fn) {
      const start = total();
      const from = sqliteSpies.map((s) => s.mock.contexts.length);
      const result = await fn();
      // The SQL text of each SQLite statement run meanwhile (better-sqlite3's Statement.source).
      const sqlite = sqliteSpies.flatMap((s, i) => s.mock.contexts.slice(from[i]).map((c) => (c as { source: string }).source));
      return { result, queries: total() - start, sqlite };
    },
    restore: () => spies.forEach((s) => s.mockRestore()),
  };
}
