import { deepFreeze } from '../../domain/frozen.ts';

/**
 * A row mapping whose result is shared by every read that returns the same row object.
 *
 * The SQLite read cache (store/sqlite/read-cache.ts) answers an unchanged row with the same
 * frozen object until anything is committed, by this process or another; a new row object is
 * read after that. A repeated read (a client polling its task) then maps the row once instead
 * of on every read (a task's five JSON columns parsed again), and callers can memoize what
 * they derive from the result by its identity. A row that is not frozen (read inside a
 * transaction, or from PostgreSQL) is mapped on every read, as before. The shared result is
 * deep-frozen, since every later reader gets the same object.
 */
export function sharedRows<R extends object, T extends object>(map: (row: R) => T): (row: R) => T {
  const mapped = new WeakMap<R, T>();
  return (row) => {
    if (!Object.isFrozen(row)) return map(row);
    let t = mapped.get(row);
    if (t === undefined) {
      t = deepFreeze(map(row));
      mapped.set(row, t);
    }
    return t;
  };
}
