import { ACTIVE_TASK_STATUSES as ACTIVE, type Message, type Task, type TaskKind, type TaskStatus } from '../../domain/model.ts';
import type { AdmissionState, TaskRepo } from '../store.ts';
import { sql, type SqlBool } from 'kysely';
import { bool, int, json, NONE, num, ONE, text, wholeRowValues, type Db } from './core.ts';
import { changes, rows } from './prepared.ts';
import type { DB } from './schema.ts';
import { sharedRows } from './shared-rows.ts';

function taskOf(r: DB['tasks']): Task {
  return {
    id: r.id,
    kind: r.kind as TaskKind,
    service: r.service,
    operation: r.operation,
    description: json<Message>(r.description),
    status: r.status as TaskStatus,
    cancelable: bool(r.cancelable),
    user: r.userName,
    targetType: r.targetType,
    targetId: r.targetId,
    clusterId: r.clusterId,
    vmId: r.vmId,
    input: json(r.input),
    progressTotal: num(r.progressTotal),
    progressCompleted: num(r.progressCompleted),
    progressMessage: json<Message | null>(r.progressMessage),
    result: json(r.result),
    error: json(r.error),
    createdAt: num(r.createdAt),
    notBefore: num(r.notBefore),
    startTime: r.startTime === null ? null : num(r.startTime),
    endTime: r.endTime === null ? null : num(r.endTime),
    owner: r.owner,
    step: num(r.step),
  };
}

/** A cached row's task is mapped once and shared (task GETs poll the same row). */
const sharedTaskOf = sharedRows(taskOf);

type Row = Partial<DB['tasks']>;

/**
 * The predicate of the partial tasks_status and tasks_vm indexes (migration 0012), word for
 * word: SQLite uses a partial index only when the query has its WHERE term itself, and
 * neither engine can see through a bound parameter. Narrower status tests go beside it.
 */
const ACTIVE_TERM = sql<SqlBool>`${sql.ref('status')} in (${sql.join(ACTIVE.map((s) => sql.lit(s)))})`;
const ACTIVE_SET: ReadonlySet<string> = new Set(ACTIVE);
const lits = (statuses: readonly TaskStatus[]) => statuses.map((s) => sql.lit(s));

function rowOf(t: Partial<Omit<Task, 'id'>>): Row {
  const r: Row = {};
  for (const [k, v] of Object.entries(t) as Array<[keyof Task, unknown]>) {
    // Undefined means "not in the patch", as in the other repositories (JSON fields used to
    // turn it into NULL).
    if (v === undefined) continue;
    switch (k) {
      case 'description': case 'input': case 'progressMessage': case 'result': case 'error':
        (r as Record<string, unknown>)[k] = text(v);
        break;
      case 'cancelable':
        r.cancelable = int(v as boolean);
        break;
      case 'user':
        r.userName = (v as string | null) ?? null;
        break;
      default:
        (r as Record<string, unknown>)[k] = v;
    }
  }
  return r;
}

/** Every column of a task row, in one fixed order: the statement of a whole task. */
const TASK_COLUMNS: ReadonlyArray<keyof Task> = [
  'id', 'kind', 'service', 'operation', 'description', 'status', 'cancelable', 'user', 'targetType', 'targetId', 'clusterId', 'vmId', 'input',
  'progressTotal', 'progressCompleted', 'progressMessage', 'result', 'error', 'createdAt', 'notBefore', 'startTime', 'endTime', 'owner', 'step',
];
const TASK_ROW_COLUMNS = TASK_COLUMNS.map((c) => (c === 'user' ? 'userName' : c)) as Array<keyof DB['tasks']>;
const TASK_JSON = TASK_COLUMNS.map((c) => c === 'description' || c === 'input' || c === 'progressMessage' || c === 'result' || c === 'error');

/** rowOf's values of a whole task, in TASK_COLUMNS order (see wholeRowValues), or undefined. */
function wholeTaskValues(t: Task): unknown[] | undefined {
  const out = wholeRowValues(t, TASK_COLUMNS);
  if (out) for (let i = 0; i < out.length; i++) out[i] = TASK_JSON[i] ? text(out[i]) : TASK_COLUMNS[i] === 'cancelable' ? int(out[i] as boolean) : out[i];
  return out;
}

