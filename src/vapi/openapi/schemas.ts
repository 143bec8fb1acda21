/**
 * TypeBox wire schemas -> OpenAPI 3.0 schemas, with one component per named vAPI structure
 * (`com.vmware.snapservice.tasks.info` -> `Snapservice.Tasks.Info`).
 */
import type { TSchema } from '@sinclair/typebox';
import { isDeepStrictEqual } from 'node:util';
import { ERROR_STATUS } from '../../errors.ts';
import { ErrorSchema } from '../wire.ts';

export type Json = Record<string, unknown>;

/** OpenAPI 3.0 Schema Object keywords that pass through as they are. */
const OAS_KEYWORDS = new Set([
  'title', 'multipleOf', 'maximum', 'minimum', 'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems',
  'uniqueItems', 'maxProperties', 'minProperties', 'required', 'enum', 'type', 'description', 'format',
  'default', 'nullable', 'readOnly', 'writeOnly', 'example', 'deprecated',
]);

/** Our TypeBox extension keywords and what they become. */
const EXTENSIONS: Record<string, string | null> = {
  vapi: 'x-vapi-type',
  opaque: 'x-vapi-opaque',
  vapi_map: 'x-vapi-map',
  canonical: 'x-vapi-canonical-name',
  // The release that added a field or enum values after their structure (vapi/release.ts).
  since: 'x-vapi-since',
  enumSince: 'x-vapi-enum-since',
  // `set` is `uniqueItems: true` already; `error` only marks ErrorSchema for the encoders.
  set: null,
  error: null,
  // Secrets are `format: password` (below).
  secret: null,
};

/** Converts vAPI canonical names to the vendor's component/tag spelling. */
export function vapiTypeName(canonical: string): string {
  return canonical
    .replace(/^com\.vmware\./, '')
    .split('.')
    .map((segment) => segment.split('_').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join(''))
    .join('.');
}

/** Turns TypeBox schemas into OpenAPI 3.0 schemas, with one component per named structure. */
export class SchemaRegistry {
  readonly components: Record<string, Json> = {};
  /** Component name per schema object already converted (TypeBox reuses objects). */
  private readonly seen = new Map<object, string>();

  convert(schema: TSchema): Json {
    const named = schema as Json;
    const canonical = typeof named.vapi === 'string' && named.vapi !== 'operation-input' ? named.vapi : undefined;
    if (canonical === undefined) return this.inline(schema);
    if (typeof named.since === 'string') {
      // A named type used by a later field: the type is the same component; the field's release sits beside the $ref.
      const { since, ...type } = named;
      return { allOf: [this.convert(type as TSchema)], 'x-vapi-since': since };
    }
    const known = this.seen.get(schema);
    if (known) return ref(known);
    const body = { ...this.inline(schema), 'x-vapi-type': canonical };
    ENRICH[canonical]?.(body);
    const base = vapiTypeName(canonical);
    let name = base;
    for (let n = 2; this.components[name] && !isDeepStrictEqual(this.components[name], body); n++) name = `${base}_${n}`;
    this.components[name] = body;
    this.seen.set(schema, name);
    return ref(name);
  }

  private inline(schema: TSchema): Json {
    const s = schema as Json;
    const out: Json = {};
    for (const [key, value] of Object.entries(s)) {
      if (OAS_KEYWORDS.has(key)) {
        out[key] = value;
      } else if (key === 'const') {
        out.enum = [value];
      } else if (key === 'properties') {
        out.properties = Object.fromEntries(Object.entries(value as Record<string, TSchema>).map(([k, v]) => [k, this.convert(v)]));
      } else if (key === 'items') {
        out.items = this.convert(value as TSchema);
      } else if (key === 'additionalProperties') {
        out.additionalProperties = typeof value === 'boolean' ? value : this.convert(value as TSchema);
      } else if (key === 'patternProperties') {
        // A vAPI map (Type.Record with string keys): 3.0 has no patternProperties.
        const values = Object.values(value as Record<string, TSchema>);
        if (values.length !== 1) throw new Error('only single-pattern maps are supported');
        out.additionalProperties = this.convert(values[0]);
      } else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf') {
        out[key] = (value as TSchema[]).map((v) => this.convert(v));
      } else if (key === 'not') {
        out.not = this.convert(value as TSchema);
      } else if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') {
        // JSON Schema's numeric form -> 3.0's boolean form.
        if (typeof value === 'number') {
          out[key === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = value;
          out[key] = true;
        } else out[key] = value;
      } else if (key in EXTENSIONS) {
        const x = EXTENSIONS[key];
        if (x && key !== 'vapi') out[x] = value;
      } else if (key === 'examples' && Array.isArray(value) && value.length > 0) {
        out.example = value[0];
      }
      // Anything else (`$id`, `$schema`, TypeBox internals) is dropped.
    }
    if (Array.isArray(out.type)) Object.assign(out, typeArray(out.type as string[]));
    if (s.secret === true) out.format = 'password';
    if (s.opaque === true && out.description === undefined) out.description = 'Any value; its structure depends on the operation.';
    if (s.patternProperties !== undefined) out.type = 'object';
    return out;
  }
}

/** `type: [a, 'null']` -> `type: a, nullable`; several non-null types -> anyOf. */
function typeArray(types: string[]): Json {
  const nonNull = types.filter((t) => t !== 'null');
  const nullable = nonNull.length !== types.length ? { nullable: true } : {};
  if (nonNull.length === 1) return { type: nonNull[0], ...nullable };
  return { type: undefined, anyOf: nonNull.map((t) => ({ type: t })), ...nullable };
}

/** Facts the document states that the wire schemas leave open. */
const ENRICH: Record<string, (component: Json) => void> = {
  // The error kinds this server reports (errors.ts), which error responses name.
  [ErrorSchema.vapi as string]: (c) => {
    (c.properties as Record<string, Json>).error_type = { type: 'string', enum: Object.keys(ERROR_STATUS) };
  },
};

export function ref(name: string): Json {
  return { $ref: `#/components/schemas/${name}` };
}
