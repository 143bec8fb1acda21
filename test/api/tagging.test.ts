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

const get = (url: string, as: 'admin' | 'readonly' | 'operator' | null = 'admin') => t.req({ method: 'GET', url, as });
const CAT = '/api/cis/tagging/category';
const TAG = '/api/cis/tagging/tag';
const URN_CAT = /^urn:vmomi:InventoryServiceCategory:[0-9a-f-]{36}:GLOBAL$/;
const URN_TAG = /^urn:vmomi:InventoryServiceTag:[0-9a-f-]{36}:GLOBAL$/;

describe('categories', () => {
  it('create, get, list, update and delete as CategoryModel, with vCenter URNs', async () => {
    const id = await T.category('Stage', 'SINGLE', ['VirtualMachine']);
    expect(id).toMatch(URN_CAT);
    const model = expectOk(await get(`${CAT}/${enc(id)}`));
    expect(model).toEqual({ id, name: 'Stage', description: 'Stage category', cardinality: 'SINGLE', associable_types: ['VirtualMachine'], used_by: [] });
    expectTaggingSchema('Cis.Tagging.CategoryModel', model);
    expect(expectOk(await get(CAT))).toContain(id);
    expect(expectOk(await get(CAT, 'readonly'))).toContain(id);
    expectOk(await t.req({ method: 'PATCH', url: `${CAT}/${enc(id)}`, payload: { name: 'Env', description: 'where it runs', associable_types: ['VirtualMachine', 'HostSystem'] } }), 204);
    expect(expectOk(await get(`${CAT}/${enc(id)}`))).toMatchObject({ name: 'Env', description: 'where it runs', cardinality: 'SINGLE', associable_types: ['VirtualMachine', 'HostSystem'] });
    expectOk(await t.req({ method: 'DELETE', url: `${CAT}/${enc(id)}` }), 204);
    expectError(await get(`${CAT}/${enc(id)}`), 'NOT_FOUND', id);
    expect(expectOk(await get(CAT))).not.toContain(id);
  });

  it('takes a client-chosen id and the body wrapped as create_spec; names are unique (ALREADY_EXISTS)', async () => {
    const id = 'urn:vmomi:InventoryServiceCategory:my-own-id:GLOBAL';
    const made = expectOk(await T.post(CAT, { create_spec: { name: 'Owned', description: '', cardinality: 'MULTIPLE', associable_types: [], category_id: id } }), 201);
    expect(made).toBe(id);
    expectError(await T.post(CAT, { name: 'Owned', description: '', cardinality: 'MULTIPLE', associable_types: [] }), 'ALREADY_EXISTS', 'Owned');
    expectError(await T.post(CAT, { name: 'Other', description: '', cardinality: 'MULTIPLE', associable_types: [], category_id: id }), 'ALREADY_EXISTS', id);
    const other = await T.category('Other');
    expectError(await t.req({ method: 'PATCH', url: `${CAT}/${enc(other)}`, payload: { name: 'Owned' } }), 'ALREADY_EXISTS');
    expectOk(await t.req({ method: 'PATCH', url: `${CAT}/${enc(other)}`, payload: { name: 'Other' } }), 204);
  });

  it('refuses invalid specs with INVALID_ARGUMENT naming the field', async () => {
    const base = { name: 'X', description: '', cardinality: 'SINGLE', associable_types: [] };
    expectError(await T.post(CAT, { ...base, name: '  ' }), 'INVALID_ARGUMENT', 'create_spec.name');
    expectError(await T.post(CAT, { ...base, name: 'n'.repeat(257) }), 'INVALID_ARGUMENT', 'create_spec.name');
    expectError(await T.post(CAT, { ...base, cardinality: 'FEW' }), 'INVALID_ARGUMENT', 'cardinality');
    expectError(await T.post(CAT, { ...base, associable_types: [''] }), 'INVALID_ARGUMENT', 'associable_types[0]');
    expectError(await T.post(CAT, { ...base, associable_types: ['A', 'A'] }), 'INVALID_ARGUMENT');
    expectError(await T.post(CAT, { ...base, category_id: 'cat-1' }), 'INVALID_ARGUMENT', 'create_spec.category_id');
    expectError(await T.post(CAT, { ...base, category_id: 'urn:vmomi:InventoryServiceCategory:a:b:GLOBAL' }), 'INVALID_ARGUMENT', 'create_spec.category_id');
    expectError(await T.post(CAT, { name: 'X', cardinality: 'SINGLE', associable_types: [] }), 'INVALID_ARGUMENT', 'description');
    expectError(await T.post(CAT, { ...base, colour: 'red' }), 'INVALID_ARGUMENT', 'colour');
    const bad = await t.req({ method: 'POST', url: CAT, payload: '{"name": ', headers: { 'content-type': 'application/json' } });
    expect(bad.statusCode).toBe(400);
    expectError(await t.req({ method: 'PATCH', url: `${CAT}/${enc(await T.category('Y'))}`, payload: { cardinality: 'MANY' } }), 'INVALID_ARGUMENT', 'cardinality');
  });

  it('associable types only grow; SINGLE again only while no object holds two of its tags', async () => {
    const any = await T.category('AnyType');
    expectError(await t.req({ method: 'PATCH', url: `${CAT}/${enc(any)}`, payload: { associable_types: ['VirtualMachine'] } }), 'INVALID_ARGUMENT', 'associable types can only grow');
    const some = await T.category('SomeTypes', 'MULTIPLE', ['VirtualMachine', 'HostSystem']);
    expectError(await t.req({ method: 'PATCH', url: `${CAT}/${enc(some)}`, payload: { associable_types: ['VirtualMachine'] } }), 'INVALID_ARGUMENT', 'HostSystem cannot be removed');
    expectOk(await t.req({ method: 'PATCH', url: `${CAT}/${enc(some)}`, payload: { associable_types: [] } }), 204);
    const [a, b] = [await T.tag(some, 'a'), await T.tag(some, 'b')];
    await T.attach(a, D.vm('web-01'));
    await T.attach(b, D.vm('web-01'));
    expectError(await t.req({ method: 'PATCH', url: `${CAT}/${enc(some)}`, payload: { cardinality: 'SINGLE' } }), 'INVALID_ARGUMENT', 'holds 2 tags');
    await T.detach(b, D.vm('web-01'));
    expectOk(await t.req({ method: 'PATCH', url: `${CAT}/${enc(some)}`, payload: { cardinality: 'SINGLE' } }), 204);
    expectOk(await t.req({ method: 'PATCH', url: `${CAT}/${enc(some)}`, payload: { cardinality: 'MULTIPLE' } }), 204);
  });

  it('401 without credentials, 403 naming the tagging privilege, 404 for unknown ids', async () => {
    const id = await T.category('Guarded');
    expectError(await get(CAT, null), 'UNAUTHENTICATED');
    expectError(await get(`${CAT}/${enc(id)}`, null), 'UNAUTHENTICATED');
    expectError(await T.post(CAT, { name: 'Z', description: '', cardinality: 'SINGLE', associable_types: [] }, null), 'UNAUTHENTICATED');
    expectError(await T.post(CAT, { name: 'Z', description: '', cardinality: 'SINGLE', associable_types: [] }, 'readonly'), 'UNAUTHORIZED', 'InventoryService.Tagging.CreateCategory');
    expectError(await t.req({ method: 'PATCH', url: `${CAT}/${enc(id)}`, payload: { name: 'Q' }, as: 'readonly' }), 'UNAUTHORIZED', 'InventoryService.Tagging.EditCategory');
    expectError(await t.req({ method: 'DELETE', url: `${CAT}/${enc(id)}`, as: 'readonly' }), 'UNAUTHORIZED', 'InventoryService.Tagging.DeleteCategory');
    expectError(await t.req({ method: 'DELETE', url: `${CAT}/${enc(id)}`, as: null }), 'UNAUTHENTICATED');
    // The operator reads the datacenter and one cluster only: no tagging object is visible.
    expectError(await get(`${CAT}/${enc(id)}`, 'operator'), 'UNAUTHORIZED', 'System.Read');
    expect(expectOk(await get(CAT, 'operator'))).toEqual([]);
    for (const missing of ['urn:vmomi:InventoryServiceCategory:00000000-0000-4000-8000-000000000000:GLOBAL', 'nope', '%E2%98%83']) {
      expectError(await get(`${CAT}/${missing}`), 'NOT_FOUND');
      expectError(await t.req({ method: 'PATCH', url: `${CAT}/${missing}`, payload: { name: 'n' } }), 'NOT_FOUND');
      expectError(await t.req({ method: 'DELETE', url: `${CAT}/${missing}` }), 'NOT_FOUND');
    }
    // A permission on the category itself is enough to edit it, and reaches its tags.
    const editor = await addUser(t, [{ on: id, privileges: ['System.Read', 'InventoryService.Tagging.EditCategory', 'InventoryService.Tagging.CreateTag'] }]);
    expectOk(await t.req({ method: 'PATCH', url: `${CAT}/${enc(id)}`, payload: { description: 'by the editor' }, headers: { authorization: editor }, as: null }), 204);
    const made = expectOk(await t.req({ method: 'POST', url: TAG, payload: { name: 't', description: '', category_id: id }, headers: { authorization: editor }, as: null }), 201);
    expect(expectOk(await t.req({ method: 'GET', url: TAG, headers: { authorization: editor }, as: null }))).toEqual([made]);
    expectError(await t.req({ method: 'DELETE', url: `${TAG}/${enc(made)}`, headers: { authorization: editor }, as: null }), 'UNAUTHORIZED', 'InventoryService.Tagging.DeleteTag');
  });

  it('used_by: add and remove are idempotent; list-used-categories filters by it', async () => {
    const id = await T.category('Subscribed');
    for (let i = 0; i < 2; i++) expectOk(await T.post(`${CAT}/${enc(id)}?action=add-to-used-by`, { used_by_entity: 'snapservice' }), 204);
    expect(expectOk(await get(`${CAT}/${enc(id)}`)).used_by).toEqual(['snapservice']);
    expect(expectOk(await T.post(`${CAT}?action=list-used-categories`, { used_by_entity: 'snapservice' }))).toEqual([id]);
    expect(expectOk(await T.post(`${CAT}?action=list-used-categories`, { used_by_entity: 'nobody' }))).toEqual([]);
    for (let i = 0; i < 2; i++) expectOk(await T.post(`${CAT}/${enc(id)}?action=remove-from-used-by`, { used_by_entity: 'snapservice' }), 204);
    expect(expectOk(await get(`${CAT}/${enc(id)}`)).used_by).toEqual([]);
    expectError(await T.post(`${CAT}/${enc(id)}?action=add-to-used-by`, { used_by_entity: 'x' }, 'readonly'), 'UNAUTHORIZED', 'ModifyUsedByForCategory');
    expectError(await T.post(`${CAT}/nope?action=add-to-used-by`, { used_by_entity: 'x' }), 'NOT_FOUND');
    expectError(await T.post(`${CAT}/${enc(id)}?action=add-to-used-by`, { used_by_entity: 7 }), 'INVALID_ARGUMENT', 'used_by_entity');
    expectError(await T.post(`${CAT}/${enc(id)}?action=add-to-used-by`, { used_by_entity: 'x', category_id: 'other' }), 'INVALID_ARGUMENT', 'category_id');
  });
});

