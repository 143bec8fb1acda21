import type { TSchema } from '@sinclair/typebox';

/**
 * What the official Python vAPI runtime (2.52.0) does with a reply, written from its rules and
 * independent of src/vapi/jsonrpc: JsonRpc20Response + validate_response (envelope),
 * JsonRpcDictToVapi (typed JSON -> DataValue), then the bindings' conversion of the DataValue to
 * the operation's declared type, which is strict: every declared field present, optionals
 * wrapped, structure names equal to the declared ones.
 */
export type DV =
  | { t: 'VOID' }
  | { t: 'BOOLEAN' | 'INTEGER' | 'DOUBLE' | 'STRING' | 'SECRET' | 'BLOB'; v: unknown }
  | { t: 'LIST'; items: DV[] }
  | { t: 'OPTIONAL'; v: DV | null }
  | { t: 'STRUCTURE' | 'ERROR'; name: string; fields: Record<string, DV> };

const TAGS: Record<string, 'SECRET' | 'BLOB' | 'ERROR' | 'STRUCTURE' | 'OPTIONAL'> = {
  SECRET: 'SECRET', BINARY: 'BLOB', ERROR: 'ERROR', STRUCTURE: 'STRUCTURE', OPTIONAL: 'OPTIONAL',
};

export function dataValue(json: unknown): DV {
  if (json === null) return { t: 'VOID' };
  if (Array.isArray(json)) return { t: 'LIST', items: json.map(dataValue) };
  if (typeof json === 'boolean') return { t: 'BOOLEAN', v: json };
  if (typeof json === 'string') return { t: 'STRING', v: json };
  if (typeof json === 'number') return { t: Number.isInteger(json) ? 'INTEGER' : 'DOUBLE', v: json };
  const entries = Object.entries(json as object);
  if (entries.length !== 1) throw new Error(`invalid params: typed object with ${entries.length} keys`);
  const [tag, inner] = entries[0];
  const t = TAGS[tag];
  if (!t) throw new Error(`invalid params: unknown tag ${tag}`);
  if (t === 'SECRET') return { t, v: inner };
  if (t === 'BLOB') return { t, v: Buffer.from(inner as string, 'base64') };
  if (t === 'OPTIONAL') return { t, v: inner === null ? null : dataValue(inner) };
  const named = Object.entries(inner as object);
  if (named.length !== 1) throw new Error('invalid params: structure with more than one name');
  const fields: Record<string, DV> = {};
  for (const [k, v] of Object.entries(named[0][1] as object)) own(fields, k, dataValue(v));
  return { t, name: named[0][0], fields };
}

export interface Reply {
  output?: DV;
  error?: DV;
  fault?: { code: number; message: string; data?: unknown };
}

/** The envelope as the runtime's client reads and validates it against its request id. */
export function readReply(text: string, requestId: unknown): Reply {
  const r = JSON.parse(text) as Record<string, unknown>;
  if (r.jsonrpc !== '2.0') throw new Error('incompatible version');
  const hasResult = r.result !== undefined && r.result !== null;
  const hasError = r.error !== undefined && r.error !== null;
  if (hasResult === hasError) throw new Error('a response holds exactly one of result and error');
  if (hasError) {
    const e = r.error as { code: unknown; message: unknown; data?: unknown };
    if (!Number.isInteger(e.code) || typeof e.message !== 'string') throw new Error('error needs an integer code and a message');
    const wanted = e.code === -32700 || e.code === -32600 ? null : requestId;
    if (r.id !== wanted) throw new Error(`id mismatch: ${JSON.stringify(r.id)}, expected ${JSON.stringify(wanted)}`);
    return { fault: e as Reply['fault'] };
  }
  if (r.id !== requestId) throw new Error(`id mismatch: ${JSON.stringify(r.id)}, expected ${JSON.stringify(requestId)}`);
  const result = r.result as Record<string, unknown>;
  const out: Reply = {};
  if ('output' in result) out.output = dataValue(result.output);
  if ('error' in result) out.error = dataValue(result.error);
  if (!out.output && !out.error) throw new Error('method result without output or error');
  return out;
}

