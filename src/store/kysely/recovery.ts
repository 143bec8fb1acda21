import type { ReplicaVmConfig } from '../../domain/dr.ts';
import type { RecoveryRepo } from '../store.ts';
import { num, type Db } from './core.ts';

export function recoveryRepo(db: Db): RecoveryRepo {
  return {
    async generation(pgId) {
      const r = await db.selectFrom('pgGenerations').select('generation').where('pgId', '=', pgId).executeTakeFirst();
      return r ? num(r.generation) : 0;
    },
    async setGeneration(pgId, generation) {
      await db.insertInto('pgGenerations').values({ pgId, generation })
        .onConflict((oc) => oc.column('pgId').doUpdateSet({ generation })).execute();
    },
    async putVmConfig(c) {
      const config = { cpuCount: c.cpuCount, coresPerSocket: c.coresPerSocket, memoryMib: c.memoryMib, guestOs: c.guestOs };
      await db.insertInto('replicaVmConfigs').values(c)
        .onConflict((oc) => oc.column('replicaVmId').doUpdateSet(config)).execute();
    },
    async vmConfig(replicaVmId) {
      const r = await db.selectFrom('replicaVmConfigs').selectAll().where('replicaVmId', '=', replicaVmId).executeTakeFirst();
      return r && ({
        ...r, cpuCount: num(r.cpuCount), coresPerSocket: num(r.coresPerSocket), memoryMib: num(r.memoryMib),
      } satisfies ReplicaVmConfig);
    },
    async dropReplicaVm(replicaVmId) {
      await db.deleteFrom('replicaSnapshots').where('replicaVmId', '=', replicaVmId).execute();
      await db.deleteFrom('replicaDisks').where('replicaVmId', '=', replicaVmId).execute();
      await db.deleteFrom('replicaVmConfigs').where('replicaVmId', '=', replicaVmId).execute();
      await db.deleteFrom('replicaVms').where('id', '=', replicaVmId).execute();
    },
  };
}
