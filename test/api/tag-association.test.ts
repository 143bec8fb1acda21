import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../helpers/app.ts';
import { enc, expectTaggingSchema, tagging } from './tagging-helpers.ts';
import { addUser, demo, expectError, expectOk } from './vcenter-helpers.ts';

let t: TestApp;
let D: Awaited<ReturnType<typeof demo>>;
let T: ReturnType<typeof tagging>;
beforeAll(async () => {
  t = await makeApp();
  D = await demo(t);
  T = tagging(t);
});
afterAll(() => t.close());

const TA = '/api/cis/tagging/tag-association';
const act = (tag: string, action: string) => `${TA}/${enc(tag)}?action=${action}`;

describe('attach and detach', () => {
  it('attaches once (a repeat is a no-op), lists both ways, detaches (a repeat is a no-op)', async () => {
    const cat = await T.category('Role');
    const web = await T.tag(cat, 'web');
    const db = await T.tag(cat, 'db');
    await T.attach(web, D.vm('web-01'));
    await T.attach(web, D.vm('web-01'));
    await T.attach(db, D.vm('web-01'));
    await T.attach(web, D.vm('web-02'));
    expect((await T.tagsOf(D.vm('web-01'))).sort()).toEqual([web, db].sort());
    const objects = expectOk(await T.post(act(web, 'list-attached-objects')));
    expect(objects).toEqual([T.vm(D.vm('web-01')), T.vm(D.vm('web-02'))]);
    for (const o of objects) expectTaggingSchema('Vapi.Std.DynamicID', o);
    const onTags = expectOk(await T.post(`${TA}?action=list-attached-objects-on-tags`, { tag_ids: [db, web, 'urn:vmomi:InventoryServiceTag:nope:GLOBAL'] }));
    expect(onTags).toEqual([{ tag_id: db, object_ids: [T.vm(D.vm('web-01'))] }, { tag_id: web, object_ids: [T.vm(D.vm('web-01')), T.vm(D.vm('web-02'))] }]);
    const onObjects = expectOk(await T.post(`${TA}?action=list-attached-tags-on-objects`, { object_ids: [T.vm(D.vm('web-02')), T.vm(D.vm('web-03'))] }));
    expect(onObjects).toEqual([{ object_id: T.vm(D.vm('web-02')), tag_ids: [web] }, { object_id: T.vm(D.vm('web-03')), tag_ids: [] }]);
    await T.detach(web, D.vm('web-01'));
    await T.detach(web, D.vm('web-01'));
    expect(await T.tagsOf(D.vm('web-01'))).toEqual([db]);
    // Any inventory type the category allows.
    expectOk(await T.post(act(db, 'attach'), { object_id: { type: 'ClusterComputeResource', id: D.B } }), 204);
    expect(expectOk(await T.post(`${TA}?action=list-attached-tags`, { object_id: { type: 'ClusterComputeResource', id: D.B } }))).toEqual([db]);
  });

  it('cardinality SINGLE: one tag of the category per object; associable types are enforced', async () => {
    const os = await T.category('OS', 'SINGLE', ['VirtualMachine']);
    const linux = await T.tag(os, 'linux');
    const windows = await T.tag(os, 'windows');
    await T.attach(linux, D.vm('app-01'));
    await T.attach(linux, D.vm('app-01'));
    expectError(await T.post(act(windows, 'attach'), { object_id: T.vm(D.vm('app-01')) }), 'INVALID_ARGUMENT', 'allows one tag per object');
    expectError(await T.post(act(linux, 'attach'), { object_id: { type: 'HostSystem', id: D.host('esxi-a-01.lab.local') } }), 'INVALID_ARGUMENT', 'cannot be attached to objects of type HostSystem');
    expect(expectOk(await T.post(`${TA}?action=list-attachable-tags`, { object_id: T.vm(D.vm('app-01')) }))).not.toContain(windows);
    const attachable = expectOk(await T.post(`${TA}?action=list-attachable-tags`, { object_id: T.vm(D.vm('app-02')) }));
    expect(attachable).toEqual(expect.arrayContaining([linux, windows]));
    expect(expectOk(await T.post(`${TA}?action=list-attachable-tags`, { object_id: { type: 'HostSystem', id: D.host('esxi-a-01.lab.local') } }))).not.toContain(linux);
    await T.detach(linux, D.vm('app-01'));
    await T.attach(windows, D.vm('app-01'));
  });

  it('refuses objects that are not inventory objects here, and malformed DynamicIDs', async () => {
    const tag = await T.tag(await T.category('Misc'), 'm');
    expectError(await T.post(act(tag, 'attach'), { object_id: T.vm('vm-99999') }), 'INVALID_ARGUMENT', 'object_id.id');
    expectError(await T.post(act(tag, 'attach'), { object_id: { type: 'VirtualMachine', id: D.host('esxi-a-01.lab.local') } }), 'INVALID_ARGUMENT', 'object_id.id');
    expectError(await T.post(act(tag, 'attach'), { object_id: { type: 'com.acme.Person', id: 'x' } }), 'INVALID_ARGUMENT', 'object_id.type');
    expectError(await T.post(act(tag, 'attach'), { object_id: { type: 'VirtualMachine' } }), 'INVALID_ARGUMENT', 'id');
    expectError(await T.post(act(tag, 'attach'), { object_id: 'vm-1' }), 'INVALID_ARGUMENT', 'object_id');
    expectError(await T.post(act(tag, 'attach'), {}), 'INVALID_ARGUMENT', 'object_id');
    expectError(await T.post(act(tag, 'attach'), { object_id: T.vm(D.vm('web-01')), tag_id: 'other' }), 'INVALID_ARGUMENT', 'tag_id');
    expectError(await T.post(act(tag, 'attach'), [1]), 'INVALID_ARGUMENT', 'body');
    const bad = await t.req({ method: 'POST', url: act(tag, 'attach'), payload: '{', headers: { 'content-type': 'application/json' } });
    expect(bad.statusCode).toBe(400);
    expectError(await T.post(act(tag, 'wiggle'), { object_id: T.vm(D.vm('web-01')) }), 'OPERATION_NOT_FOUND');
  });

  it('401, 404 for an unknown tag, 403 naming AttachTag on the tag or System.Read on the object', async () => {
    const tag = await T.tag(await T.category('Perm'), 'p');
    const body = { object_id: T.vm(D.vm('web-01')) };
    expectError(await T.post(act(tag, 'attach'), body, null), 'UNAUTHENTICATED');
    expectError(await T.post(act(tag, 'detach'), body, null), 'UNAUTHENTICATED');
    expectError(await T.post(`${TA}?action=list-attached-tags`, body, null), 'UNAUTHENTICATED');
    expectError(await T.post(act(tag, 'list-attached-objects'), undefined, null), 'UNAUTHENTICATED');
    for (const action of ['attach', 'detach', 'list-attached-objects']) {
      expectError(await T.post(act('urn:vmomi:InventoryServiceTag:gone:GLOBAL', action), action === 'list-attached-objects' ? undefined : body), 'NOT_FOUND');
    }
    expectError(await T.post(act(tag, 'attach'), body, 'readonly'), 'UNAUTHORIZED', 'InventoryService.Tagging.AttachTag');
    expectError(await T.post(act(tag, 'detach'), body, 'readonly'), 'UNAUTHORIZED', 'InventoryService.Tagging.AttachTag');
    // May attach the tag, may read only Cluster-B: VMs of Cluster-A are out of reach.
    const attacher = await addUser(t, [
      { on: t.runtime.deps.rootFolderId, privileges: ['InventoryService.Tagging.AttachTag'], propagate: true },
      { on: D.B, privileges: ['System.Read'] },
    ]);
    const as = { authorization: attacher };
    expectError(await T.post(act(tag, 'attach'), body, null, as), 'UNAUTHORIZED', 'System.Read');
    expectError(await T.post(`${TA}?action=list-attached-tags`, body, null, as), 'UNAUTHORIZED', 'System.Read');
    expectOk(await T.post(act(tag, 'attach'), { object_id: T.vm(D.vm('build-01')) }, null, as), 204);
    await T.attach(tag, D.vm('web-01'));
    // Lists leave out what the caller may not read.
    expect(expectOk(await T.post(act(tag, 'list-attached-objects'), undefined, 'readonly'))).toHaveLength(2);
    expectError(await T.post(act(tag, 'list-attached-objects'), undefined, 'operator'), 'UNAUTHORIZED', 'System.Read');
    const reader = await addUser(t, [{ on: tag, privileges: ['System.Read'] }, { on: D.B, privileges: ['System.Read'] }]);
    expect(expectOk(await T.post(act(tag, 'list-attached-objects'), undefined, null, { authorization: reader }))).toEqual([T.vm(D.vm('build-01'))]);
  });

  it('a deleted VM loses its tags; deleting a tag or its category detaches it everywhere', async () => {
    const cat = await T.category('Life');
    const tag = await T.tag(cat, 'l');
    const other = await T.tag(cat, 'k');
    await T.attach(tag, D.vm('test-01'));
    await T.attach(tag, D.vm('test-02'));
    await T.attach(other, D.vm('test-02'));
    expectOk(await t.req({ method: 'DELETE', url: `/api/vcenter/vm/${D.vm('test-01')}` }), 204);
    expect(expectOk(await T.post(act(tag, 'list-attached-objects')))).toEqual([T.vm(D.vm('test-02'))]);
    expectOk(await t.req({ method: 'DELETE', url: `/api/cis/tagging/tag/${enc(tag)}` }), 204);
    const left = await T.tagsOf(D.vm('test-02'));
    expect(left).toContain(other);
    expect(left).not.toContain(tag);
    expectOk(await t.req({ method: 'DELETE', url: `/api/cis/tagging/category/${enc(cat)}` }), 204);
    expect(await T.tagsOf(D.vm('test-02'))).not.toContain(other);
  });
});

