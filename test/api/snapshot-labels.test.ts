import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LABEL_LIMITS } from '../../src/domain/labels.ts';
import type { VmSnapshot } from '../../src/domain/model.ts';
import { ids, makeApp, type TestApp, type Who } from '../helpers/app.ts';
import { expectError } from './snapshot-helpers.ts';

/** Snapshot labels (9.1): add, delete, set per category; where they show; every refusal. */
let t: TestApp;
let I: Awaited<ReturnType<typeof ids>>;
beforeEach(async () => {
  t = await makeApp({ seed: 'demo', taskDelayMs: 1000, taskQueueMs: 0 });
  I = await ids(t);
});
afterEach(() => t.close());

const ACTIONS = { add: ['PATCH', 'add-label'], del: ['PATCH', 'delete-label'], set: ['PUT', 'set-labels'] } as const;
type Action = keyof typeof ACTIONS;
const url = (id: string, a: Action, q = 'vmw-task=true') => `/api/snapservice/virtual-machines/snapshots/${id}?action=${ACTIONS[a][1]}&${q}`;
const repos = () => t.runtime.deps.store.repos;
const send = (id: string, a: Action, payload: unknown, as: Who = 'admin') => t.req({ method: ACTIONS[a][0], url: url(id, a), payload: payload as object, as });
const task = async (id: string) => (await t.req({ method: 'GET', url: `/api/snapservice/tasks/${id}` })).json();

async function run(id: string, a: Action, payload: unknown) {
  const res = await send(id, a, payload);
  expect(res.statusCode, res.payload).toBe(202);
  await t.advance(1001);
  return task(res.json());
}

async function snap(vmName: string, pick: (s: VmSnapshot) => boolean = () => true): Promise<VmSnapshot> {
  const s = (await repos().snapshots.list({ vmId: I.vm(vmName) })).find(pick);
  if (!s) throw new Error(`no such snapshot of ${vmName}`);
  return s;
}

const labelsOf = async (s: VmSnapshot) => {
  const listed = (await t.req({ method: 'GET', url: `/api/snapservice/virtual-machines/snapshots?snapshots=${s.id}` })).json().snapshots[0].labels;
  const info = (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${s.clusterId}/virtual-machines/${s.vmId}/snapshots/${s.id}` })).json().labels;
  const inList = (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${s.clusterId}/virtual-machines/${s.vmId}/snapshots` })).json()
    .items.find((i: any) => i.snapshot === s.id).info.labels;
  expect(info).toEqual(listed);
  expect(inList).toEqual(listed);
  return listed;
};

