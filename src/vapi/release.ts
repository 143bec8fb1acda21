import type { TObject, TSchema } from '@sinclair/typebox';
import type { Config } from '../config/config.ts';
import type { Operation } from './operation.ts';

/**
 * vSphere API releases. The server serves one (`--release`): the operations, structure fields
 * and enum values of that release, and none added later. Operations say which release added
 * them (`since`); fields and enum values say it where they were added after their structure
 * (`Since(...)` and `StringEnum(..., { since })` in wire.ts).
 */
/** An API release as the vendor writes it: `9.1.0.0`. */
export type ApiRelease = string;
/** A release as `--release` names it. */
export type ReleaseName = Config['release'];

export const RELEASES: Record<ReleaseName, ApiRelease> = { '8.0.3': '8.0.3.0', '9.0': '9.0.0.0', '9.1': '9.1.0.0' };

export function apiRelease(name: ReleaseName): ApiRelease {
  return RELEASES[name];
}

/** Release strings compare component by component ("8.0.3.0" < "9.0.0.0"; "6.5" < both). */
export function compareRelease(a: ApiRelease, b: ApiRelease): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Whether something added in `since` exists in `release`; the simulation plane ('sim') always does. */
export function inRelease(since: string | undefined, release: ApiRelease): boolean {
  return since === undefined || since === 'sim' || compareRelease(since, release) <= 0;
}

const derived = new WeakMap<TSchema, Map<ApiRelease, TSchema>>();
/** Derived schemas that left out a field somewhere inside: values of them need trimming. */
const narrowed = new WeakSet<TSchema>();

/**
 * The schema as `release` has it: properties and enum values added later are left out (and
 * from `required`). Derived once per schema and release, and the same object when the release
 * changes nothing, so that shared structures stay shared (validators, OpenAPI components).
 */
export function schemaFor<T extends TSchema>(schema: T, release: ApiRelease): T {
  let byRelease = derived.get(schema);
  if (!byRelease) derived.set(schema, (byRelease = new Map()));
  let out = byRelease.get(release);
  if (!out) {
    out = derive(schema, release);
    byRelease.set(release, out);
  }
  return out as T;
}

function derive(schema: TSchema, release: ApiRelease): TSchema {
  const patch: Record<string, unknown> = {};
  let drops = false;
  if (schema.properties) {
    const props: Record<string, TSchema> = {};
    let changed = false;
    for (const [name, p] of Object.entries(schema.properties as Record<string, TSchema>)) {
      if (!inRelease(p.since as string | undefined, release)) {
        changed = drops = true;
        continue;
      }
      props[name] = schemaFor(p, release);
      changed ||= props[name] !== p;
      drops ||= narrowed.has(props[name]);
    }
    if (changed) {
      patch.properties = props;
      if (schema.required) patch.required = (schema.required as string[]).filter((r) => r in props);
    }
  }
  if (schema.enum && schema.enumSince) {
    const since = schema.enumSince as Record<string, string>;
    const values = (schema.enum as string[]).filter((v) => inRelease(since[v], release));
    if (values.length !== schema.enum.length) {
      patch.enum = values;
      patch.enumSince = Object.fromEntries(Object.entries(since).filter(([v]) => values.includes(v)));
    }
  }
  for (const key of ['items', 'additionalProperties', 'not'] as const) {
    const sub = schema[key] as TSchema | boolean | undefined;
    if (typeof sub === 'object' && sub !== null) {
      const d = schemaFor(sub, release);
      if (d !== sub) patch[key] = d;
      drops ||= narrowed.has(d);
    }
  }
  for (const key of ['patternProperties'] as const) {
    const subs = schema[key] as Record<string, TSchema> | undefined;
    if (!subs) continue;
    const d = Object.fromEntries(Object.entries(subs).map(([k, s]) => [k, schemaFor(s, release)]));
    if (Object.entries(d).some(([k, s]) => s !== subs[k])) patch[key] = d;
    drops ||= Object.values(d).some((s) => narrowed.has(s));
  }
  for (const key of ['anyOf', 'allOf', 'oneOf'] as const) {
    const subs = schema[key] as TSchema[] | undefined;
    if (!subs) continue;
    const d = subs.map((s) => schemaFor(s, release));
    if (d.some((s, i) => s !== subs[i])) patch[key] = d;
    drops ||= d.some((s) => narrowed.has(s));
  }
  if (Object.keys(patch).length === 0) return schema;
  // A spread keeps TypeBox's symbol keys (Optional, Kind), so a derived schema is a schema.
  const out: TSchema = { ...schema, ...patch };
  if (drops) narrowed.add(out);
  return out;
}

/**
 * The operations of `release`, as that release defines them: later operations left out, input
 * and output schemas derived for the release, and results trimmed to the release's output
 * schema (fields added later are never sent). An operation the release leaves unchanged is
 * returned as it is.
 */
export function operationsFor(operations: readonly Operation[], release: ApiRelease): Operation[] {
  return operations.filter((op) => inRelease(op.since, release)).map((op) => operationFor(op, release));
}

function operationFor(op: Operation, release: ApiRelease): Operation {
  const input = schemaFor(op.input, release) as TObject;
  const output = op.output && schemaFor(op.output, release);
  const taskResult = op.taskResult && schemaFor(op.taskResult, release);
  // A query parameter added after its operation (a 9.1 `filter` of a 9.0 list) goes with its field.
  const query = op.rest.query?.filter((f) => f in (input.properties as object));
  const rest = query && query.length !== op.rest.query?.length ? { ...op.rest, query: query.length > 0 ? query : undefined } : op.rest;
  if (input === op.input && output === op.output && taskResult === op.taskResult && rest === op.rest) return op;
  // Trimming removes fields: a result whose schema the release only narrowed an enum of has
  // nothing to trim.
  const trimmed = output !== undefined && narrowed.has(output) ? output : undefined;
  return {
    ...op,
    rest,
    input,
    output,
    taskResult,
    handler: trimmed ? async (call, value, authorized) => trimTo(trimmed, await op.handler(call, value, authorized)) : op.handler,
  };
}

/** `value` without the members `schema` does not declare, at any depth. */
export function trimTo(schema: TSchema, value: unknown): unknown {
  if (Array.isArray(value)) return schema.items ? value.map((v) => trimTo(schema.items as TSchema, v)) : value;
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  if (schema.properties) {
    const props = schema.properties as Record<string, TSchema>;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(record)) if (k in props) out[k] = trimTo(props[k], v);
    return out;
  }
  const values = schema.patternProperties ? Object.values(schema.patternProperties as Record<string, TSchema>)[0] : undefined;
  if (values) return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, trimTo(values, v)]));
  return value;
}
