import { categoryChangeProblem, categoryUrn, isCategoryUrn, isTagUrn, tagUrn, textProblem, type Cardinality, type Tag, type TagCategory } from '../../domain/tags.ts';
import { errors, vapiError } from '../../errors.ts';
import type { Repos } from '../../store/store.ts';
import type { Call } from '../../vapi/operation.ts';

/** Categories and tags: lookups, privilege checks, and the rules of create, update and delete. */

export const CATEGORY = 'InventoryServiceCategory' as const;
export const TAG = 'InventoryServiceTag' as const;
const READ = 'System.Read';

function fail(p: { field: string; why: string } | undefined): void {
  if (p) throw errors.invalidArgument(p.field, p.why);
}

export async function categoryOr404(repos: Repos, id: string): Promise<TagCategory> {
  const c = await repos.tags.getCategory(id);
  if (!c) throw errors.notFound('category', id);
  return c;
}

export async function tagOr404(repos: Repos, id: string): Promise<Tag> {
  const t = await repos.tags.getTag(id);
  if (!t) throw errors.notFound('tag', id);
  return t;
}

/** 404, then the privilege on the category. */
export async function category(call: Call, id: string, privilege: string): Promise<TagCategory> {
  const c = await categoryOr404(call.deps.store.repos, id);
  await call.authz.require({ type: CATEGORY, id }, [privilege]);
  return c;
}

/** 404, then the privilege on the tag (which its category's permissions reach). */
export async function tag(call: Call, id: string, privilege: string): Promise<Tag> {
  const t = await tagOr404(call.deps.store.repos, id);
  call.authz.knownParent(TAG, t.id, t.categoryId);
  await call.authz.require({ type: TAG, id }, [privilege]);
  return t;
}

export async function readableCategories(call: Call, list: TagCategory[]): Promise<TagCategory[]> {
  const out: TagCategory[] = [];
  for (const c of list) if (await call.authz.can({ type: CATEGORY, id: c.id }, READ)) out.push(c);
  return out;
}

export async function readableTags(call: Call, list: Tag[]): Promise<Tag[]> {
  const out: Tag[] = [];
  for (const t of list) {
    call.authz.knownParent(TAG, t.id, t.categoryId);
    if (await call.authz.can({ type: TAG, id: t.id }, READ)) out.push(t);
  }
  return out;
}

const alreadyExists = (what: string, text: string, ...args: string[]) => vapiError('ALREADY_EXISTS', `tagging.${what}.already_exists`, text, ...args);

function typesProblem(field: string, types: readonly string[]): { field: string; why: string } | undefined {
  const bad = types.findIndex((t) => t.trim().length === 0);
  return bad >= 0 ? { field: `${field}[${bad}]`, why: 'must not be empty' } : undefined;
}

export interface CategoryDraft {
  name: string;
  description: string;
  cardinality: Cardinality;
  associableTypes: string[];
  id?: string;
}

export async function createCategory(call: Call, d: CategoryDraft): Promise<string> {
  fail(textProblem('create_spec.name', d.name, 'name'));
  fail(textProblem('create_spec.description', d.description, 'description'));
  fail(typesProblem('create_spec.associable_types', d.associableTypes));
  if (d.id !== undefined && !isCategoryUrn(d.id)) {
    throw errors.invalidArgument('create_spec.category_id', 'must have the form urn:vmomi:InventoryServiceCategory:<id>:GLOBAL');
  }
  return call.deps.store.transaction(async (tx) => {
    // Names are checked under the lock so that two creators cannot both pass.
    await tx.locks.acquire('admission');
    if (await tx.tags.getCategoryByName(d.name)) throw alreadyExists('category', `A category named '${d.name}' already exists.`, d.name);
    const id = d.id ?? categoryUrn();
    if (await tx.tags.getCategory(id)) throw alreadyExists('category', `A category with id ${id} already exists.`, id);
    await tx.tags.insertCategory({
      id, name: d.name, description: d.description, cardinality: d.cardinality, associableTypes: [...new Set(d.associableTypes)], usedBy: [], createdAt: call.deps.clock.now(),
    });
    return id;
  });
}

export interface CategoryChange {
  name?: string;
  description?: string;
  cardinality?: Cardinality;
  associableTypes?: string[];
}

