import { Type } from '@sinclair/typebox';
import type { Tag, TagCategory } from '../../domain/tags.ts';
import { DynamicIdSchema, Id, ListOf, LocalizableMessageSchema, SetOf, StringEnum, Struct } from '../../vapi/wire.ts';

/**
 * Wire shapes of vCenter tagging (vcenter-tagging.yaml: Cis.Tagging.*), named as the vSphere
 * Automation bindings name them, and the domain -> wire mapping.
 */

const NS = 'com.vmware.cis.tagging';

export const Cardinality = StringEnum(`${NS}.category_model.cardinality`, ['SINGLE', 'MULTIPLE'] as const);

export const CategoryModel = Struct(`${NS}.category_model`, {
  id: Id(),
  name: Type.String(),
  description: Type.String(),
  cardinality: Cardinality,
  associable_types: SetOf(Type.String()),
  used_by: SetOf(Type.String()),
});

export const CategoryCreateSpec = Struct(`${NS}.category.create_spec`, {
  name: Type.String(),
  description: Type.String(),
  cardinality: Cardinality,
  associable_types: SetOf(Type.String()),
  category_id: Type.Optional(Id()),
});

export const CategoryUpdateSpec = Struct(`${NS}.category.update_spec`, {
  name: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  cardinality: Type.Optional(Cardinality),
  associable_types: Type.Optional(SetOf(Type.String())),
});

export const TagModel = Struct(`${NS}.tag_model`, {
  id: Id(),
  category_id: Id(),
  name: Type.String(),
  description: Type.String(),
  used_by: SetOf(Type.String()),
});

export const TagCreateSpec = Struct(`${NS}.tag.create_spec`, {
  name: Type.String(),
  description: Type.String(),
  category_id: Id(),
  tag_id: Type.Optional(Id()),
});

export const TagUpdateSpec = Struct(`${NS}.tag.update_spec`, {
  name: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
});

const TA = `${NS}.tag_association`;

export const BatchResult = Struct(`${TA}.batch_result`, {
  success: Type.Boolean(),
  error_messages: ListOf(LocalizableMessageSchema),
});

export const TagToObjects = Struct(`${TA}.tag_to_objects`, { tag_id: Id(), object_ids: ListOf(DynamicIdSchema) });

export const ObjectToTags = Struct(`${TA}.object_to_tags`, { object_id: DynamicIdSchema, tag_ids: ListOf(Id()) });

export const IdList = ListOf(Id());

export type WireDynamicId = { type: string; id: string };

export const categoryToWire = (c: TagCategory) => ({
  id: c.id,
  name: c.name,
  description: c.description,
  cardinality: c.cardinality,
  associable_types: [...c.associableTypes],
  used_by: [...c.usedBy],
});

export const tagToWire = (t: Tag) => ({
  id: t.id,
  category_id: t.categoryId,
  name: t.name,
  description: t.description,
  used_by: [...t.usedBy],
});
