import type { TSchema } from '@sinclair/typebox';

/**
 * How a wire schema (vapi/wire.ts) maps to vAPI types. Structures carry their canonical name
 * in `vapi`; maps are Type.Record with `vapi_map`; sets are arrays with `set`; secrets and
 * base64 strings are strings with `secret` / `contentEncoding`.
 */
export type WireKind =
  | 'struct' // STRUCTURE named by `vapi`
  | 'error' // any vAPI standard error (ErrorSchema)
  | 'dynamic' // an object without a canonical name: a dynamic structure
  | 'map' // list of map-entry structures
  | 'list' // list or set
  | 'string' // also enums, ids, date-times, URIs
  | 'secret'
  | 'binary'
  | 'integer'
  | 'double'
  | 'boolean'
  | 'opaque'; // any DataValue

export function kindOf(s: TSchema): WireKind {
  if (s.error === true) return 'error';
  switch (s.type) {
    case 'object':
      if (s.patternProperties || s.vapi_map) return 'map';
      return typeof s.vapi === 'string' ? 'struct' : 'dynamic';
    case 'array':
      return 'list';
    case 'string':
      if (s.secret === true) return 'secret';
      return s.contentEncoding === 'base64' ? 'binary' : 'string';
    case 'integer':
      return 'integer';
    case 'number':
      return 'double';
    case 'boolean':
      return 'boolean';
    default:
      return 'opaque';
  }
}

/** A structure's fields: [REST name, schema, optional, name on the JSON-RPC wire]. */
export function properties(s: TSchema): Array<[string, TSchema, boolean, string]> {
  const required = new Set<string>(s.required ?? []);
  return Object.entries((s.properties ?? {}) as Record<string, TSchema>).map(([name, p]) => [name, p, !required.has(name), wireName(name, p)]);
}

/** The field's canonical name (vapi/wire.ts `Canonical`), which JSON-RPC carries. */
export function wireName(name: string, p: TSchema): string {
  return typeof p.canonical === 'string' ? p.canonical : name;
}

export function mapValueSchema(s: TSchema): TSchema {
  return Object.values(s.patternProperties as Record<string, TSchema>)[0];
}

/**
 * Fields vAPI declares on a structure that our wire schemas leave out because we never set
 * them. They are always sent unset ({"OPTIONAL":null}), as the runtime's clients expect every
 * declared field to be present; on input they are accepted and ignored.
 */
export const UNMODELLED_OPTIONALS: Record<string, readonly string[]> = {
  'com.vmware.vapi.std.localizable_message': ['params', 'localized'],
};

/** Structure name of the runtime's map entries. */
export const MAP_ENTRY = 'map-entry';
/** Structure name the runtime gives a structure whose type it does not know. */
export const DYNAMIC_STRUCTURE = 'dynamic-structure';
export const OPERATION_INPUT = 'operation-input';
export const ERROR_PREFIX = 'com.vmware.vapi.std.errors.';
