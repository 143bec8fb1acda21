import type { Repos } from '../store.ts';
import { instanceRepo, permissionRepo, roleRepo, sessionRepo, userRepo } from './access.ts';
import { idRepo, lockRepo, metaRepo, type Db } from './core.ts';
import { diskRepo, layerRepo, vmSnapshotRepo } from './disks.ts';
import { groupRepo, pgSnapshotRepo } from './groups.ts';
import { bulkRepo } from './bulk.ts';
import { replicationRepo } from './replication.ts';
import { recoveryRepo } from './recovery.ts';
import { historyRepo } from './history.ts';
import { labelRepo } from './labels.ts';
import { inventoryRepo, vmRepo } from './inventory.ts';
import { tagRepo } from './tags.ts';
import { clusterPairRepo, datastoreRepo, siteRepo } from './sites.ts';
import { taskRepo } from './tasks.ts';

/**
 * One implementation of every repository over Kysely, shared by both adapters. Each is made on
 * first use: a transaction gets its own set, and a revert's uses 7 of the 25 (building all of
 * them, some 200 closures, was 2.5-3.5 us per transaction). Getters on one class keep every set
 * the same shape, so `tx.vms` stays a monomorphic load.
 */
class LazyRepos implements Repos {
  #meta: Repos['meta'] | undefined;
  #ids: Repos['ids'] | undefined;
  #locks: Repos['locks'] | undefined;
  #inventory: Repos['inventory'] | undefined;
  #vms: Repos['vms'] | undefined;
  #disks: Repos['disks'] | undefined;
  #layers: Repos['layers'] | undefined;
  #snapshots: Repos['snapshots'] | undefined;
  #labels: Repos['labels'] | undefined;
  #tasks: Repos['tasks'] | undefined;
  #users: Repos['users'] | undefined;
  #roles: Repos['roles'] | undefined;
  #permissions: Repos['permissions'] | undefined;
  #sessions: Repos['sessions'] | undefined;
  #instances: Repos['instances'] | undefined;
  #groups: Repos['groups'] | undefined;
  #replication: Repos['replication'] | undefined;
  #recovery: Repos['recovery'] | undefined;
  #groupSnapshots: Repos['groupSnapshots'] | undefined;
  #history: Repos['history'] | undefined;
  #tags: Repos['tags'] | undefined;
  #sites: Repos['sites'] | undefined;
  #clusterPairs: Repos['clusterPairs'] | undefined;
  #datastores: Repos['datastores'] | undefined;
  #bulk: Repos['bulk'] | undefined;
  constructor(private readonly db: Db) {}
  get meta(): Repos['meta'] {
    return (this.#meta ??= metaRepo(this.db));
  }
  get ids(): Repos['ids'] {
    return (this.#ids ??= idRepo(this.db));
  }
  get locks(): Repos['locks'] {
    return (this.#locks ??= lockRepo(this.db));
  }
  get inventory(): Repos['inventory'] {
    return (this.#inventory ??= inventoryRepo(this.db));
  }
  get vms(): Repos['vms'] {
    return (this.#vms ??= vmRepo(this.db));
  }
  get disks(): Repos['disks'] {
    return (this.#disks ??= diskRepo(this.db));
  }
  get layers(): Repos['layers'] {
    return (this.#layers ??= layerRepo(this.db));
  }
  get snapshots(): Repos['snapshots'] {
    return (this.#snapshots ??= vmSnapshotRepo(this.db));
  }
  get labels(): Repos['labels'] {
    return (this.#labels ??= labelRepo(this.db));
  }
  get tasks(): Repos['tasks'] {
    return (this.#tasks ??= taskRepo(this.db));
  }
  get users(): Repos['users'] {
    return (this.#users ??= userRepo(this.db));
  }
  get roles(): Repos['roles'] {
    return (this.#roles ??= roleRepo(this.db));
  }
  get permissions(): Repos['permissions'] {
    return (this.#permissions ??= permissionRepo(this.db));
  }
  get sessions(): Repos['sessions'] {
    return (this.#sessions ??= sessionRepo(this.db));
  }
  get instances(): Repos['instances'] {
    return (this.#instances ??= instanceRepo(this.db));
  }
  get groups(): Repos['groups'] {
    return (this.#groups ??= groupRepo(this.db));
  }
  get replication(): Repos['replication'] {
    return (this.#replication ??= replicationRepo(this.db));
  }
  get recovery(): Repos['recovery'] {
    return (this.#recovery ??= recoveryRepo(this.db));
  }
  get groupSnapshots(): Repos['groupSnapshots'] {
    return (this.#groupSnapshots ??= pgSnapshotRepo(this.db));
  }
  get history(): Repos['history'] {
    return (this.#history ??= historyRepo(this.db));
  }
  get tags(): Repos['tags'] {
    return (this.#tags ??= tagRepo(this.db));
  }
  get sites(): Repos['sites'] {
    return (this.#sites ??= siteRepo(this.db));
  }
  get clusterPairs(): Repos['clusterPairs'] {
    return (this.#clusterPairs ??= clusterPairRepo(this.db));
  }
  get datastores(): Repos['datastores'] {
    return (this.#datastores ??= datastoreRepo(this.db));
  }
  get bulk(): Repos['bulk'] {
    return (this.#bulk ??= bulkRepo(this.db));
  }
}

export function makeRepos(db: Db): Repos {
  return new LazyRepos(db);
}
