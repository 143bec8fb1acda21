import { Type } from '@sinclair/typebox';
import type { VmSnapshot } from '../../domain/model.ts';
import { errors } from '../../errors.ts';
import type { Repos } from '../../store/store.ts';
import { admitTask } from '../../tasks/submit.ts';
import type { TaskType } from '../../tasks/task.ts';
import { defineOperation, type Call, type Operation } from '../../vapi/operation.ts';
import { Id, Input } from '../../vapi/wire.ts';
import { listIndex } from './queries.ts';
import {
  checkLabelCount, checkLabelText, checkNotBeingDeleted, checkText, checkNotInUse, checkRetentionChange, currentSnapshot,
  expiryAfter, hasLabel, SNAPSHOT_TARGET, withCategory,
} from './rules.ts';
import { AddLabelSpec, DeleteLabelSpec, IndexFilter, IndexIteration, IndexList, SetLabelsSpec, UpdateSpec } from './schemas.ts';
import { ADD_LABEL, DELETE_LABEL, DELETE_SNAPSHOT, noSuchLabel, SET_LABELS, UPDATE_SNAPSHOT } from './tasks.ts';

const SERVICE = 'com.vmware.snapservice.virtual_machines.snapshots';
const BASE = '/api/snapservice/virtual-machines/snapshots';
const ONE = `${BASE}/{snapshot}`;
const V9_1 = '9.1.0.0';

/** 404 for an unknown snapshot, then `System.Read` on its VM: the vendor's privilege for these operations. */
async function readableSnapshot(call: Call, ids: Record<string, string>): Promise<VmSnapshot> {
  const s = await call.deps.store.repos.snapshots.get(ids.snapshot);
  if (!s) throw errors.notFound('snapshot', ids.snapshot);
  await call.authz.require({ type: 'VirtualMachine', id: s.vmId }, ['System.Read']);
  return s;
}

/**
 * Admits a task on one snapshot: under the admission lock the snapshot must still exist and
 * not be being deleted, then `check` runs what is particular to the operation.
 */
function admit<I>(call: Call, type: TaskType<I>, id: string, input: I, check: (tx: Repos, s: VmSnapshot) => Promise<void>): Promise<string> {
  return admitTask(call, type, async (tx) => {
    const s = await currentSnapshot(tx, id);
    await checkNotBeingDeleted(tx, s, DELETE_SNAPSHOT.kind);
    await check(tx, s);
    return { target: { type: SNAPSHOT_TARGET, id: s.id }, clusterId: s.clusterId, vmId: s.vmId, input };
  });
}

const labelsOf = async (tx: Repos, id: string) => (await tx.labels.of([id])).get(id) ?? [];

export const globalSnapshotOperations: Operation[] = [
  defineOperation({
    service: SERVICE, name: 'list', since: V9_1, readOnly: true,
    rest: { method: 'GET', path: BASE, query: ['filter', 'iterate'] },
    input: Input({ filter: Type.Optional(IndexFilter), iterate: Type.Optional(IndexIteration) }),
    output: IndexList,
    handler: (call, input) => listIndex(call, input.filter, input.iterate),
  }),
  defineOperation({
    service: SERVICE, name: 'update$task', since: V9_1,
    rest: { method: 'PATCH', path: ONE, task: true, body: 'spec' },
    task: UPDATE_SNAPSHOT,
    input: Input({ snapshot: Id(), spec: UpdateSpec }),
    ids: ['snapshot'],
    authorize: readableSnapshot,
    handler: (call, input) => {
      const period = input.spec.delete_after;
      // The vendor: "currently mandatory, but kept optional for the future".
      if (!period) throw errors.invalidArgument('spec.delete_after', 'is required');
      expiryAfter(call.deps.clock.now(), period);
      return admit(call, UPDATE_SNAPSHOT, input.snapshot, { deleteAfter: period }, (tx, s) => checkRetentionChange(tx, s, 'updated'));
    },
  }),
  defineOperation({
    service: SERVICE, name: 'delete$task', since: V9_1,
    rest: { method: 'DELETE', path: ONE, task: true },
    task: DELETE_SNAPSHOT,
    input: Input({ snapshot: Id() }),
    ids: ['snapshot'],
    authorize: readableSnapshot,
    handler: (call, input) =>
      admit(call, DELETE_SNAPSHOT, input.snapshot, {}, async (tx, s) => {
        await checkRetentionChange(tx, s, 'deleted');
        await checkNotInUse(tx, s);
      }),
  }),
  defineOperation({
    service: SERVICE, name: 'add_label$task', since: V9_1,
    rest: { method: 'PATCH', path: ONE, action: 'add-label', task: true, body: 'spec' },
    task: ADD_LABEL,
    input: Input({ snapshot: Id(), spec: AddLabelSpec }),
    ids: ['snapshot'],
    authorize: readableSnapshot,
    handler: (call, input) => {
      const label = { category: input.spec.label.category, name: input.spec.label.name };
      checkLabelText('spec.label', label);
      return admit(call, ADD_LABEL, input.snapshot, { label }, async (tx, s) => {
        const labels = await labelsOf(tx, s.id);
        if (!hasLabel(labels, label)) checkLabelCount('spec.label', s, labels.length + 1);
      });
    },
  }),
  defineOperation({
    service: SERVICE, name: 'delete_label$task', since: V9_1,
    rest: { method: 'PATCH', path: ONE, action: 'delete-label', task: true, body: 'spec' },
    task: DELETE_LABEL,
    input: Input({ snapshot: Id(), spec: DeleteLabelSpec }),
    ids: ['snapshot'],
    authorize: readableSnapshot,
    handler: (call, input) => {
      const label = { category: input.spec.label.category, name: input.spec.label.name };
      return admit(call, DELETE_LABEL, input.snapshot, { label }, async (tx, s) => {
        if (!hasLabel(await labelsOf(tx, s.id), label)) throw noSuchLabel(s.id, label);
      });
    },
  }),
  defineOperation({
    service: SERVICE, name: 'set_labels$task', since: V9_1,
    rest: { method: 'PUT', path: ONE, action: 'set-labels', task: true, body: 'spec' },
    task: SET_LABELS,
    input: Input({ snapshot: Id(), spec: SetLabelsSpec }),
    ids: ['snapshot'],
    authorize: readableSnapshot,
    handler: (call, input) => {
      const { category } = input.spec;
      const names = [...new Set(input.spec.names)];
      checkText('spec.category', category);
      input.spec.names.forEach((name, i) => checkText(`spec.names[${i}]`, name));
      return admit(call, SET_LABELS, input.snapshot, { category, names }, async (tx, s) => {
        checkLabelCount('spec.names', s, withCategory(await labelsOf(tx, s.id), category, names).length);
      });
    },
  }),
];
