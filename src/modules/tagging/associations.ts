import { attachProblem, TAGGABLE_TYPES, type Tag, type TagAttachment } from '../../domain/tags.ts';
import type { EntityType } from '../../domain/privileges.ts';
import { errors, VapiError, type LocalizableMessage } from '../../errors.ts';
import type { Repos } from '../../store/store.ts';
import type { Call } from '../../vapi/operation.ts';
import { readableTags, TAG, tagOr404 } from './catalog.ts';
import type { WireDynamicId } from './schemas.ts';

/**
 * Tag attachments. Objects are the inventory's (TAGGABLE_TYPES), named by DynamicID. Deleted
 * VMs lose their tags from every answer, as vCenter drops a deleted object's associations.
 */

const READ = 'System.Read';
const ATTACH = 'InventoryService.Tagging.AttachTag';

const isTaggable = (type: string): type is (typeof TAGGABLE_TYPES)[number] => (TAGGABLE_TYPES as readonly string[]).includes(type);

/** Whether the object exists now. */
export async function objectExists(repos: Repos, o: WireDynamicId): Promise<boolean> {
  const inv = repos.inventory;
  switch (o.type) {
    case 'VirtualMachine': {
      const vm = await repos.vms.get(o.id);
      return vm !== undefined && vm.deletedAt === null;
    }
    case 'ClusterComputeResource': return (await inv.getCluster(o.id)) !== undefined;
    case 'HostSystem': return (await inv.getHost(o.id)) !== undefined;
    case 'Datacenter': return (await inv.getDatacenter(o.id)) !== undefined;
    case 'ResourcePool': return (await inv.getResourcePool(o.id)) !== undefined;
    case 'Folder': return (await inv.getFolder(o.id)) !== undefined;
    default: return false;
  }
}

/** Read privilege on an object; an unknown type has no ancestry of its own (root folder only). */
export async function canRead(call: Call, o: WireDynamicId): Promise<boolean> {
  return isTaggable(o.type) ? call.authz.can({ type: o.type as EntityType, id: o.id }, READ) : call.authz.can({ type: 'Folder', id: call.deps.rootFolderId }, READ);
}

export async function requireRead(call: Call, o: WireDynamicId): Promise<void> {
  if (isTaggable(o.type)) await call.authz.require({ type: o.type as EntityType, id: o.id }, [READ]);
  else await call.authz.require({ type: 'Folder', id: call.deps.rootFolderId }, [READ]);
}

/** The object must be a live inventory object of a taggable type, else the argument is invalid. */
async function validObject(call: Call, field: string, o: WireDynamicId): Promise<void> {
  if (!isTaggable(o.type)) throw errors.invalidArgument(`${field}.type`, `objects of type '${o.type}' cannot be tagged here (${TAGGABLE_TYPES.join(', ')})`);
  if (o.id === call.deps.rootFolderId && o.type === 'Folder') return;
  if (!(await objectExists(call.deps.store.repos, o))) throw errors.invalidArgument(`${field}.id`, `no ${o.type} ${o.id}`);
}

/** Attaches under the lock, so that a SINGLE category holds one tag per object whatever the concurrency. */
async function attachChecked(call: Call, t: Tag, o: WireDynamicId, field: string): Promise<void> {
  await call.deps.store.transaction(async (tx) => {
    await tx.locks.acquire('admission');
    const now = await tagOr404(tx, t.id);
    const category = await tx.tags.getCategory(now.categoryId);
    if (!category) throw errors.notFound('tag', t.id);
    const held = await tx.tags.getTags((await tx.tags.ofObjects(o.type, [o.id])).map((a) => a.tagId));
    const why = attachProblem(category, now, o.type, held);
    if (why) throw errors.invalidArgument(field, why);
    await tx.tags.attach({ tagId: now.id, objectType: o.type, objectId: o.id, createdAt: call.deps.clock.now() });
  });
}

export async function attach(call: Call, t: Tag, o: WireDynamicId): Promise<void> {
  await validObject(call, 'object_id', o);
  await requireRead(call, o);
  await attachChecked(call, t, o, 'tag_id');
}

export async function detach(call: Call, t: Tag, o: WireDynamicId): Promise<void> {
  await requireRead(call, o);
  await call.deps.store.repos.tags.detach(t.id, o.type, o.id);
}

/** The message of a batch item's failure; anything else is not the client's doing. */
function failure(err: unknown): LocalizableMessage {
  if (err instanceof VapiError) return err.messages[0];
  throw err;
}

