import type { LogEvent, Logger } from 'kysely';

/** Told of every statement a store runs: its kind, how long it took, whether it failed. */
export type QueryObserver = (statement: string, seconds: number, failed: boolean) => void;

const KINDS: Record<string, string> = {
  SelectQueryNode: 'select',
  InsertQueryNode: 'insert',
  UpdateQueryNode: 'update',
  DeleteQueryNode: 'delete',
};

/**
 * Kysely's query log as a latency feed. Without an observer Kysely is given no logger, so it
 * does not even read the time around each statement.
 */
export function queryLog(observe: QueryObserver | undefined): Logger | undefined {
  if (!observe) return undefined;
  return (event: LogEvent) => {
    observe(KINDS[event.query.query.kind] ?? 'other', event.queryDurationMillis / 1000, event.level === 'error');
  };
}
