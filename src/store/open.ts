import type { Config } from '../config/config.ts';
import type { QueryObserver } from './kysely/observe.ts';
import { openPostgresStore } from './postgres/postgres.ts';
import { openSqliteStore } from './sqlite/sqlite.ts';
import type { Store } from './store.ts';

/** `store` is 'sqlite' (in the data dir) or a postgres:// URL. */
export function openStore(config: Pick<Config, 'store' | 'dataDir'> & Partial<Pick<Config, 'durability'>>, opts: { onQuery?: QueryObserver } = {}): Store {
  if (/^postgres(ql)?:\/\//.test(config.store)) return openPostgresStore({ url: config.store, onQuery: opts.onQuery });
  if (config.store !== 'sqlite') throw new Error(`unknown store '${config.store}': use 'sqlite' or a postgres:// URL`);
  return openSqliteStore({ dataDir: config.dataDir, durability: config.durability, onQuery: opts.onQuery });
}
