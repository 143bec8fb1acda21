import { MAX_DEPTH } from '../depth.ts';
import { Fault } from './errors.ts';

/**
 * The vAPI data model as JSON-RPC carries it: the runtime's DataValue. A JSON value maps to
 * one DataValue by its JSON type alone; only the wrapped types ({"STRUCTURE": ...},
 * {"OPTIONAL": ...}, {"SECRET": ...}, {"BINARY": ...}, {"ERROR": ...}) carry a tag.
 */
export type DataValue =
  | { type: 'VOID' }
  | { type: 'BOOLEAN'; value: boolean }
  | { type: 'INTEGER'; value: number }
  | { type: 'DOUBLE'; value: number }
  | { type: 'STRING'; value: string }
  | { type: 'SECRET'; value: string }
  /** Base64 text, as on the wire. */
  | { type: 'BLOB'; value: string }
  | { type: 'LIST'; items: DataValue[] }
  | { type: 'OPTIONAL'; value: DataValue | null }
  | StructValue;

export interface StructValue {
  type: 'STRUCTURE' | 'ERROR';
  name: string;
  /** Insertion order is wire order. */
  fields: Map<string, DataValue>;
}

export const VOID: DataValue = { type: 'VOID' };
export const UNSET: DataValue = { type: 'OPTIONAL', value: null };
export const str = (value: string): DataValue => ({ type: 'STRING', value });
export const opt = (value: DataValue | null): DataValue => ({ type: 'OPTIONAL', value });
export const struct = (name: string, fields: Array<[string, DataValue]>, type: 'STRUCTURE' | 'ERROR' = 'STRUCTURE'): StructValue => ({
  type, name, fields: new Map(fields),
});

const TAGS = new Set(['STRUCTURE', 'ERROR', 'OPTIONAL', 'SECRET', 'BINARY']);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Parses a typed JSON value as the runtime does (JsonRpcDictToVapi): a JSON object must hold
 * exactly one known tag, a structure exactly one name. Anything else is not a typed value at
 * all, and the runtime answers it with -32602 invalid params; so do we.
 */
export function parseDataValue(json: unknown, path = 'input', depth = 0): DataValue {
  if (depth > MAX_DEPTH) throw Fault.invalidParams(`${path}: nested more than ${MAX_DEPTH} levels deep`);
  if (json === null) return VOID;
  if (Array.isArray(json)) return { type: 'LIST', items: json.map((v, i) => parseDataValue(v, `${path}[${i}]`, depth + 1)) };
  switch (typeof json) {
    case 'boolean':
      return { type: 'BOOLEAN', value: json };
    case 'string':
      return { type: 'STRING', value: json };
    case 'number':
      return Number.isInteger(json) ? { type: 'INTEGER', value: json } : { type: 'DOUBLE', value: json };
    case 'object':
      break;
    default:
      throw Fault.invalidParams(`${path}: not a JSON value`);
  }
  const keys = Object.keys(json as object);
  if (keys.length !== 1 || !TAGS.has(keys[0])) {
    throw Fault.invalidParams(`${path}: a JSON object must be a typed value with exactly one of the tags STRUCTURE, ERROR, OPTIONAL, SECRET, BINARY`);
  }
  const tag = keys[0];
  const inner = (json as Record<string, unknown>)[tag];
  switch (tag) {
    case 'OPTIONAL':
      return { type: 'OPTIONAL', value: inner === null ? null : parseDataValue(inner, path, depth + 1) };
    case 'SECRET':
      if (typeof inner !== 'string') throw Fault.invalidParams(`${path}: a SECRET holds a string`);
      return { type: 'SECRET', value: inner };
    case 'BINARY':
      if (typeof inner !== 'string' || !BASE64.test(inner)) throw Fault.invalidParams(`${path}: a BINARY holds base64 text`);
      return { type: 'BLOB', value: inner };
    default: {
      const names = inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? Object.keys(inner) : [];
      const fields = names.length === 1 ? (inner as Record<string, unknown>)[names[0]] : undefined;
      if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
        throw Fault.invalidParams(`${path}: a ${tag} holds one object {"<name>": {<fields>}}`);
      }
      const out = new Map<string, DataValue>();
      for (const [k, v] of Object.entries(fields as object)) out.set(k, parseDataValue(v, `${path}.${k}`, depth + 1));
      return { type: tag as 'STRUCTURE' | 'ERROR', name: names[0], fields: out };
    }
  }
}

/** JSON text of a DataValue, exactly as the runtime writes it (doubles in canonical form). */
export function writeDataValue(v: DataValue): string {
  switch (v.type) {
    case 'VOID':
      return 'null';
    case 'BOOLEAN':
    case 'INTEGER':
    case 'STRING':
      return JSON.stringify(v.value);
    case 'DOUBLE':
      return canonicalDouble(v.value);
    case 'SECRET':
      return `{"SECRET":${JSON.stringify(v.value)}}`;
    case 'BLOB':
      return `{"BINARY":${JSON.stringify(v.value)}}`;
    case 'LIST':
      return `[${v.items.map(writeDataValue).join(',')}]`;
    case 'OPTIONAL':
      return `{"OPTIONAL":${v.value === null ? 'null' : writeDataValue(v.value)}}`;
    default: {
      const fields = [...v.fields].map(([k, f]) => `${JSON.stringify(k)}:${writeDataValue(f)}`).join(',');
      return `{"${v.type}":{${JSON.stringify(v.name)}:{${fields}}}}`;
    }
  }
}

/**
 * XML Schema canonical double, as the runtime writes doubles: one non-zero digit before the
 * point, at least one after, and an exponent ("6.0E1", "1.5E-3", "0.0E0").
 */
export function canonicalDouble(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`a vAPI double must be finite, not ${n}`);
  if (n === 0) return '0.0E0';
  const [mantissa, exponent] = n.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** Sets an own property even when the key is `__proto__`. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
