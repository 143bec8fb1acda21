import { Type } from '@sinclair/typebox';
import { nameProblem } from '../../domain/groups.ts';
import { deleteGroupSnapshot } from '../../engine/groups.ts';
import { errors, vapiError } from '../../errors.ts';
import { snapshotFilter } from '../../vapi/filters.ts';
import { defineOperation, type Operation } from '../../vapi/operation.ts';
import { Id, Input } from '../../vapi/wire.ts';
import {
  PgSnapshotCreateResult, PgSnapshotCreateSpec, PgSnapshotFilter, PgSnapshotInfo, PgSnapshotList, pgSnapshotToWire,
} from '../groups/schemas.ts';
import { clusterAndGroup, submitChange } from '../groups/admission.ts';
import { PG_SNAPSHOT } from '../groups/tasks.ts';

const SERVICE = 'com.vmware.snapservice.clusters.protection_groups.snapshots';
const BASE = '/api/snapservice/clusters/{cluster}/protection-groups/{pg}/snapshots';


export const groupSnapshotOperations: Operation[] = [
  defineOperation({
    service: SERVICE, name: 'list', since: '8.0.3.0', readOnly: true,
    rest: { method: 'GET', path: BASE, query: ['filter'] },
    input: Input({ cluster: Id(), pg: Id(), filter: Type.Optional(PgSnapshotFilter) }),
    ids: ['cluster', 'pg'],
    output: PgSnapshotList,
    authorize: (call, ids) => clusterAndGroup(call, ids, 'System.Read'),
    handler: async (call, input, { pg }) => {
      const f = input.filter ?? {};
      const repos = call.deps.store.repos;
      const list = await repos.groupSnapshots.list(pg.id, snapshotFilter(f));
      const snapshots = [];
      for (const s of list) snapshots.push({ snapshot: s.id, info: pgSnapshotToWire(s, await repos.snapshots.list({ pgSnapshotId: s.id })) });
      return { snapshots };
    },
  }),
  defineOperation({
    service: SERVICE, name: 'get', since: '8.0.3.0', readOnly: true,
    rest: { method: 'GET', path: `${BASE}/{snapshot}` },
    input: Input({ cluster: Id(), pg: Id(), snapshot: Id() }),
    ids: ['cluster', 'pg', 'snapshot'],
    output: PgSnapshotInfo,
    authorize: (call, ids) => clusterAndGroup(call, ids, 'System.Read'),
    handler: async (call, input, { pg }) => {
      const repos = call.deps.store.repos;
      const s = await repos.groupSnapshots.get(input.snapshot);
      if (!s || s.pgId !== pg.id) throw errors.notFound('protection group snapshot', input.snapshot);
      return pgSnapshotToWire(s, await repos.snapshots.list({ pgSnapshotId: s.id }));
    },
  }),
  defineOperation({
    service: SERVICE, name: 'create$task', since: '8.0.3.0',
    rest: { method: 'POST', path: BASE, task: true, body: 'spec' },
    task: PG_SNAPSHOT,
    input: Input({ cluster: Id(), pg: Id(), spec: PgSnapshotCreateSpec }),
    ids: ['cluster', 'pg'],
    taskResult: PgSnapshotCreateResult,
    authorize: (call, ids) => clusterAndGroup(call, ids, 'Host.Config.Storage'),
    handler: async (call, input, { cluster, pg }) => {
      const p = nameProblem('spec.name', input.spec.name);
      if (p) throw errors.invalidArgument(p.field, p.why);
      if (input.spec.retention && input.spec.retention.duration < 1) throw errors.invalidArgument('spec.retention.duration', 'must be at least 1');
      return submitChange(call, cluster, pg, PG_SNAPSHOT, { name: input.spec.name, retention: input.spec.retention });
    },
  }),
  defineOperation({
    service: SERVICE, name: 'delete', since: '8.0.3.0',
    rest: { method: 'DELETE', path: `${BASE}/{snapshot}` },
    input: Input({ cluster: Id(), pg: Id(), snapshot: Id() }),
    ids: ['cluster', 'pg', 'snapshot'],
    authorize: (call, ids) => clusterAndGroup(call, ids, 'Host.Config.Storage'),
    handler: async (call, input, { pg }) => {
      await call.deps.store.transaction(async (tx) => {
        await tx.locks.acquire('admission');
        const now = await tx.groups.get(pg.id);
        const s = await tx.groupSnapshots.get(input.snapshot);
        if (!now || !s || s.pgId !== pg.id) throw errors.notFound('protection group snapshot', input.snapshot);
        if (now.locked) throw vapiError('UNSUPPORTED', 'pg.locked', `Protection group ${pg.id} is locked: its snapshots are removed only when they expire.`, pg.id);
        if (now.status === 'MARKED_FOR_DELETE') throw errors.notAllowed('pg.marked_for_delete', `Protection group ${pg.id} is marked for deletion.`, pg.id);
        await deleteGroupSnapshot(tx, s);
      });
      call.deps.scheduler.notify();
    },
  }),
];