export function taskRepo(db: Db): TaskRepo {
  return {
    async insert(task) {
      const whole = wholeTaskValues(task);
      if (whole) {
        await changes(db, 'tasks.insert', (d, a) => d.insertInto('tasks').values(Object.fromEntries(TASK_ROW_COLUMNS.map((c, i) => [c, a(i)])) as never), whole);
        return;
      }
      const row = { ...(rowOf(task) as DB['tasks']), id: task.id };
      const cols = Object.keys(row) as Array<keyof DB['tasks']>;
      await changes(db, `tasks.insert:${cols.join()}`,
        (d, a) => d.insertInto('tasks').values(Object.fromEntries(cols.map((c, i) => [c, a(i)])) as never),
        cols.map((c) => row[c]));
    },
    async get(id) {
      const [r] = await rows(db, 'tasks.get', (d, a) => d.selectFrom('tasks').selectAll().where('id', '=', a(0)), [id]);
      return r && sharedTaskOf(r);
    },
    async list(f, limit, offset = 0) {
      let q = db.selectFrom('tasks').selectAll();
      if (f.ids) q = f.ids.length > 0 ? q.where('id', 'in', f.ids) : q.where(NONE);
      if (f.kinds) q = f.kinds.length > 0 ? q.where('kind', 'in', f.kinds) : q.where(NONE);
      if (f.operations) q = f.operations.length > 0 ? q.where('operation', 'in', f.operations) : q.where(NONE);
      if (f.services) q = f.services.length > 0 ? q.where('service', 'in', f.services) : q.where(NONE);
      if (f.statuses) q = f.statuses.length > 0 ? q.where('status', 'in', f.statuses) : q.where(NONE);
      // Unfinished tasks are few and only the partial index finds them without a scan.
      if (f.statuses && f.statuses.length > 0 && f.statuses.every((s) => ACTIVE_SET.has(s))) q = q.where(ACTIVE_TERM);
      if (f.users) q = f.users.length > 0 ? q.where('userName', 'in', f.users) : q.where(NONE);
      const rows = await q.orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
      return rows.map(taskOf);
    },
    async countActive(kinds) {
      if (kinds.length === 0) return 0;
      const [r] = await rows(db, `tasks.countActive:${kinds.length}`,
        (d, a) => d.selectFrom('tasks').select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where(ACTIVE_TERM).where('kind', 'in', kinds.map((_, i) => a(i))),
        kinds);
      return num(r.n);
    },
    async countByKindAndStatus() {
      const rows = await db.selectFrom('tasks').select((eb) => ['kind', 'status', eb.fn.countAll<number | string>().as('n')])
        .groupBy(['kind', 'status']).execute();
      return rows.map((r) => ({ kind: r.kind, status: r.status as TaskStatus, count: num(r.n) }));
    },
    async activeForVm(vmId, kinds) {
      if (kinds.length === 0) return undefined;
      const [r] = await rows(db, `tasks.activeForVm:${kinds.length}`,
        (d, a) => d.selectFrom('tasks').selectAll().where('vmId', '=', a(0))
          .where(ACTIVE_TERM).where('kind', 'in', kinds.map((_, i) => a(i + 1)))
          .orderBy('createdAt').orderBy('id').limit(ONE),
        [vmId, ...kinds]);
      return r && taskOf(r);
    },
    async admissionState(vmId, vmKinds, capKinds, snapshotId) {
      // An empty IN list is a syntax error on PostgreSQL; the two alone handle it.
      if (vmKinds.length === 0 || capKinds.length === 0) {
        const busy = await this.activeForVm(vmId, vmKinds);
        const out: AdmissionState = { busy: busy && { id: busy.id, operation: busy.operation }, active: await this.countActive(capKinds) };
        if (snapshotId !== undefined) {
          out.snapshot = await db.selectFrom('vmSnapshots').select(['vmId', 'name']).where('id', '=', snapshotId).executeTakeFirst();
        }
        return out;
      }
      const withSnapshot = snapshotId !== undefined;
      const [r] = await rows(db, `tasks.admissionState:${vmKinds.length}:${capKinds.length}:${withSnapshot ? 's' : ''}`, (_d, a) => {
        const list = (from: number, n: number) => sql.join(Array.from({ length: n }, (_, i) => a(from + i)));
        // The snapshot a revert names, read in the same statement: one statement fewer per revert.
        const snapshot = withSnapshot
          ? sql`, s.vm_id as snapshot_vm_id, s.name as snapshot_name from (select 1 as one) o
            left join (select vm_id, name from vm_snapshots where id = ${a(1 + vmKinds.length + capKinds.length)}) s on 1 = 1`
          : sql` from (select 1 as one) o`;
        // The lone row carries the count; the busy task's columns are null when there is none.
        // Only the two columns the refusal names: every column read is a string made per row.
        return sql<{ id: string | null; operation: string | null; activeN: number | string; snapshotVmId?: string | null; snapshotName?: string | null }>`
          select (select count(*) from tasks where ${ACTIVE_TERM} and kind in (${list(1 + vmKinds.length, capKinds.length)})) as active_n, b.id, b.operation${snapshot}
          left join (
            select id, operation from tasks where vm_id = ${a(0)} and ${ACTIVE_TERM} and kind in (${list(1, vmKinds.length)})
            order by created_at, id limit ${ONE}
          ) b on 1 = 1`;
      }, withSnapshot ? [vmId, ...vmKinds, ...capKinds, snapshotId] : [vmId, ...vmKinds, ...capKinds]);
      const out: AdmissionState = { busy: r.id === null ? undefined : { id: r.id, operation: r.operation as string }, active: num(r.activeN) };
      if (withSnapshot) out.snapshot = r.snapshotVmId == null ? undefined : { vmId: r.snapshotVmId, name: r.snapshotName as string };
      return out;
    },
    async activeForTarget(targetId, kinds) {
      if (kinds.length === 0) return undefined;
      const r = await db.selectFrom('tasks').selectAll().where('targetId', '=', targetId)
        .where(ACTIVE_TERM).where('kind', 'in', kinds)
        .orderBy('createdAt').orderBy('id').limit(ONE).executeTakeFirst();
      return r && taskOf(r);
    },
    async claimNext(owner, now) {
      const next = db.selectFrom('tasks').select('id').where(ACTIVE_TERM).where('status', '=', sql.lit('PENDING')).where('notBefore', '<=', now)
        .orderBy('notBefore').orderBy('createdAt').orderBy('id').limit(ONE);
      const r = await db.updateTable('tasks').set({ status: 'RUNNING', owner, startTime: now })
        .where('id', '=', next).where('status', '=', 'PENDING').returningAll().executeTakeFirst();
      return r && taskOf(r);
    },
    async orphaned(liveOwners) {
      let q = db.selectFrom('tasks').selectAll().where(ACTIVE_TERM).where('status', 'in', lits(['RUNNING', 'BLOCKED']));
      if (liveOwners.length > 0) q = q.where((eb) => eb.or([eb('owner', 'is', null), eb('owner', 'not in', liveOwners)]));
      const rows = await q.orderBy('createdAt').orderBy('id').execute();
      return rows.map(taskOf);
    },
    async takeOver(id, fromOwner, toOwner) {
      let q = db.updateTable('tasks').set({ owner: toOwner }).where('id', '=', id).where('status', 'in', ['RUNNING', 'BLOCKED']);
      q = fromOwner === null ? q.where('owner', 'is', null) : q.where('owner', '=', fromOwner);
      const r = await q.executeTakeFirst();
      return num(r.numUpdatedRows) === 1;
    },
    async update(id, patch, owner) {
      const row = rowOf(patch);
      if (Object.keys(row).length === 0) {
        // Nothing to set (an empty SET is a syntax error): report whether the owner holds it.
        let held = db.selectFrom('tasks').select('id').where('id', '=', id);
        if (owner !== null) held = held.where('owner', '=', owner);
        return (await held.executeTakeFirst()) !== undefined;
      }
      const cols = Object.keys(row) as Array<keyof Row>;
      const n = await changes(db, `tasks.update:${cols.join()}:${owner === null ? '' : 'owner'}`, (d, a) => {
        const q = d.updateTable('tasks').set(Object.fromEntries(cols.map((c, i) => [c, a(i + 2)])) as never).where('id', '=', a(0));
        return owner === null ? q : q.where('owner', '=', a(1));
      }, [id, owner, ...cols.map((c) => row[c])]);
      return n === 1;
    },
    async purgeFinished(before) {
      // No index holds finished tasks by end time (one more page per revert); a task ends
      // after it is created, so the creation-time index bounds the search to the old ones.
      const r = await db.deleteFrom('tasks').where('status', 'in', ['SUCCEEDED', 'FAILED'])
        .where('endTime', '<', before).where('createdAt', '<', before).executeTakeFirst();
      return num(r.numDeletedRows);
    },
    async nextDue() {
      const r = await db.selectFrom('tasks').select((eb) => eb.fn.min('notBefore').as('t'))
        .where(ACTIVE_TERM).where('status', '=', sql.lit('PENDING')).executeTakeFirst();
      return r?.t === null || r?.t === undefined ? undefined : num(r.t);
    },
  };
}
