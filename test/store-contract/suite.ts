import { afterEach, beforeEach } from 'vitest';
import type { Store } from '../../src/store/store.ts';
import { accessContract } from './access.contract.ts';
import type { Ctx } from './fixtures.ts';
import { groupsContract } from './groups.contract.ts';
import { historyContract } from './history.contract.ts';
import { inventoryContract } from './inventory.contract.ts';
import { labelsContract, ownExpiryContract } from './labels.contract.ts';
import { layersContract } from './layers.contract.ts';
import { processesContract } from './processes.contract.ts';
import { recoveryContract } from './recovery.contract.ts';
import { replicationContract } from './replication.contract.ts';
import { sitesContract } from './sites.contract.ts';
import { snapshotsContract } from './snapshots.contract.ts';
import { tagsContract } from './tags.contract.ts';
import { tasksContract } from './tasks.contract.ts';
import { transactionsContract } from './transactions.contract.ts';

/** Where several stores or processes can meet on the same data. */
export interface Location {
  /** What `openStore()` needs to reach this data from a child process. */
  target: { store: string; dataDir: string };
  /** Another Store on the location, not migrated; the harness closes it in cleanup(). */
  open(): Store;
}

/** How one adapter provides stores to the contract suite. */
export interface Harness {
  /** A fresh, migrated, empty store; the harness closes it in cleanup(). */
  fresh(): Promise<Store>;
  /** A fresh, empty, unmigrated location (absent for in-memory stores). */
  location?(): Promise<Location>;
  /**
   * Whether two Store instances on one location can work concurrently in one process.
   * better-sqlite3 waits for another connection's lock synchronously, which blocks the very
   * event loop the lock holder needs: SQLite proves cross-connection behaviour with processes.
   */
  peersInProcess: boolean;
  /** Closes every store and removes every database or directory made since the last call. */
  cleanup(): Promise<void>;
}

/**
 * The one contract every Store adapter must meet. Each test gets a fresh store, so ordering
 * and counting assertions see only their own rows.
 */
export function storeContract(h: Harness): void {
  const ctx = {} as Ctx;
  beforeEach(async () => {
    ctx.store = await h.fresh();
  });
  afterEach(() => h.cleanup());

  accessContract(ctx);
  inventoryContract(ctx);
  layersContract(ctx);
  snapshotsContract(ctx);
  labelsContract(ctx);
  ownExpiryContract(ctx);
  tasksContract(ctx);
  groupsContract(ctx);
  historyContract(ctx);
  tagsContract(ctx);
  sitesContract(ctx);
  replicationContract(ctx);
  recoveryContract(ctx);
  transactionsContract(ctx, h);
  processesContract(h);
}
