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

/** One implementation of every repository over Kysely, shared by both adapters. */
export function makeRepos(db: Db): Repos {
  return {
    meta: metaRepo(db),
    ids: idRepo(db),
    locks: lockRepo(db),
    inventory: inventoryRepo(db),
    vms: vmRepo(db),
    disks: diskRepo(db),
    layers: layerRepo(db),
    snapshots: vmSnapshotRepo(db),
    labels: labelRepo(db),
    tasks: taskRepo(db),
    users: userRepo(db),
    roles: roleRepo(db),
    permissions: permissionRepo(db),
    sessions: sessionRepo(db),
    instances: instanceRepo(db),
    groups: groupRepo(db),
    replication: replicationRepo(db),
    recovery: recoveryRepo(db),
    groupSnapshots: pgSnapshotRepo(db),
    history: historyRepo(db),
    tags: tagRepo(db),
    sites: siteRepo(db),
    clusterPairs: clusterPairRepo(db),
    datastores: datastoreRepo(db),
    bulk: bulkRepo(db),
  };
}
