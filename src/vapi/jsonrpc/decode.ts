import type { TSchema } from '@sinclair/typebox';
import { errors, type VapiError } from '../../errors.ts';
import { ListOf, LocalizableMessageSchema } from '../wire.ts';
import { ERROR_PREFIX, kindOf, MAP_ENTRY, mapValueSchema, OPERATION_INPUT, properties, UNMODELLED_OPTIONALS, type WireKind } from './schema.ts';
import { setOwn, type DataValue, type StructValue } from './values.ts';

const MESSAGES = ListOf(LocalizableMessageSchema);

const EXPECTED: Record<WireKind, { type: DataValue['type'][]; what: string }> = {
  struct: { type: ['STRUCTURE'], what: 'a structure {"STRUCTURE":{"<name>":{...}}}' },
  error: { type: ['ERROR'], what: 'an error {"ERROR":{"<name>":{...}}}' },
  dynamic: { type: ['STRUCTURE'], what: 'a structure {"STRUCTURE":{"<name>":{...}}}' },
  map: { type: ['LIST'], what: 'a list of map-entry structures' },
  list: { type: ['LIST'], what: 'a list' },
  string: { type: ['STRING'], what: 'a string' },
  secret: { type: ['SECRET'], what: 'a secret {"SECRET":"..."}' },
  binary: { type: ['BLOB'], what: 'binary data {"BINARY":"<base64>"}' },
  integer: { type: ['INTEGER'], what: 'an integer' },
  double: { type: ['INTEGER', 'DOUBLE'], what: 'a number' },
  boolean: { type: ['BOOLEAN'], what: 'a boolean' },
  opaque: { type: [], what: 'any value' },
};

/**
 * Decodes a typed value into the wire value REST would have carried, guided by the schema.
 * A value of the wrong vAPI type is the caller's input error, as in the runtime (which
 * validates input against the operation's definition): it is recorded in `problems` as
 * INVALID_ARGUMENT naming the field, and reported where the pipeline validates input, after
 * authentication and privilege checks. The untyped value is returned in its place.
 */
export function decode(schema: TSchema, v: DataValue, problems: VapiError[], path: string): unknown {
  const kind = kindOf(schema);
  const expected = EXPECTED[kind];
  if (kind !== 'opaque' && !expected.type.includes(v.type)) {
    const why = v.type === 'OPTIONAL' ? 'is not optional: send it without the {"OPTIONAL": ...} wrapper' : `must be ${expected.what}`;
    problems.push(errors.invalidArgument(path, why));
    return decodeDynamic(v) ?? null;
  }
  switch (kind) {
    case 'struct':
      return decodeStruct(schema, v as StructValue, problems, path);
    case 'error':
      return decodeError(v as StructValue, problems, path);
    case 'map': {
      const out: Record<string, unknown> = {};
      const item = mapValueSchema(schema);
      (v as Extract<DataValue, { type: 'LIST' }>).items.forEach((entry, i) => {
        // Like the runtime, any structure name is taken for an entry (it is normally map-entry).
        const key = entry.type === 'STRUCTURE' ? entry.fields.get('key') : undefined;
        const value = entry.type === 'STRUCTURE' ? entry.fields.get('value') : undefined;
        if (key?.type !== 'STRING' || value === undefined) {
          problems.push(errors.invalidArgument(`${path}[${i}]`, `must be a map entry {"STRUCTURE":{"${MAP_ENTRY}":{"key":"...","value":...}}}`));
          return;
        }
        setOwn(out, key.value, decode(item, value, problems, `${path}.${key.value}`));
      });
      return out;
    }
    case 'list':
      return (v as Extract<DataValue, { type: 'LIST' }>).items.map((x, i) => decode(schema.items as TSchema, x, problems, `${path}[${i}]`));
    case 'dynamic':
    case 'opaque':
      return decodeDynamic(v);
    default:
      return (v as { value: unknown }).value;
  }
}

function decodeStruct(schema: TSchema, v: StructValue, problems: VapiError[], path: string): Record<string, unknown> {
  const name = schema.vapi as string;
  // The runtime accepts any name for the operation input; elsewhere the names must agree.
  if (name !== OPERATION_INPUT && v.name !== name) {
    problems.push(errors.invalidArgument(path, `must be the structure '${name}', not '${v.name}'`));
  }
  const out: Record<string, unknown> = {};
  const declared = new Set<string>();
  const at = (field: string) => (name === OPERATION_INPUT ? field : `${path}.${field}`);
  for (const [field, prop, optional, wire] of properties(schema)) {
    declared.add(wire);
    const f = v.fields.get(wire);
    if (f === undefined) continue; // a missing optional is unset; a missing required field is reported by validation
    if (optional) {
      if (f.type !== 'OPTIONAL') problems.push(errors.invalidArgument(at(field), 'is optional: send it as {"OPTIONAL": <value or null>}'));
      const inner = f.type === 'OPTIONAL' ? f.value : f;
      if (inner !== null) setOwn(out, field, decode(prop, inner, problems, at(field)));
    } else {
      setOwn(out, field, decode(prop, f, problems, at(field)));
    }
  }
  for (const field of UNMODELLED_OPTIONALS[name] ?? []) declared.add(field);
  for (const [field, f] of v.fields) {
    if (declared.has(field)) continue;
    // An unset optional we do not know is what a newer client sends for a field it knows and
    // we do not: harmless. Anything else reaches validation, which names it.
    if (f.type === 'OPTIONAL' && f.value === null) continue;
    setOwn(out, field, decodeDynamic(f));
  }
  return out;
}

function decodeError(v: StructValue, problems: VapiError[], path: string): Record<string, unknown> {
  const field = (n: string) => {
    const f = v.fields.get(n);
    return f?.type === 'OPTIONAL' ? (f.value ?? undefined) : f;
  };
  const kind = field('error_type');
  const out: Record<string, unknown> = {
    error_type: kind?.type === 'STRING' ? kind.value : v.name.startsWith(ERROR_PREFIX) ? v.name.slice(ERROR_PREFIX.length).toUpperCase() : v.name,
    messages: decode(MESSAGES, field('messages') ?? { type: 'LIST', items: [] }, problems, `${path}.messages`),
  };
  const data = field('data');
  if (data) out.data = decodeDynamic(data);
  const challenge = field('challenge');
  if (challenge?.type === 'STRING') out.challenge = challenge.value;
  return out;
}

/** The plain value of a DataValue of no declared type; unset optionals become absent. */
export function decodeDynamic(v: DataValue): unknown {
  switch (v.type) {
    case 'VOID':
      return undefined;
    case 'LIST':
      return v.items.map(decodeDynamic);
    case 'OPTIONAL':
      return v.value === null ? undefined : decodeDynamic(v.value);
    case 'STRUCTURE':
    case 'ERROR': {
      const out: Record<string, unknown> = {};
      for (const [k, f] of v.fields) {
        const x = decodeDynamic(f);
        if (x !== undefined) setOwn(out, k, x);
      }
      return out;
    }
    default:
      return v.value;
  }
}