describe('tags', () => {
  it('create, get, list, list for a category, update and delete as TagModel', async () => {
    const cat = await T.category('Tier');
    const other = await T.category('Tier2');
    const gold = await T.tag(cat, 'gold');
    expect(gold).toMatch(URN_TAG);
    const model = expectOk(await get(`${TAG}/${enc(gold)}`));
    expect(model).toEqual({ id: gold, category_id: cat, name: 'gold', description: '', used_by: [] });
    expectTaggingSchema('Cis.Tagging.TagModel', model);
    const silver = await T.tag(cat, 'silver');
    const elsewhere = await T.tag(other, 'gold');
    expect(expectOk(await T.post(`${TAG}?action=list-tags-for-category`, { category_id: cat })).sort()).toEqual([gold, silver].sort());
    expect(expectOk(await get(TAG))).toEqual(expect.arrayContaining([gold, silver, elsewhere]));
    expectError(await T.post(TAG, { name: 'gold', description: '', category_id: cat }), 'ALREADY_EXISTS', 'gold');
    expectError(await t.req({ method: 'PATCH', url: `${TAG}/${enc(silver)}`, payload: { name: 'gold' } }), 'ALREADY_EXISTS');
    expectOk(await t.req({ method: 'PATCH', url: `${TAG}/${enc(silver)}`, payload: { name: 'platinum', description: 'best' } }), 204);
    expect(expectOk(await get(`${TAG}/${enc(silver)}`))).toMatchObject({ name: 'platinum', description: 'best' });
    expectOk(await t.req({ method: 'DELETE', url: `${TAG}/${enc(silver)}` }), 204);
    expectError(await get(`${TAG}/${enc(silver)}`), 'NOT_FOUND');
    // Deleting the category deletes its tags.
    expectOk(await t.req({ method: 'DELETE', url: `${CAT}/${enc(cat)}` }), 204);
    expectError(await get(`${TAG}/${enc(gold)}`), 'NOT_FOUND');
    expectOk(await get(`${TAG}/${enc(elsewhere)}`));
  });

  it('errors: 404 category (in the spec or the body), 403, 401, invalid input', async () => {
    const cat = await T.category('Errs');
    const missing = 'urn:vmomi:InventoryServiceCategory:00000000-0000-4000-8000-000000000001:GLOBAL';
    expectError(await T.post(TAG, { name: 'x', description: '', category_id: missing }), 'NOT_FOUND', missing);
    expectError(await T.post(`${TAG}?action=list-tags-for-category`, { category_id: missing }), 'NOT_FOUND');
    expectError(await T.post(TAG, { name: 'x', description: '', category_id: cat }, 'readonly'), 'UNAUTHORIZED', 'InventoryService.Tagging.CreateTag');
    expectError(await T.post(TAG, { name: 'x', description: '', category_id: cat }, null), 'UNAUTHENTICATED');
    expectError(await T.post(TAG, { name: '', description: '', category_id: cat }), 'INVALID_ARGUMENT', 'create_spec.name');
    expectError(await T.post(TAG, { name: 'x', description: 'd'.repeat(1025), category_id: cat }), 'INVALID_ARGUMENT', 'create_spec.description');
    expectError(await T.post(TAG, { name: 'x', description: '', category_id: cat, tag_id: 'tag-1' }), 'INVALID_ARGUMENT', 'create_spec.tag_id');
    expectError(await T.post(TAG, { name: 'x', description: '' }), 'INVALID_ARGUMENT', 'category_id');
    expectError(await T.post(`${TAG}?action=list-tags-for-category`, {}), 'INVALID_ARGUMENT', 'category_id');
    const tag = await T.tag(cat, 'x');
    expectError(await t.req({ method: 'PATCH', url: `${TAG}/${enc(tag)}`, payload: { category_id: cat } }), 'INVALID_ARGUMENT', 'category_id');
    expectError(await t.req({ method: 'PATCH', url: `${TAG}/${enc(tag)}`, payload: { name: 'y' }, as: 'readonly' }), 'UNAUTHORIZED', 'InventoryService.Tagging.EditTag');
    expectError(await t.req({ method: 'DELETE', url: `${TAG}/${enc(tag)}`, as: 'readonly' }), 'UNAUTHORIZED', 'InventoryService.Tagging.DeleteTag');
    expectError(await t.req({ method: 'DELETE', url: `${TAG}/nope` }), 'NOT_FOUND');
    expectError(await get(`${TAG}/${enc(tag)}`, null), 'UNAUTHENTICATED');
    expect(expectOk(await get(`${TAG}/${enc(tag)}`, 'readonly')).name).toBe('x');
    expectOk(await T.post(`${TAG}/${enc(tag)}?action=add-to-used-by`, { used_by_entity: 'me' }), 204);
    expect(expectOk(await T.post(`${TAG}?action=list-used-tags`, { used_by_entity: 'me' }))).toEqual([tag]);
    expectOk(await T.post(`${TAG}/${enc(tag)}?action=remove-from-used-by`, { used_by_entity: 'me' }), 204);
    expect(expectOk(await T.post(`${TAG}?action=list-used-tags`, { used_by_entity: 'me' }))).toEqual([]);
    expectError(await T.post(`${TAG}/${enc(tag)}?action=add-to-used-by`, { used_by_entity: 'me' }, 'readonly'), 'UNAUTHORIZED', 'ModifyUsedByForTag');
  });
});
