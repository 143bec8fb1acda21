import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { taggingOperations } from '../../src/modules/tagging/operations.ts';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';
import { reachableSchemas } from './schemas.ts';
import { call, callError, O, S, userPass } from './client.ts';

/** Canonical names of the tagging bindings (see the fixture's `_about`). */
const CANON = JSON.parse(readFileSync(new URL('./fixtures/tagging-canonical-names.json', import.meta.url), 'utf8')) as {
  structures: Record<string, { fields: string[] }>;
  enums: string[];
  operations: Record<string, Record<string, string[]>>;
};

const CAT = 'com.vmware.cis.tagging.category';
const TAG = 'com.vmware.cis.tagging.tag';
const TA = 'com.vmware.cis.tagging.tag_association';
const dyn = (type: string, id: string) => S('com.vmware.vapi.std.dynamic_ID', { type, id });

describe('vCenter tagging over JSON-RPC uses the bindings\' canonical names', () => {
  it('every structure, enumeration, operation and parameter is the bindings\'', () => {
    const { structs, enums } = reachableSchemas(taggingOperations);
    expect(structs.size).toBe(Object.keys(CANON.structures).length);
    for (const [name, schema] of structs) {
      expect(CANON.structures[name], `structure ${name}`).toBeDefined();
      expect(Object.keys(schema.properties ?? {}).sort(), name).toEqual([...CANON.structures[name].fields].sort());
    }
    expect([...enums]).toEqual(CANON.enums);
    const served = new Map<string, string[]>();
    for (const op of taggingOperations) served.set(`${op.service} ${op.name}`, Object.keys(op.input.properties ?? {}).sort());
    const expected = new Map<string, string[]>();
    for (const [service, ops] of Object.entries(CANON.operations)) for (const [name, params] of Object.entries(ops)) expected.set(`${service} ${name}`, [...params].sort());
    expect(served).toEqual(expected);
  });

  describe('calls', () => {
    let t: TestApp;
    beforeEach(async () => {
      t = await makeApp();
    });
    afterEach(() => t.close());

    it('creates a category and a tag, attaches it to a VM and reads it back, as an SDK would', async () => {
      const I = await ids(t);
      const sec = userPass('admin');
      const catId = await call(t, CAT, 'create', {
        create_spec: S(`${CAT}.create_spec`, { name: 'rpc', description: 'made over JSON-RPC', cardinality: 'SINGLE', associable_types: ['VirtualMachine'], category_id: O() }),
      }, sec);
      expect(catId).toMatch(/^urn:vmomi:InventoryServiceCategory:/);
      const model = await call(t, CAT, 'get', { category_id: catId }, sec);
      expect(model).toEqual({ id: catId, name: 'rpc', description: 'made over JSON-RPC', cardinality: 'SINGLE', associable_types: ['VirtualMachine'], used_by: [] });
      const tagId = await call(t, TAG, 'create', { create_spec: S(`${TAG}.create_spec`, { name: 'one', description: '', category_id: catId, tag_id: O() }) }, sec);
      await call(t, TAG, 'update', { tag_id: tagId, update_spec: S(`${TAG}.update_spec`, { name: O('uno'), description: O() }) }, sec);
      expect(await call(t, TAG, 'list_tags_for_category', { category_id: catId }, sec)).toEqual([tagId]);
      await call(t, TA, 'attach', { tag_id: tagId, object_id: dyn('VirtualMachine', I.vm('web-01')) }, sec);
      expect(await call(t, TA, 'list_attached_tags', { object_id: dyn('VirtualMachine', I.vm('web-01')) }, sec)).toEqual([tagId]);
      expect(await call(t, TA, 'list_attached_objects', { tag_id: tagId }, sec)).toEqual([{ type: 'VirtualMachine', id: I.vm('web-01') }]);
      const batch = await call(t, TA, 'attach_tag_to_multiple_objects', { tag_id: tagId, object_ids: [dyn('VirtualMachine', I.vm('web-02')), dyn('Datastore', 'datastore-1')] }, sec);
      expect(batch.success).toBe(false);
      expect(batch.error_messages).toHaveLength(1);
      // The REST view of the same tag.
      expect((await t.req({ method: 'GET', url: `/api/cis/tagging/tag/${encodeURIComponent(tagId)}` })).json()).toMatchObject({ name: 'uno', category_id: catId });
    });

    it('answers the errors REST answers: NOT_FOUND, UNAUTHORIZED, ALREADY_EXISTS, INVALID_ARGUMENT', async () => {
      const sec = userPass('admin');
      const spec = (name: string) => ({ create_spec: S(`${CAT}.create_spec`, { name, description: '', cardinality: 'MULTIPLE', associable_types: [], category_id: O() }) });
      await call(t, CAT, 'create', spec('dup'), sec);
      await callError(t, CAT, 'create', spec('dup'), sec, 'ALREADY_EXISTS');
      await callError(t, CAT, 'create', spec('ro'), userPass('readonly'), 'UNAUTHORIZED');
      await callError(t, CAT, 'get', { category_id: 'urn:vmomi:InventoryServiceCategory:nope:GLOBAL' }, sec, 'NOT_FOUND');
      await callError(t, CAT, 'create', { create_spec: S(`${CAT}.create_spec`, { name: 'x', description: '', cardinality: 'SOME', associable_types: [], category_id: O() }) }, sec, 'INVALID_ARGUMENT');
      await callError(t, TA, 'attach', { tag_id: 'urn:vmomi:InventoryServiceTag:nope:GLOBAL', object_id: dyn('VirtualMachine', 'vm-1') }, sec, 'NOT_FOUND');
    });

    it('a protection group with tag rules and a membership preview, with the snapservice canonical names', async () => {
      const I = await ids(t);
      const sec = userPass('admin');
      const catId = await call(t, CAT, 'create', { create_spec: S(`${CAT}.create_spec`, { name: 'c', description: '', cardinality: 'MULTIPLE', associable_types: [], category_id: O() }) }, sec);
      const tagId = await call(t, TAG, 'create', { create_spec: S(`${TAG}.create_spec`, { name: 't', description: '', category_id: catId, tag_id: O() }) }, sec);
      await call(t, TA, 'attach', { tag_id: tagId, object_id: dyn('VirtualMachine', I.vm('db-02')) }, sec);
      const rule = S('com.vmware.snapservice.tag_rule', { tags: [tagId], operator: 'OR' });
      const targets = S('com.vmware.snapservice.target_entities', { vm_name_patterns: O(), vms: O(), tag_rules: O([rule]) });
      const preview = await call(t, 'com.vmware.snapservice.protection_groups', 'compute_members', {
        spec: S('com.vmware.snapservice.protection_groups.compute_members_spec', {
          create_spec: O(S('com.vmware.snapservice.protection_group_spec', { name: 'tagged', target_entities: targets, snapshot_policies: O(), locked: O() })),
          update_spec: O(), protection_group: O(), cluster_id: O(I.clusterA),
        }),
      }, sec);
      expect(preview.included_vms).toEqual([expect.objectContaining({ vm: I.vm('db-02'), vm_name: 'db-02', membership_change_type: 'ADD' })]);
      expect(preview.excluded_vms).toEqual([]);
    });
  });
});