export async function updateCategory(call: Call, c: TagCategory, change: CategoryChange): Promise<void> {
  if (change.name !== undefined) fail(textProblem('update_spec.name', change.name, 'name'));
  if (change.description !== undefined) fail(textProblem('update_spec.description', change.description, 'description'));
  if (change.associableTypes) fail(typesProblem('update_spec.associable_types', change.associableTypes));
  await call.deps.store.transaction(async (tx) => {
    await tx.locks.acquire('admission');
    const now = await categoryOr404(tx, c.id);
    if (change.name !== undefined && change.name !== now.name && (await tx.tags.getCategoryByName(change.name))) {
      throw alreadyExists('category', `A category named '${change.name}' already exists.`, change.name);
    }
    const perObject = new Map<string, number>();
    if (change.cardinality === 'SINGLE' && now.cardinality === 'MULTIPLE') {
      const tags = await tx.tags.listTags(now.id);
      for (const a of await tx.tags.ofTags(tags.map((t) => t.id))) {
        const key = `${a.objectType}:${a.objectId}`;
        perObject.set(key, (perObject.get(key) ?? 0) + 1);
      }
    }
    fail(categoryChangeProblem(now, change, perObject));
    const patch: Partial<TagCategory> = {};
    if (change.name !== undefined) patch.name = change.name;
    if (change.description !== undefined) patch.description = change.description;
    if (change.cardinality !== undefined) patch.cardinality = change.cardinality;
    if (change.associableTypes !== undefined) patch.associableTypes = [...new Set(change.associableTypes)];
    await tx.tags.updateCategory(now.id, patch);
  });
}

export interface TagDraft {
  name: string;
  description: string;
  id?: string;
}

export async function createTag(call: Call, c: TagCategory, d: TagDraft): Promise<string> {
  fail(textProblem('create_spec.name', d.name, 'name'));
  fail(textProblem('create_spec.description', d.description, 'description'));
  if (d.id !== undefined && !isTagUrn(d.id)) throw errors.invalidArgument('create_spec.tag_id', 'must have the form urn:vmomi:InventoryServiceTag:<id>:GLOBAL');
  return call.deps.store.transaction(async (tx) => {
    await tx.locks.acquire('admission');
    // The category may have gone since the 404 check.
    await categoryOr404(tx, c.id);
    if ((await tx.tags.listTags(c.id)).some((t) => t.name === d.name)) {
      throw alreadyExists('tag', `Category ${c.name} already has a tag named '${d.name}'.`, c.name, d.name);
    }
    const id = d.id ?? tagUrn();
    if (await tx.tags.getTag(id)) throw alreadyExists('tag', `A tag with id ${id} already exists.`, id);
    await tx.tags.insertTag({ id, categoryId: c.id, name: d.name, description: d.description, usedBy: [], createdAt: call.deps.clock.now() });
    return id;
  });
}

export async function updateTag(call: Call, t: Tag, change: { name?: string; description?: string }): Promise<void> {
  if (change.name !== undefined) fail(textProblem('update_spec.name', change.name, 'name'));
  if (change.description !== undefined) fail(textProblem('update_spec.description', change.description, 'description'));
  await call.deps.store.transaction(async (tx) => {
    await tx.locks.acquire('admission');
    const now = await tagOr404(tx, t.id);
    if (change.name !== undefined && change.name !== now.name && (await tx.tags.listTags(now.categoryId)).some((x) => x.name === change.name)) {
      throw alreadyExists('tag', `The category already has a tag named '${change.name}'.`, change.name);
    }
    const patch: { name?: string; description?: string } = {};
    if (change.name !== undefined) patch.name = change.name;
    if (change.description !== undefined) patch.description = change.description;
    await tx.tags.updateTag(now.id, patch);
  });
}

/** Adds or removes a subscriber; either is a no-op when already so. */
export async function changeUsedBy(call: Call, kind: 'category' | 'tag', id: string, entity: string, add: boolean): Promise<void> {
  await call.deps.store.transaction(async (tx) => {
    await tx.locks.acquire('admission');
    const now = kind === 'category' ? await categoryOr404(tx, id) : await tagOr404(tx, id);
    const set = new Set(now.usedBy);
    if (add) set.add(entity);
    else set.delete(entity);
    if (set.size === now.usedBy.length) return;
    if (kind === 'category') await tx.tags.updateCategory(id, { usedBy: [...set] });
    else await tx.tags.updateTag(id, { usedBy: [...set] });
  });
}
