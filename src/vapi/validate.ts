import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
import { errors, VapiError } from '../errors.ts';

const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

// Input is never coerced or trimmed: a wrong type is the client's mistake to hear about.
const strict = addFormats(new Ajv({ allErrors: false, strict: false, coerceTypes: false, removeAdditional: false, useDefaults: false }));
// Query strings carry only text; booleans, integers and repeated keys are coerced to the
// schema's types, and anything that still does not fit is reported.
const query = addFormats(new Ajv({ allErrors: false, strict: false, coerceTypes: 'array', removeAdditional: false, useDefaults: false }));

const cache = new WeakMap<TSchema, ValidateFunction>();
const queryCache = new WeakMap<TSchema, ValidateFunction>();

function compiled(schema: TSchema, fromQuery: boolean): ValidateFunction {
  const c = fromQuery ? queryCache : cache;
  let fn = c.get(schema);
  if (!fn) {
    fn = (fromQuery ? query : strict).compile(schema);
    c.set(schema, fn);
  }
  return fn;
}

/** Validates (and for query input, coerces in place); throws INVALID_ARGUMENT naming the field. */
export function validate(schema: TSchema, value: unknown, root: string, fromQuery = false): void {
  const fn = compiled(schema, fromQuery);
  if (fn(value)) return;
  throw toVapiError(fn.errors?.[0], root);
}

function toVapiError(e: ErrorObject | undefined, root: string): VapiError {
  if (!e) return errors.invalidArgument(root, 'is not valid');
  const at = [root, ...e.instancePath.split('/').slice(1).map(decodePointer)].filter(Boolean);
  switch (e.keyword) {
    case 'required':
      return errors.invalidArgument(join([...at, String(e.params.missingProperty)]), 'is required');
    case 'additionalProperties':
      return errors.invalidArgument(join([...at, String(e.params.additionalProperty)]), 'is not a known field');
    case 'type':
      return errors.invalidArgument(join(at), `must be ${article(String(e.params.type))}`);
    case 'enum':
      return errors.invalidArgument(join(at), `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`);
    case 'format':
      return errors.invalidArgument(join(at), e.params.format === 'date-time' ? 'must be an RFC 3339 date-time' : `must be a valid ${e.params.format}`);
    case 'uniqueItems':
      return errors.invalidArgument(join(at), 'must not contain duplicates');
    default:
      return errors.invalidArgument(join(at), e.message ?? 'is not valid');
  }
}

function join(parts: string[]): string {
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function decodePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

function article(type: string): string {
  if (type === 'integer') return 'an integer';
  if (type === 'object') return 'an object';
  if (type === 'array') return 'an array';
  return `a ${type}`;
}

/** vAPI treats an explicit null like an absent optional: drop them before validating. */
export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const k in value) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== null) out[k] = dropNulls(v);
    }
    return out;
  }
  return value;
}