const LOCALIZABLE_MESSAGE = 'com.vmware.vapi.std.localizable_message';

/** An own property, `__proto__` included (keys come from the wire). */
function own<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The DataValue converted to the declared type (the bindings' native value), strictly. */
export function toNative(schema: TSchema | undefined, v: DV, path = 'output'): unknown {
  const fail = (why: string): never => {
    throw new Error(`${path}: ${why} (got ${JSON.stringify(v).slice(0, 200)})`);
  };
  if (!schema) return v.t === 'VOID' ? undefined : fail('expected void');
  if (schema.error === true) {
    // The error's wire form (as REST and task `error` carry it): its name is its error_type.
    const { name: _name, challenge, ...rest } = errorToNative(v, path);
    return challenge === null || challenge === undefined ? rest : { ...rest, challenge };
  }
  switch (schema.type) {
    case 'object': {
      if (schema.patternProperties) {
        if (v.t !== 'LIST') return fail('map must be a list');
        const item = Object.values(schema.patternProperties as Record<string, TSchema>)[0];
        const out: Record<string, unknown> = {};
        for (const e of v.items) {
          if (e.t !== 'STRUCTURE' || e.name !== 'map-entry' || e.fields.key?.t !== 'STRING') return fail('map entries are map-entry structures');
          own(out, e.fields.key.v as string, toNative(item, e.fields.value, `${path}.${e.fields.key.v}`));
        }
        return out;
      }
      if (typeof schema.vapi !== 'string') return generic(v);
      if (v.t !== 'STRUCTURE') return fail('expected a STRUCTURE');
      if (v.name !== schema.vapi) return fail(`structure name ${v.name}, declared ${schema.vapi}`);
      const required = new Set<string>(schema.required ?? []);
      const props = Object.entries((schema.properties ?? {}) as Record<string, TSchema>);
      const extra = v.name === LOCALIZABLE_MESSAGE ? ['params', 'localized'] : [];
      // The bindings name fields by their canonical names (guest_OS), which REST lower-cases.
      const wire = (k: string, p: TSchema) => (typeof p.canonical === 'string' ? p.canonical : k);
      const declared = new Set([...props.map(([k, p]) => wire(k, p)), ...extra]);
      for (const k of Object.keys(v.fields)) if (!declared.has(k)) fail(`undeclared field ${k}`);
      for (const k of extra) if (v.fields[k]?.t !== 'OPTIONAL') fail(`field ${k} missing or not OPTIONAL`);
      const out: Record<string, unknown> = {};
      for (const [k, p] of props) {
        const f = v.fields[wire(k, p)];
        if (f === undefined) fail(`field ${wire(k, p)} missing`);
        if (required.has(k)) {
          own(out, k, toNative(p, f, `${path}.${k}`));
        } else {
          if (f.t !== 'OPTIONAL') fail(`optional field ${k} not wrapped`);
          const inner = (f as { v: DV | null }).v;
          if (inner !== null) own(out, k, toNative(p, inner, `${path}.${k}`));
        }
      }
      return out;
    }
    case 'array':
      if (v.t !== 'LIST') return fail('expected a list');
      return v.items.map((x, i) => toNative(schema.items as TSchema, x, `${path}[${i}]`));
    case 'string':
      if (schema.secret) return v.t === 'SECRET' && typeof v.v === 'string' ? v.v : fail('expected a SECRET');
      if (schema.contentEncoding === 'base64') return v.t === 'BLOB' ? (v.v as Buffer).toString('base64') : fail('expected BINARY');
      if (v.t !== 'STRING') return fail('expected a string');
      if (schema.enum && !(schema.enum as string[]).includes(v.v as string)) fail('not a value of the enumeration');
      if (schema.format === 'date-time' && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v.v as string)) fail('not an RFC 3339 date-time');
      return v.v;
    case 'integer':
      return v.t === 'INTEGER' ? v.v : fail('expected an integer');
    case 'number':
      return v.t === 'DOUBLE' || v.t === 'INTEGER' ? v.v : fail('expected a double');
    case 'boolean':
      return v.t === 'BOOLEAN' ? v.v : fail('expected a boolean');
    default:
      return generic(v);
  }
}

