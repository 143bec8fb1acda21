import { createHash, randomUUID } from 'node:crypto';

/**
 * vCenter tagging: categories group tags; a tag is attached to inventory objects. Ids are
 * vCenter's URNs, and the rules here (cardinality, associable types, tag rules) are pure.
 */

export type Cardinality = 'SINGLE' | 'MULTIPLE';

export interface TagCategory {
  id: string;
  name: string;
  description: string;
  cardinality: Cardinality;
  /** Empty: tags of the category attach to any type. */
  associableTypes: string[];
  usedBy: string[];
  createdAt: number;
}

export interface Tag {
  id: string;
  categoryId: string;
  name: string;
  description: string;
  usedBy: string[];
  createdAt: number;
}

/** One tag on one inventory object (a vAPI DynamicID). */
export interface TagAttachment {
  tagId: string;
  objectType: string;
  objectId: string;
  createdAt: number;
}

export type LogicalOperator = 'AND' | 'OR';

export interface TagRule {
  tags: string[];
  operator: LogicalOperator;
}

const CATEGORY_PREFIX = 'urn:vmomi:InventoryServiceCategory:';
const TAG_PREFIX = 'urn:vmomi:InventoryServiceTag:';
const SUFFIX = ':GLOBAL';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const categoryUrn = (uuid: string = randomUUID()): string => `${CATEGORY_PREFIX}${uuid}${SUFFIX}`;
export const tagUrn = (uuid: string = randomUUID()): string => `${TAG_PREFIX}${uuid}${SUFFIX}`;

/** A client may choose the id (vSphere 6.7+): the URN form, its middle part free of ':'. */
function isUrn(id: string, prefix: string): boolean {
  if (!id.startsWith(prefix) || !id.endsWith(SUFFIX)) return false;
  const middle = id.slice(prefix.length, id.length - SUFFIX.length);
  return middle.length > 0 && middle.length <= 128 && /^[A-Za-z0-9._-]+$/.test(middle);
}
export const isCategoryUrn = (id: string): boolean => isUrn(id, CATEGORY_PREFIX);
export const isTagUrn = (id: string): boolean => isUrn(id, TAG_PREFIX);
/** Whether an id has the form of a generated one (a UUID inside). */
export const isGeneratedUrn = (id: string): boolean => UUID.test(id.split(':')[2] ?? '');

export const MAX_TAG_NAME = 256;
export const MAX_TAG_DESCRIPTION = 1024;

/** Names and descriptions of categories and tags. */
export function textProblem(field: string, value: string, kind: 'name' | 'description'): { field: string; why: string } | undefined {
  if (kind === 'name' && value.trim().length === 0) return { field, why: 'must not be empty' };
  const max = kind === 'name' ? MAX_TAG_NAME : MAX_TAG_DESCRIPTION;
  if (value.length > max) return { field, why: `must be at most ${max} characters` };
  return undefined;
}

/** Seeds name their tags: the same name gives the same URN on every start. */
export function seededUuid(kind: string, name: string): string {
  const h = createHash('sha1').update(`snapservice/${kind}/${name}`).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Inventory types a tag can be attached to here, as vCenter names them in DynamicIDs. */
export const TAGGABLE_TYPES = ['VirtualMachine', 'ClusterComputeResource', 'HostSystem', 'Datacenter', 'Folder', 'ResourcePool'] as const;

/** Why `tag` cannot go on the object, given the tags the object already has; undefined if it can. */
export function attachProblem(
  category: TagCategory,
  tag: Tag,
  objectType: string,
  attached: ReadonlyArray<Pick<Tag, 'id' | 'categoryId'>>,
): string | undefined {
  if (category.associableTypes.length > 0 && !category.associableTypes.includes(objectType)) {
    return `tags of category ${category.name} cannot be attached to objects of type ${objectType}`;
  }
  if (category.cardinality === 'SINGLE') {
    const other = attached.find((t) => t.categoryId === category.id && t.id !== tag.id);
    if (other) return `category ${category.name} allows one tag per object, and ${other.id} is attached already`;
  }
  return undefined;
}

/**
 * Cardinality may go from SINGLE to MULTIPLE freely; back to SINGLE only while no object holds
 * two tags of the category. Associable types only grow, and an empty set (any type) stays empty.
 */
export function categoryChangeProblem(
  now: TagCategory,
  change: { cardinality?: Cardinality; associableTypes?: string[] },
  tagsPerObject: ReadonlyMap<string, number>,
): { field: string; why: string } | undefined {
  if (change.associableTypes) {
    const next = new Set(change.associableTypes);
    if (now.associableTypes.length === 0 && next.size > 0) {
      return { field: 'update_spec.associable_types', why: 'the category already applies to every type; associable types can only grow' };
    }
    const lost = now.associableTypes.find((t) => !next.has(t));
    if (lost !== undefined && next.size > 0) return { field: 'update_spec.associable_types', why: `associable types can only grow: ${lost} cannot be removed` };
  }
  if (change.cardinality === 'SINGLE' && now.cardinality === 'MULTIPLE') {
    for (const [object, n] of tagsPerObject) {
      if (n > 1) return { field: 'update_spec.cardinality', why: `object ${object} holds ${n} tags of this category` };
    }
  }
  return undefined;
}

/** Whether a VM with these tags matches the rule. */
export function ruleMatches(rule: TagRule, vmTags: ReadonlySet<string>): boolean {
  if (rule.tags.length === 0) return false;
  return rule.operator === 'AND' ? rule.tags.every((t) => vmTags.has(t)) : rule.tags.some((t) => vmTags.has(t));
}