describe('batches', () => {
  it('attach and detach several tags on one object: per-tag failures in error_messages, the rest done', async () => {
    const single = await T.category('Batch1', 'SINGLE');
    const [a, b] = [await T.tag(single, 'a'), await T.tag(single, 'b')];
    const multi = await T.tag(await T.category('Batch2'), 'c');
    const obj = T.vm(D.vm('cache-01'));
    const res = expectOk(await T.post(`${TA}?action=attach-multiple-tags-to-object`, { object_id: obj, tag_ids: [a, b, multi, 'urn:vmomi:InventoryServiceTag:nope:GLOBAL', a] }));
    expectTaggingSchema('Cis.Tagging.TagAssociation.BatchResult', res);
    expect(res.success).toBe(false);
    expect(res.error_messages).toHaveLength(2);
    expect(JSON.stringify(res.error_messages)).toContain('allows one tag per object');
    expect(JSON.stringify(res.error_messages)).toContain('nope');
    expect((await T.tagsOf(obj.id)).sort()).toEqual([a, multi].sort());
    const ok = expectOk(await T.post(`${TA}?action=detach-multiple-tags-from-object`, { object_id: obj, tag_ids: [a, b, multi] }));
    expect(ok).toEqual({ success: true, error_messages: [] });
    expect(await T.tagsOf(obj.id)).toEqual([]);
    expectError(await T.post(`${TA}?action=attach-multiple-tags-to-object`, { object_id: T.vm(D.vm('jump-01')), tag_ids: [a] }, 'operator'), 'UNAUTHORIZED', 'System.Read');
    expectError(await T.post(`${TA}?action=attach-multiple-tags-to-object`, { object_id: obj }), 'INVALID_ARGUMENT', 'tag_ids');
    const denied = expectOk(await T.post(`${TA}?action=attach-multiple-tags-to-object`, { object_id: obj, tag_ids: [a] }, 'readonly'));
    expect(denied.success).toBe(false);
    expect(JSON.stringify(denied.error_messages)).toContain('InventoryService.Tagging.AttachTag');
  });

  it('attach and detach one tag on several objects', async () => {
    const tag = await T.tag(await T.category('Batch3', 'MULTIPLE', ['VirtualMachine']), 'x');
    const objs = [T.vm(D.vm('jump-01')), T.vm(D.vm('backup-01')), { type: 'HostSystem', id: D.host('esxi-b-01.lab.local') }, T.vm('vm-424242')];
    const res = expectOk(await T.post(act(tag, 'attach-tag-to-multiple-objects'), { object_ids: objs }));
    expect(res.success).toBe(false);
    expect(res.error_messages).toHaveLength(2);
    const attached = expectOk(await T.post(act(tag, 'list-attached-objects')));
    expect(attached).toHaveLength(2);
    expect(attached).toEqual(expect.arrayContaining(objs.slice(0, 2)));
    expect(expectOk(await T.post(act(tag, 'detach-tag-from-multiple-objects'), { object_ids: objs }))).toEqual({ success: true, error_messages: [] });
    expect(expectOk(await T.post(act(tag, 'list-attached-objects')))).toEqual([]);
    expectError(await T.post(act(tag, 'attach-tag-to-multiple-objects'), { object_ids: objs }, 'readonly'), 'UNAUTHORIZED', 'AttachTag');
    expectError(await T.post(act('urn:vmomi:InventoryServiceTag:none:GLOBAL', 'attach-tag-to-multiple-objects'), { object_ids: objs }), 'NOT_FOUND');
    expectError(await T.post(act(tag, 'attach-tag-to-multiple-objects'), { object_ids: [{ id: 'x' }] }), 'INVALID_ARGUMENT', 'type');
  });
});
