import { CloneType, OptionalKind, Type, type TProperties, type TSchema } from '@sinclair/typebox';
import type { LocalizableMessage } from '../errors.ts';
import type { Message } from '../domain/model.ts';

/**
 * Building blocks of wire schemas. Every structure carries its vAPI canonical name (`vapi`),
 * which the JSON-RPC encoder needs, and rejects unknown members.
 */
export function Struct<P extends TProperties>(vapi: string, props: P, description?: string) {
  return Type.Object(props, { additionalProperties: false, vapi, ...(description ? { description } : {}) });
}

/**
 * A field whose name in the interface definition (the canonical name that the SDK bindings and
 * JSON-RPC use) is not its REST name. REST names are the canonical ones in lower case, so they
 * differ only where the canonical name has capitals: `guest_OS`, `size_MiB`. Only the JSON-RPC
 * encoder and decoder read it; everything else (REST, handlers, validation) sees the REST name.
 */
export function Canonical<T extends TSchema>(name: string, schema: T): T {
  return CloneType(schema, { canonical: name }) as T;
}

/** Operation input: the named parameters of one call. */
export function Input<P extends TProperties>(props: P) {
  return Type.Object(props, { additionalProperties: false, vapi: 'operation-input' });
}

export const Id = (description?: string) => Type.String({ ...(description ? { description } : {}) });
export const DateTime = () => Type.String({ format: 'date-time' });
export const Long = () => Type.Integer();
/**
 * A vAPI enumeration. Values added after the enumeration itself name their release in
 * `since` (e.g. `{ STAGED: '9.1.0.0' }`): earlier releases neither accept nor list them.
 */
export const StringEnum = <T extends string>(vapi: string, values: readonly T[], opts: { since?: Partial<Record<T, string>> } = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], vapi, ...(opts.since ? { enumSince: opts.since } : {}) });

/**
 * A structure field added in a later release than its structure (the vendor's "This property
 * was added in vSphere API X"): releases before `release` neither accept nor send it. Such a
 * field is optional, as the vendor's are ("optional because it was added in a newer version").
 */
export function Since<T extends TSchema>(release: string, schema: T): T {
  if (!(OptionalKind in schema)) throw new Error(`a field added in ${release} must be optional`);
  return { ...schema, since: release };
}
export const SetOf = <T extends TSchema>(item: T) => Type.Array(item, { uniqueItems: true, set: true });
export const ListOf = <T extends TSchema>(item: T) => Type.Array(item);
export const Secret = () => Type.String({ secret: true });

export const LocalizableMessageSchema = Struct('com.vmware.vapi.std.localizable_message', {
  id: Type.String(),
  default_message: Type.String(),
  args: ListOf(Type.String()),
});

export const DynamicIdSchema = Struct('com.vmware.vapi.std.dynamic_ID', {
  type: Type.String(),
  id: Type.String(),
});

/** Any vAPI standard error in its wire form (task `error`). */
export const ErrorSchema = Type.Object(
  {
    error_type: Type.String(),
    messages: ListOf(LocalizableMessageSchema),
    data: Type.Optional(Type.Object({})),
    challenge: Type.Optional(Type.String()),
  },
  { vapi: 'com.vmware.vapi.std.errors.error', error: true },
);

export function toWireMessage(m: Message): LocalizableMessage {
  return { id: m.id, default_message: m.defaultMessage, args: m.args };
}

const DAY_MS = 86_400_000;
/** 9999-12-31T23:59:59.999Z: beyond it toISOString writes six-digit years. */
const LAST_MS = 253_402_300_799_999;
/** 'YYYY-MM-DDT' by day number: a response's times fall on a few days. */
const days = new Map<number, string>();

/**
 * RFC 3339 with milliseconds in UTC, exactly as Date.toISOString writes it. A Date per time
 * showed as 7% of a task GET's CPU in the profile; the time of day is arithmetic, and only the
 * date part (looked up per day) still needs one.
 */
export function formatTime(epochMs: number): string {
  if (!Number.isInteger(epochMs) || epochMs < 0 || epochMs > LAST_MS) return new Date(epochMs).toISOString();
  const day = Math.floor(epochMs / DAY_MS);
  let date = days.get(day);
  if (date === undefined) {
    if (days.size >= 1024) days.clear();
    date = new Date(day * DAY_MS).toISOString().slice(0, 11);
    days.set(day, date);
  }
  const t = epochMs - day * DAY_MS;
  const ms = t % 1000;
  const sec = Math.floor(t / 1000);
  return `${date}${two(Math.floor(sec / 3600))}:${two(Math.floor(sec / 60) % 60)}:${two(sec % 60)}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/** Copies only defined values: unset optionals are omitted on the wire, never null. */
export function compact<T extends Record<string, unknown>>(o: T): T {
  // A copy rather than `delete`: an object that lost properties drops to V8's slow dictionary
  // mode, and every response body passes through here before JSON.stringify.
  const out: Record<string, unknown> = {};
  for (const k in o) {
    const v = o[k];
    if (v !== undefined && v !== null) out[k] = v;
  }
  return out as T;
}