describe('labels', () => {
  it('add, add again (no change), delete, set per category: each a task, shown everywhere the snapshot is', async () => {
    const s = await snap('web-01', (x) => x.name === 'daily-1');
    expect(await labelsOf(s)).toEqual([]);
    const added = await run(s.id, 'add', { label: { category: 'tier', name: 'gold' } });
    expect(added).toMatchObject({
      status: 'SUCCEEDED', service: 'com.vmware.snapservice.virtual_machines.snapshots', operation: 'add_label',
      target: { type: 'com.vmware.snapservice.vm.snapshot', id: s.id },
    });
    expect((await run(s.id, 'add', { label: { category: 'tier', name: 'gold' } })).status).toBe('SUCCEEDED');
    await run(s.id, 'add', { label: { category: 'owner', name: 'team a' } });
    expect(await labelsOf(s)).toEqual([{ category: 'owner', name: 'team a' }, { category: 'tier', name: 'gold' }]);
    expect((await run(s.id, 'set', { category: 'tier', names: ['silver', 'bronze', 'silver'] })).operation).toBe('set_labels');
    expect(await labelsOf(s)).toEqual([
      { category: 'owner', name: 'team a' }, { category: 'tier', name: 'bronze' }, { category: 'tier', name: 'silver' },
    ]);
    expect((await run(s.id, 'del', { label: { category: 'tier', name: 'bronze' } })).operation).toBe('delete_label');
    await run(s.id, 'set', { category: 'owner', names: [] });
    expect(await labelsOf(s)).toEqual([{ category: 'tier', name: 'silver' }]);
  });

  it('a locked group\'s snapshot can be labelled; a deleted snapshot takes its labels with it', async () => {
    const locked = await snap('db-01', (x) => x.pgId !== null);
    expect((await run(locked.id, 'add', { label: { category: 'hold', name: 'legal' } })).status).toBe('SUCCEEDED');
    const s = await snap('app-01');
    await run(s.id, 'add', { label: { category: 'a', name: 'b' } });
    const del = await t.req({ method: 'DELETE', url: `/api/snapservice/virtual-machines/snapshots/${s.id}?vmw-task=true` });
    await t.advance(1001);
    expect((await task(del.json())).status).toBe('SUCCEEDED');
    expect((await repos().labels.of([s.id])).get(s.id)).toEqual([]);
  });

  it('400 INVALID_ARGUMENT naming the field: bad text, missing members, unknown members, malformed JSON', async () => {
    const s = await snap('web-02');
    const bad = async (a: Action, payload: unknown, field: string) => expectError(await send(s.id, a, payload), 400, 'INVALID_ARGUMENT', field);
    await bad('add', { label: { category: '', name: 'x' } }, 'spec.label.category');
    await bad('add', { label: { category: 'c', name: ' x' } }, 'spec.label.name');
    await bad('add', { label: { category: 'c', name: 'x'.repeat(81) } }, 'spec.label.name');
    await bad('add', { label: { category: 'c\u0007', name: 'x' } }, 'spec.label.category');
    await bad('add', { label: { category: 'c' } }, 'spec.label.name');
    await bad('add', { label: { category: 'c', name: 'x', color: 'red' } }, 'spec.label.color');
    await bad('add', {}, 'spec.label');
    await bad('add', { label: { category: 'c', name: 'x\u0000' } }, 'spec.label.name');
    await bad('set', { category: 'c', names: ['ok', ''] }, 'spec.names[1]');
    await bad('set', { category: '', names: [] }, 'spec.category');
    await bad('set', { category: 'c', names: 'x' }, 'spec.names');
    await bad('set', { category: 'c' }, 'spec.names');
    await bad('del', { label: { category: 'c', name: 'absent' } }, 'has no label');
    await bad('del', { label: { category: 'c' } }, 'spec.label.name');
    expectError(await t.req({ method: 'PATCH', url: url(s.id, 'add'), payload: '{"label":', headers: { 'content-type': 'application/json' } }), 400, 'INVALID_ARGUMENT', 'JSON');
    expectError(await t.req({ method: 'PATCH', url: url(s.id, 'add') }), 400, 'INVALID_ARGUMENT', 'spec');
    expect((await repos().labels.of([s.id])).get(s.id)).toEqual([]);
  });

  it(`at most ${LABEL_LIMITS.perSnapshot} labels per snapshot, by add and by set`, async () => {
    const s = await snap('web-03');
    await run(s.id, 'set', { category: 'bulk', names: Array.from({ length: LABEL_LIMITS.perSnapshot }, (_, i) => `n${i}`) });
    expectError(await send(s.id, 'add', { label: { category: 'one', name: 'more' } }), 400, 'INVALID_ARGUMENT', 'limit');
    expect((await run(s.id, 'add', { label: { category: 'bulk', name: 'n0' } })).status).toBe('SUCCEEDED');
    expectError(await send(s.id, 'set', { category: 'other', names: ['x'] }), 400, 'INVALID_ARGUMENT', 'limit');
    expect((await run(s.id, 'set', { category: 'bulk', names: ['a', 'b'] })).status).toBe('SUCCEEDED');
    expect((await repos().labels.of([s.id])).get(s.id)).toHaveLength(2);
  });

  it('the task re-checks: a label gone or a snapshot gone since admission FAILS the task', async () => {
    const s = await snap('app-02');
    await run(s.id, 'add', { label: { category: 'c', name: 'n' } });
    const del = await send(s.id, 'del', { label: { category: 'c', name: 'n' } });
    await repos().labels.remove(s.id, { category: 'c', name: 'n' });
    await t.advance(1001);
    expect((await task(del.json())).error).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
    const add = await send(s.id, 'add', { label: { category: 'c', name: 'n' } });
    await t.runtime.deps.store.transaction((tx) => tx.snapshots.delete(s.id));
    await t.advance(1001);
    const failed = await task(add.json());
    expect(failed.status).toBe('FAILED');
    expect(failed.error.error_type).toBe('NOT_FOUND');
  });

  it('401, 404, 403 (before the body), then dispatch errors', async () => {
    const b = await snap('build-01');
    for (const a of Object.keys(ACTIONS) as Action[]) {
      expectError(await send('nope', a, '{bad', null as unknown as Who), 401, 'UNAUTHENTICATED');
      expectError(await send('nope', a, {}, 'operator'), 404, 'NOT_FOUND', 'nope');
      expectError(await send(b.id, a, {}, 'operator'), 403, 'UNAUTHORIZED', 'System.Read');
      expectError(await t.req({ method: ACTIONS[a][0], url: url(b.id, a, 'x=1').replace('&x=1', ''), payload: {} }), 404, 'OPERATION_NOT_FOUND', 'task');
    }
    expectError(await t.req({ method: 'PATCH', url: url(b.id, 'set'), payload: {} }), 404, 'OPERATION_NOT_FOUND');
    expectError(await t.req({ method: 'PATCH', url: `/api/snapservice/virtual-machines/snapshots/${b.id}?action=paint&vmw-task=true`, payload: {} }), 404, 'OPERATION_NOT_FOUND', 'paint');
  });
});
