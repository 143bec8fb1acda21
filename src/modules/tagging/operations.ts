import { Type } from '@sinclair/typebox';
import type { Repos } from '../../store/store.ts';
import { defineOperation, type Call, type Operation } from '../../vapi/operation.ts';
import { Id, Input } from '../../vapi/wire.ts';
import { associationOperations } from './association-operations.ts';
import {
  category, changeUsedBy, createCategory, createTag, readableCategories, readableTags, tag, updateCategory, updateTag,
} from './catalog.ts';
import {
  CategoryCreateSpec, CategoryModel, categoryToWire, CategoryUpdateSpec, IdList, TagCreateSpec, TagModel, tagToWire, TagUpdateSpec,
} from './schemas.ts';

/**
 * vCenter tagging (com.vmware.cis.tagging): categories, tags and their attachments, as
 * automation scripts use them to select what a protection group's tag rules protect.
 */
const NS = 'com.vmware.cis.tagging';
const SINCE = '6.5';
const CAT = `${NS}.category`;
const TAGS = `${NS}.tag`;
const CAT_PATH = '/api/cis/tagging/category';
const TAG_PATH = '/api/cis/tagging/tag';
const P = 'InventoryService.Tagging';
const READ = 'System.Read';
const CATEGORY_ID = { categoryId: 'category_id' };
const TAG_ID = { tagId: 'tag_id' };

/** Deletes take the lock attaches take, so that no attachment outlives its tag. */
const deleteUnderLock = (call: Call, fn: (tx: Repos) => Promise<void>) =>
  call.deps.store.transaction(async (tx) => {
    await tx.locks.acquire('admission');
    await fn(tx);
  });

const usedBy = (kind: 'category' | 'tag', action: 'add' | 'remove'): Operation => {
  const [service, path, id, privilege] = kind === 'category'
    ? [CAT, `${CAT_PATH}/{categoryId}`, 'category_id', `${P}.ModifyUsedByForCategory`]
    : [TAGS, `${TAG_PATH}/{tagId}`, 'tag_id', `${P}.ModifyUsedByForTag`];
  return defineOperation({
    service, name: `${action}_to_used_by`.replace('remove_to', 'remove_from'), since: SINCE,
    rest: { method: 'POST', path, params: kind === 'category' ? CATEGORY_ID : TAG_ID, action: `${action}-${action === 'add' ? 'to' : 'from'}-used-by`, bodyFields: true, status: 204 },
    input: Input({ [id]: Id(), used_by_entity: Type.String() }),
    ids: [id],
    authorize: async (call, ids): Promise<{ id: string }> => (kind === 'category' ? category(call, ids[id], privilege) : tag(call, ids[id], privilege)),
    handler: (call, input, obj) => changeUsedBy(call, kind, obj.id, String(input.used_by_entity), action === 'add'),
  });
};

const categoryOperations: Operation[] = [
  defineOperation({
    service: CAT, name: 'list', since: SINCE, readOnly: true,
    rest: { method: 'GET', path: CAT_PATH },
    input: Input({}),
    output: IdList,
    handler: async (call) => (await readableCategories(call, await call.deps.store.repos.tags.listCategories())).map((c) => c.id),
  }),
  defineOperation({
    service: CAT, name: 'get', since: SINCE, readOnly: true,
    rest: { method: 'GET', path: `${CAT_PATH}/{categoryId}`, params: CATEGORY_ID },
    input: Input({ category_id: Id() }),
    ids: ['category_id'],
    output: CategoryModel,
    authorize: (call, ids) => category(call, ids.category_id, READ),
    handler: async (_call, _input, c) => categoryToWire(c),
  }),
  defineOperation({
    service: CAT, name: 'create', since: SINCE,
    rest: { method: 'POST', path: CAT_PATH, body: 'create_spec', bodyWrapped: true, status: 201 },
    input: Input({ create_spec: CategoryCreateSpec }),
    output: Id(),
    authorize: (call) => call.authz.require({ type: 'Folder', id: call.deps.rootFolderId }, [`${P}.CreateCategory`]),
    handler: (call, { create_spec: s }) =>
      createCategory(call, { name: s.name, description: s.description, cardinality: s.cardinality, associableTypes: s.associable_types, id: s.category_id }),
  }),
  defineOperation({
    service: CAT, name: 'update', since: SINCE,
    rest: { method: 'PATCH', path: `${CAT_PATH}/{categoryId}`, params: CATEGORY_ID, body: 'update_spec', bodyWrapped: true, status: 204 },
    input: Input({ category_id: Id(), update_spec: CategoryUpdateSpec }),
    ids: ['category_id'],
    authorize: (call, ids) => category(call, ids.category_id, `${P}.EditCategory`),
    handler: (call, { update_spec: s }, c) =>
      updateCategory(call, c, { name: s.name, description: s.description, cardinality: s.cardinality, associableTypes: s.associable_types }),
  }),
  defineOperation({
    service: CAT, name: 'delete', since: SINCE,
    rest: { method: 'DELETE', path: `${CAT_PATH}/{categoryId}`, params: CATEGORY_ID },
    input: Input({ category_id: Id() }),
    ids: ['category_id'],
    authorize: (call, ids) => category(call, ids.category_id, `${P}.DeleteCategory`),
    handler: (call, _input, c) => deleteUnderLock(call, (tx) => tx.tags.deleteCategory(c.id)),
  }),
  defineOperation({
    service: CAT, name: 'list_used_categories', since: SINCE, readOnly: true,
    rest: { method: 'POST', path: CAT_PATH, action: 'list-used-categories', bodyFields: true },
    input: Input({ used_by_entity: Type.String() }),
    output: IdList,
    handler: async (call, input) => {
      const used = (await call.deps.store.repos.tags.listCategories()).filter((c) => c.usedBy.includes(input.used_by_entity));
      return (await readableCategories(call, used)).map((c) => c.id);
    },
  }),
  usedBy('category', 'add'),
  usedBy('category', 'remove'),
];