export interface NativeError {
  name: string;
  error_type?: string;
  messages: Array<{ id: string; default_message: string; args: string[] }>;
  data?: unknown;
  challenge?: string | null;
}

/** A vAPI standard error as the bindings build their exception from it. */
export function errorToNative(v: DV, path = 'error'): NativeError {
  if (v.t !== 'ERROR' || !v.name.startsWith('com.vmware.vapi.std.errors.')) throw new Error(`${path}: expected a std error, got ${JSON.stringify(v).slice(0, 200)}`);
  const allowed = ['messages', 'data', 'error_type', ...(v.name.endsWith('.unauthenticated') ? ['challenge'] : [])];
  for (const k of Object.keys(v.fields)) if (!allowed.includes(k)) throw new Error(`${path}: undeclared field ${k}`);
  for (const k of allowed) if (v.fields[k] === undefined) throw new Error(`${path}: field ${k} missing`);
  for (const k of allowed.slice(1)) if (v.fields[k].t !== 'OPTIONAL') throw new Error(`${path}: ${k} must be OPTIONAL`);
  const msgs = v.fields.messages;
  if (msgs.t !== 'LIST') throw new Error(`${path}: messages must be a list`);
  const message = { type: 'object', vapi: LOCALIZABLE_MESSAGE, required: ['id', 'default_message', 'args'], properties: { id: { type: 'string' }, default_message: { type: 'string' }, args: { type: 'array', items: { type: 'string' } } } };
  const opt = (k: string) => (v.fields[k] as { v: DV | null }).v;
  const kind = opt('error_type');
  const out: NativeError = {
    name: v.name,
    messages: msgs.items.map((m, i) => toNative(message as unknown as TSchema, m, `${path}.messages[${i}]`) as NativeError['messages'][0]),
  };
  if (kind) out.error_type = (kind as { v: string }).v;
  const data = opt('data');
  if (data) out.data = generic(data);
  if (allowed.includes('challenge')) out.challenge = opt('challenge') ? ((opt('challenge') as { v: string }).v) : null;
  return out;
}

/** An opaque value as plain data. */
export function generic(v: DV): unknown {
  switch (v.t) {
    case 'VOID':
      return undefined;
    case 'LIST':
      return v.items.map(generic);
    case 'OPTIONAL':
      return v.v === null ? undefined : generic(v.v);
    case 'STRUCTURE':
    case 'ERROR':
      return Object.fromEntries(Object.entries(v.fields).map(([k, f]) => [k, generic(f)]).filter(([, x]) => x !== undefined));
    case 'BLOB':
      return (v.v as Buffer).toString('base64');
    default:
      return v.v;
  }
}

/**
 * The structure of a typed JSON value with the data left out: tags, structure names, field
 * names and primitive types. Two replies of the same shape decode through the same paths.
 */
export function shape(json: unknown): unknown {
  if (json === null) return 'null';
  if (Array.isArray(json)) return json.length === 0 ? ['LIST'] : ['LIST', shape(json[0])];
  if (typeof json !== 'object') return typeof json;
  const [tag, inner] = Object.entries(json as object)[0];
  if (tag === 'OPTIONAL') return 'OPTIONAL';
  if (tag === 'SECRET' || tag === 'BINARY') return tag;
  const [name, fields] = Object.entries(inner as object)[0];
  return { [tag]: { [name]: Object.fromEntries(Object.entries(fields as object).map(([k, f]) => [k, shape(f)])) } };
}

/** Same shape, where an empty list matches any list. */
export function sameShape(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length < 2 || b.length < 2 || sameShape(a[1], b[1]);
  if (typeof a === 'object' && a && typeof b === 'object' && b) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameShape((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}