export interface Batch {
  success: boolean;
  error_messages: LocalizableMessage[];
}

async function batch<T>(items: readonly T[], one: (item: T, i: number) => Promise<void>): Promise<Batch> {
  const messages: LocalizableMessage[] = [];
  for (const [i, item] of items.entries()) {
    try {
      await one(item, i);
    } catch (err) {
      messages.push(failure(err));
    }
  }
  return { success: messages.length === 0, error_messages: messages };
}

/** One tag to many objects: the tag was checked (404, attach privilege); each object is checked alone. */
export function attachToObjects(call: Call, t: Tag, objects: WireDynamicId[], on: boolean): Promise<Batch> {
  return batch(objects, async (o, i) => {
    if (!on) return detach(call, t, o);
    await validObject(call, `object_ids[${i}]`, o);
    await requireRead(call, o);
    await attachChecked(call, t, o, `object_ids[${i}]`);
  });
}

/** Many tags to one object: the object was checked (read privilege); each tag is checked alone. */
export function attachTags(call: Call, o: WireDynamicId, tagIds: string[], on: boolean): Promise<Batch> {
  return batch(tagIds, async (id, i) => {
    const t = await tagOr404(call.deps.store.repos, id);
    call.authz.knownParent(TAG, t.id, t.categoryId);
    await call.authz.require({ type: TAG, id: t.id }, [ATTACH]);
    if (on) await attachChecked(call, t, o, `tag_ids[${i}]`);
    else await call.deps.store.repos.tags.detach(t.id, o.type, o.id);
  });
}

/** Attachments whose object still exists: a deleted VM's tags went with it. */
async function live(repos: Repos, list: TagAttachment[]): Promise<TagAttachment[]> {
  const vmIds = [...new Set(list.filter((a) => a.objectType === 'VirtualMachine').map((a) => a.objectId))];
  if (vmIds.length === 0) return list;
  const alive = new Set((await repos.vms.list({ ids: vmIds })).map((v) => v.id));
  return list.filter((a) => a.objectType !== 'VirtualMachine' || alive.has(a.objectId));
}

/** Tags on each object (readable ones), in attachment order. */
export async function tagsOn(call: Call, objects: WireDynamicId[]): Promise<Map<string, string[]>> {
  const repos = call.deps.store.repos;
  const out = new Map<string, string[]>();
  const byType = new Map<string, string[]>();
  for (const o of objects) byType.set(o.type, [...(byType.get(o.type) ?? []), o.id]);
  const all: TagAttachment[] = [];
  for (const [type, ids] of byType) all.push(...(await live(repos, await repos.tags.ofObjects(type, ids))));
  const readable = new Set((await readableTags(call, await repos.tags.getTags(all.map((a) => a.tagId)))).map((t) => t.id));
  for (const a of all.sort((x, y) => x.createdAt - y.createdAt)) {
    if (!readable.has(a.tagId)) continue;
    const key = `${a.objectType}:${a.objectId}`;
    out.set(key, [...(out.get(key) ?? []), a.tagId]);
  }
  return out;
}

/** Objects carrying each tag (those the caller may read), in attachment order. */
export async function objectsOf(call: Call, tagIds: string[]): Promise<Map<string, WireDynamicId[]>> {
  const out = new Map<string, WireDynamicId[]>();
  const list = await live(call.deps.store.repos, await call.deps.store.repos.tags.ofTags(tagIds));
  await call.authz.knownVms(list.filter((a) => a.objectType === 'VirtualMachine').map((a) => a.objectId));
  for (const a of list) {
    const o = { type: a.objectType, id: a.objectId };
    if (!(await canRead(call, o))) continue;
    out.set(a.tagId, [...(out.get(a.tagId) ?? []), o]);
  }
  return out;
}

/** Readable tags not on the object that could go on it (associable type and cardinality). */
export async function attachable(call: Call, o: WireDynamicId): Promise<string[]> {
  const repos = call.deps.store.repos;
  const [categories, tags, onIt] = await Promise.all([repos.tags.listCategories(), repos.tags.listTags(), repos.tags.ofObjects(o.type, [o.id])]);
  const byId = new Map(categories.map((c) => [c.id, c]));
  const heldIds = new Set(onIt.map((a) => a.tagId));
  const held = tags.filter((t) => heldIds.has(t.id));
  const out: string[] = [];
  for (const t of await readableTags(call, tags)) {
    const c = byId.get(t.categoryId);
    if (!c || heldIds.has(t.id) || attachProblem(c, t, o.type, held)) continue;
    out.push(t.id);
  }
  return out;
}
