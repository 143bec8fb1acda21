import type { TSchema } from '@sinclair/typebox';
import { LocalizableMessageSchema, ListOf } from '../wire.ts';
import type { VapiErrorBody } from '../../errors.ts';
import { DYNAMIC_STRUCTURE, ERROR_PREFIX, kindOf, MAP_ENTRY, mapValueSchema, properties, UNMODELLED_OPTIONALS } from './schema.ts';
import { opt, str, struct, UNSET, VOID, type DataValue } from './values.ts';

/** Resolves what an opaque task `result` holds, from the task's service and operation. */
export type TaskResultLookup = (service: string, operation: string) => TSchema | undefined;

export interface EncodeOptions {
  taskResult?: TaskResultLookup;
}

/** A handler returned something its own output schema does not allow: our bug. */
export class EncodeError extends Error {}

const MESSAGES = ListOf(LocalizableMessageSchema);

/**
 * Encodes a wire value (what handlers return and REST sends) as the typed value its schema
 * says: every declared structure field present, optionals wrapped, maps as map-entry lists.
 */
export function encode(schema: TSchema, value: unknown, opts: EncodeOptions = {}, path = 'output'): DataValue {
  const fail = (why: string): never => {
    throw new EncodeError(`${path}: ${why}`);
  };
  switch (kindOf(schema)) {
    case 'struct': {
      if (!isObject(value)) return fail('expected an object');
      const fields: Array<[string, DataValue]> = [];
      for (const [name, prop, optional, wire] of properties(schema)) {
        const v = value[name];
        const effective = name === 'result' && kindOf(prop) === 'opaque' ? (resultSchema(value, opts) ?? prop) : prop;
        if (optional) fields.push([wire, v === undefined || v === null ? UNSET : opt(encode(effective, v, opts, `${path}.${name}`))]);
        else if (v === undefined || v === null) fail(`required field '${name}' is missing`);
        else fields.push([wire, encode(effective, v, opts, `${path}.${name}`)]);
      }
      for (const name of UNMODELLED_OPTIONALS[schema.vapi as string] ?? []) if (!(name in (schema.properties ?? {}))) fields.push([name, UNSET]);
      return struct(schema.vapi as string, fields);
    }
    case 'error':
      if (!isObject(value) || typeof value.error_type !== 'string') return fail('expected a vAPI error');
      return encodeError(value as unknown as VapiErrorBody, opts);
    case 'map': {
      if (!isObject(value)) return fail('expected an object (map)');
      const item = mapValueSchema(schema);
      return {
        type: 'LIST',
        items: Object.entries(value).map(([k, v]) => struct(MAP_ENTRY, [['key', str(k)], ['value', encode(item, v, opts, `${path}.${k}`)]])),
      };
    }
    case 'list':
      if (!Array.isArray(value)) return fail('expected an array');
      return { type: 'LIST', items: value.map((v, i) => encode(schema.items as TSchema, v, opts, `${path}[${i}]`)) };
    case 'string':
      return typeof value === 'string' ? str(value) : fail('expected a string');
    case 'secret':
      return typeof value === 'string' ? { type: 'SECRET', value } : fail('expected a string (secret)');
    case 'binary':
      return typeof value === 'string' ? { type: 'BLOB', value } : fail('expected base64 text');
    case 'integer':
      return Number.isSafeInteger(value) ? { type: 'INTEGER', value: value as number } : fail('expected an integer');
    case 'double':
      return typeof value === 'number' && Number.isFinite(value) ? { type: 'DOUBLE', value } : fail('expected a finite number');
    case 'boolean':
      return typeof value === 'boolean' ? { type: 'BOOLEAN', value } : fail('expected a boolean');
    default:
      return encodeDynamic(value);
  }
}

/**
 * A vAPI standard error: ERROR named after its kind, with `messages`, `data` and `error_type`
 * (and `challenge`, which only UNAUTHENTICATED declares).
 */
export function encodeError(body: VapiErrorBody, opts: EncodeOptions = {}): DataValue {
  const fields: Array<[string, DataValue]> = [
    ['messages', encode(MESSAGES, body.messages, opts, 'error.messages')],
    ['data', body.data === undefined || body.data === null ? UNSET : opt(encodeDynamic(body.data))],
    ['error_type', opt(str(body.error_type))],
  ];
  if (body.error_type === 'UNAUTHENTICATED') fields.push(['challenge', body.challenge === undefined ? UNSET : opt(str(body.challenge))]);
  return struct(`${ERROR_PREFIX}${body.error_type.toLowerCase()}`, fields, 'ERROR');
}

/** A value of no declared type, as the runtime builds one from plain data. */
export function encodeDynamic(value: unknown): DataValue {
  if (value === undefined) return VOID;
  if (value === null) return UNSET;
  if (typeof value === 'string') return str(value);
  if (typeof value === 'boolean') return { type: 'BOOLEAN', value };
  if (typeof value === 'number') return Number.isInteger(value) ? { type: 'INTEGER', value } : { type: 'DOUBLE', value };
  if (Array.isArray(value)) return { type: 'LIST', items: value.map(encodeDynamic) };
  if (isObject(value)) {
    const fields = Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]): [string, DataValue] => [k, encodeDynamic(v)]);
    return struct(DYNAMIC_STRUCTURE, fields);
  }
  throw new EncodeError(`cannot encode a ${typeof value}`);
}

/** A task Info's opaque `result`: typed by the `$task` operation that started the task. */
function resultSchema(info: Record<string, unknown>, opts: EncodeOptions): TSchema | undefined {
  if (!opts.taskResult || typeof info.service !== 'string' || typeof info.operation !== 'string') return undefined;
  return opts.taskResult(info.service, info.operation);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