const tagOperations: Operation[] = [
  defineOperation({
    service: TAGS, name: 'list', since: SINCE, readOnly: true,
    rest: { method: 'GET', path: TAG_PATH },
    input: Input({}),
    output: IdList,
    handler: async (call) => (await readableTags(call, await call.deps.store.repos.tags.listTags())).map((t) => t.id),
  }),
  defineOperation({
    service: TAGS, name: 'get', since: SINCE, readOnly: true,
    rest: { method: 'GET', path: `${TAG_PATH}/{tagId}`, params: TAG_ID },
    input: Input({ tag_id: Id() }),
    ids: ['tag_id'],
    output: TagModel,
    authorize: (call, ids) => tag(call, ids.tag_id, READ),
    handler: async (_call, _input, t) => tagToWire(t),
  }),
  defineOperation({
    service: TAGS, name: 'create', since: SINCE,
    rest: { method: 'POST', path: TAG_PATH, body: 'create_spec', bodyWrapped: true, status: 201 },
    input: Input({ create_spec: TagCreateSpec }),
    output: Id(),
    // The category is inside the spec: 404 and the privilege on it come after input checks.
    handler: async (call, { create_spec: s }) => {
      const c = await category(call, s.category_id, `${P}.CreateTag`);
      return createTag(call, c, { name: s.name, description: s.description, id: s.tag_id });
    },
  }),
  defineOperation({
    service: TAGS, name: 'update', since: SINCE,
    rest: { method: 'PATCH', path: `${TAG_PATH}/{tagId}`, params: TAG_ID, body: 'update_spec', bodyWrapped: true, status: 204 },
    input: Input({ tag_id: Id(), update_spec: TagUpdateSpec }),
    ids: ['tag_id'],
    authorize: (call, ids) => tag(call, ids.tag_id, `${P}.EditTag`),
    handler: (call, { update_spec: s }, t) => updateTag(call, t, { name: s.name, description: s.description }),
  }),
  defineOperation({
    service: TAGS, name: 'delete', since: SINCE,
    rest: { method: 'DELETE', path: `${TAG_PATH}/{tagId}`, params: TAG_ID },
    input: Input({ tag_id: Id() }),
    ids: ['tag_id'],
    authorize: (call, ids) => tag(call, ids.tag_id, `${P}.DeleteTag`),
    handler: (call, _input, t) => deleteUnderLock(call, (tx) => tx.tags.deleteTag(t.id)),
  }),
  defineOperation({
    service: TAGS, name: 'list_tags_for_category', since: SINCE, readOnly: true,
    rest: { method: 'POST', path: TAG_PATH, action: 'list-tags-for-category', bodyFields: true },
    input: Input({ category_id: Id() }),
    ids: ['category_id'],
    output: IdList,
    authorize: (call, ids) => category(call, ids.category_id, READ),
    handler: async (call, _input, c) => (await readableTags(call, await call.deps.store.repos.tags.listTags(c.id))).map((t) => t.id),
  }),
  defineOperation({
    service: TAGS, name: 'list_used_tags', since: SINCE, readOnly: true,
    rest: { method: 'POST', path: TAG_PATH, action: 'list-used-tags', bodyFields: true },
    input: Input({ used_by_entity: Type.String() }),
    output: IdList,
    handler: async (call, input) => {
      const used = (await call.deps.store.repos.tags.listTags()).filter((t) => t.usedBy.includes(input.used_by_entity));
      return (await readableTags(call, used)).map((t) => t.id);
    },
  }),
  usedBy('tag', 'add'),
  usedBy('tag', 'remove'),
];

export const taggingOperations: Operation[] = [...categoryOperations, ...tagOperations, ...associationOperations];
