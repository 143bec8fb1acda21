/**
 * OpenAPI 3.0 schemas of the documents -> JSON schemas Ajv compiles: component refs become
 * definitions of one Ajv schema per document, with the wire's closed structures and the error
 * discriminator kept (definitionsOf).
 */
import { componentName, isObj, type Json } from './model.ts';

/** Keys whose values are data, not schemas: copied as they are. */
const LITERAL_KEYS = new Set(['enum', 'default', 'const', 'required']);
/** OpenAPI-only annotations Ajv has no use for. */
const DROPPED_KEYS = new Set(['discriminator', 'example', 'examples', 'description', 'xml', 'externalDocs', 'deprecated', 'readOnly', 'writeOnly']);

export class SchemaConverter {
  readonly formats = new Set<string>();
  constructor(private readonly specId: string) {}

  ref(name: string): string {
    return `${this.specId}#/definitions/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  }

  /** OpenAPI 3.0 schema -> JSON schema for Ajv: component refs into our definitions, `nullable` as a null type. */
  convert(node: unknown): unknown {
    if (Array.isArray(node)) return node.map((n) => this.convert(n));
    if (!isObj(node)) return node;
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) {
      if (DROPPED_KEYS.has(k) || k === 'nullable') continue;
      if (k === '$ref' && typeof v === 'string') {
        const name = componentName(v);
        out.$ref = name ? this.ref(name) : v;
      } else if ((k === 'properties' || k === 'patternProperties') && isObj(v)) {
        out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, this.convert(s)]));
      } else if (LITERAL_KEYS.has(k)) {
        out[k] = v;
      } else {
        if (k === 'format' && typeof v === 'string') this.formats.add(v);
        out[k] = this.convert(v);
      }
    }
    if (node.nullable === true) {
      if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
      if (typeof out.type === 'string') out.type = [out.type, 'null'];
      else return { anyOf: [out, { type: 'null' }] };
    }
    return out;
  }
}

/** Components that another schema extends (allOf next to own properties, or several allOf members): they must stay open. */
function extendedComponents(schemas: Json): Set<string> {
  const extended = new Set<string>();
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!isObj(n)) return;
    if (Array.isArray(n.allOf) && (n.properties !== undefined || n.allOf.length > 1)) {
      for (const m of n.allOf) if (isObj(m) && typeof m.$ref === 'string') extended.add(componentName(m.$ref) ?? '');
    }
    Object.values(n).forEach(walk);
  };
  walk(schemas);
  return extended;
}

/**
 * Component schemas as one Ajv schema of definitions.
 *
 * - Discriminator (OpenAPI 3.0): the vAPI error base carries `discriminator: error_type` with a
 *   mapping to subtypes that are `allOf: [base]`. We keep its meaning without oneOf: a payload
 *   checked against a mapped subtype must carry that subtype's discriminator value (and so a
 *   404 declared as NotFound must say NOT_FOUND); against the base, any mapped value.
 * - vAPI structures are closed on the wire (the runtime rejects members it does not know), so a
 *   component object with `properties` and no `additionalProperties` gets
 *   `additionalProperties: false`, unless another schema extends it through allOf (the error
 *   base, extended by Unauthenticated's `challenge`). This is stricter than OpenAPI's default
 *   and catches members we invent or misspell.
 */
export function definitionsOf(schemas: Json, conv: SchemaConverter): Json {
  const extended = extendedComponents(schemas);
  const defs: Json = {};
  for (const [name, raw] of Object.entries(schemas)) {
    const s = conv.convert(raw) as Json;
    if (isObj(raw) && raw.type === 'object' && isObj(raw.properties) && raw.additionalProperties === undefined && raw.allOf === undefined && !extended.has(name)) {
      s.additionalProperties = false;
    }
    defs[name] = s;
  }
  for (const [name, raw] of Object.entries(schemas)) {
    if (!isObj(raw) || !isObj(raw.discriminator)) continue;
    const prop = String(raw.discriminator.propertyName);
    const mapping = (raw.discriminator.mapping ?? {}) as Record<string, string>;
    const base = defs[name] as Json;
    const props = (base.properties ?? {}) as Json;
    base.properties = { ...props, [prop]: { ...((props[prop] as Json) ?? {}), enum: Object.keys(mapping) } };
    for (const [value, ref] of Object.entries(mapping)) {
      const target = componentName(ref);
      if (!target || target === name || !defs[target]) continue;
      defs[target] = { allOf: [defs[target], { required: [prop], properties: { [prop]: { enum: [value] } } }] };
    }
  }
  return defs;
}
