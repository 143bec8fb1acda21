import { defineOperation, type Operation } from '../../vapi/operation.ts';
import { DynamicIdSchema, Id, Input, ListOf } from '../../vapi/wire.ts';
import { attach, attachable, attachTags, attachToObjects, canRead, detach, objectsOf, requireRead, tagsOn } from './associations.ts';
import { readableTags, tag } from './catalog.ts';
import { BatchResult, IdList, ObjectToTags, TagToObjects } from './schemas.ts';

const SERVICE = 'com.vmware.cis.tagging.tag_association';
const SINCE = '6.5';
const PATH = '/api/cis/tagging/tag-association';
const ATTACH = 'InventoryService.Tagging.AttachTag';
const READ = 'System.Read';
const TAG_ID = { tagId: 'tag_id' };

/** attach/detach of one tag to one object, and of one tag to many objects. */
const oneTag = (on: boolean): Operation[] => [
  defineOperation({
    service: SERVICE, name: on ? 'attach' : 'detach', since: SINCE,
    rest: { method: 'POST', path: `${PATH}/{tagId}`, params: TAG_ID, action: on ? 'attach' : 'detach', bodyFields: true, status: 204 },
    input: Input({ tag_id: Id(), object_id: DynamicIdSchema }),
    ids: ['tag_id'],
    authorize: (call, ids) => tag(call, ids.tag_id, ATTACH),
    handler: (call, input, t) => (on ? attach(call, t, input.object_id) : detach(call, t, input.object_id)),
  }),
  defineOperation({
    service: SERVICE, name: on ? 'attach_tag_to_multiple_objects' : 'detach_tag_from_multiple_objects', since: SINCE,
    rest: { method: 'POST', path: `${PATH}/{tagId}`, params: TAG_ID, action: on ? 'attach-tag-to-multiple-objects' : 'detach-tag-from-multiple-objects', bodyFields: true },
    input: Input({ tag_id: Id(), object_ids: ListOf(DynamicIdSchema) }),
    ids: ['tag_id'],
    output: BatchResult,
    authorize: (call, ids) => tag(call, ids.tag_id, ATTACH),
    handler: (call, input, t) => attachToObjects(call, t, input.object_ids, on),
  }),
  defineOperation({
    service: SERVICE, name: on ? 'attach_multiple_tags_to_object' : 'detach_multiple_tags_from_object', since: SINCE,
    rest: { method: 'POST', path: PATH, action: on ? 'attach-multiple-tags-to-object' : 'detach-multiple-tags-from-object', bodyFields: true },
    input: Input({ object_id: DynamicIdSchema, tag_ids: ListOf(Id()) }),
    output: BatchResult,
    handler: async (call, input) => {
      await requireRead(call, input.object_id);
      return attachTags(call, input.object_id, input.tag_ids, on);
    },
  }),
];

export const associationOperations: Operation[] = [
  ...oneTag(true),
  ...oneTag(false),
  defineOperation({
    service: SERVICE, name: 'list_attached_objects', since: SINCE, readOnly: true,
    rest: { method: 'POST', path: `${PATH}/{tagId}`, params: TAG_ID, action: 'list-attached-objects' },
    input: Input({ tag_id: Id() }),
    ids: ['tag_id'],
    output: ListOf(DynamicIdSchema),
    authorize: (call, ids) => tag(call, ids.tag_id, READ),
    handler: async (call, _input, t) => (await objectsOf(call, [t.id])).get(t.id) ?? [],
  }),
  defineOperation({
    service: SERVICE, name: 'list_attached_objects_on_tags', since: SINCE, readOnly: true,
    rest: { method: 'POST', path: PATH, action: 'list-attached-objects-on-tags', bodyFields: true },
    input: Input({ tag_ids: ListOf(Id()) }),
    output: ListOf(TagToObjects),
    // Tags that do not exist or that the caller may not read are left out, not errors.
    handler: async (call, input) => {
      const tags = await readableTags(call, await call.deps.store.repos.tags.getTags(input.tag_ids));
      const known = new Set(tags.map((t) => t.id));
      const objects = await objectsOf(call, [...known]);
      return [...new Set(input.tag_ids)].filter((id) => known.has(id)).map((id) => ({ tag_id: id, object_ids: objects.get(id) ?? [] }));
    },
  }),
  defineOperation({
    service: SERVICE, name: 'list_attached_tags', since: SINCE, readOnly: true,
    rest: { method: 'POST', path: PATH, action: 'list-attached-tags', bodyFields: true },
    input: Input({ object_id: DynamicIdSchema }),
    output: IdList,
    handler: async (call, input) => {
      await requireRead(call, input.object_id);
      return (await tagsOn(call, [input.object_id])).get(`${input.object_id.type}:${input.object_id.id}`) ?? [];
    },
  }),
  defineOperation({
    service: SERVICE, name: 'list_attached_tags_on_objects', since: SINCE, readOnly: true,
    rest: { method: 'POST', path: PATH, action: 'list-attached-tags-on-objects', bodyFields: true },
    input: Input({ object_ids: ListOf(DynamicIdSchema) }),
    output: ListOf(ObjectToTags),
    // Objects the caller may not read are left out, as the tags it may not read are.
    handler: async (call, input) => {
      const seen = new Set<string>();
      const objects = [];
      await call.authz.knownVms(input.object_ids.filter((o) => o.type === 'VirtualMachine').map((o) => o.id));
      for (const o of input.object_ids) {
        const key = `${o.type}:${o.id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (await canRead(call, o)) objects.push(o);
      }
      const tags = await tagsOn(call, objects);
      return objects.map((o) => ({ object_id: { type: o.type, id: o.id }, tag_ids: tags.get(`${o.type}:${o.id}`) ?? [] }));
    },
  }),
  defineOperation({
    service: SERVICE, name: 'list_attachable_tags', since: SINCE, readOnly: true,
    rest: { method: 'POST', path: PATH, action: 'list-attachable-tags', bodyFields: true },
    input: Input({ object_id: DynamicIdSchema }),
    output: IdList,
    handler: async (call, input) => {
      await requireRead(call, input.object_id);
      return attachable(call, input.object_id);
    },
  }),
];
