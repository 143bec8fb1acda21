import { Type } from '@sinclair/typebox';
import { parseTime } from '../domain/time.ts';
import { DateTime, Id, SetOf } from './wire.ts';

/** vAPI filter rules shared by every list operation. */

/** A filter set that is unset or empty puts no constraint: both become undefined. */
export function constraint<T>(values: readonly T[] | undefined): T[] | undefined {
  return values && values.length > 0 ? [...values] : undefined;
}

/** A validated RFC 3339 filter bound as epoch ms. */
export function timeBound(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseTime(value);
}

/** The members common to the PG-snapshot and VM-snapshot filter specs. */
export function snapshotFilterFields() {
  return {
    expires_after: Type.Optional(DateTime()),
    expires_before: Type.Optional(DateTime()),
    created_after: Type.Optional(DateTime()),
    created_before: Type.Optional(DateTime()),
    snapshots: Type.Optional(SetOf(Id())),
    names: Type.Optional(SetOf(Type.String())),
  };
}

/** Those members as a repository filter. */
export function snapshotFilter(f: { expires_after?: string; expires_before?: string; created_after?: string; created_before?: string; snapshots?: string[]; names?: string[] }) {
  return {
    ids: constraint(f.snapshots),
    names: constraint(f.names),
    createdAfter: timeBound(f.created_after),
    createdBefore: timeBound(f.created_before),
    expiresAfter: timeBound(f.expires_after),
    expiresBefore: timeBound(f.expires_before),
  };
}
