import { Type, type TSchema } from '@sinclair/typebox';
import { vapiError, type VapiError } from '../../errors.ts';
import { defineOperation, type Operation } from '../../vapi/operation.ts';
import { Id, Input } from '../../vapi/wire.ts';
import { LATER_OPERATIONS, type LaterOperation } from './table.ts';

/**
 * Vendor operations of releases after 8.0.3 that this server does not serve yet. In a release
 * that has them (`--release`), each is a real route so that a client calling one hears, after
 * authentication (401 first), a vAPI UNSUPPORTED error naming the operation and the release
 * that added it, never a bare 404; in an earlier release they do not exist (404
 * OPERATION_NOT_FOUND, as that release's appliance answers). The table is generated from the
 * vendor's OpenAPI document by scripts/later-operations.ts; the server never reads the document.
 *
 * Operations at one method, path and action (the REST dispatcher picks by `action`) are told
 * apart by another fixed query value (as the reports' `aggregateBy=...` are); those declare
 * their query parameters so the handler can name the one meant. All others answer before their
 * input is looked at.
 */
export function notImplemented(entry: LaterOperation): VapiError {
  const name = entry.operationId.replace('_', '.');
  return vapiError(
    'UNSUPPORTED',
    'operation.not_implemented',
    `${name} (added in vSphere API ${entry.since}) is not implemented by this server.`,
    name,
    entry.since,
  );
}

function dispatchKey(e: LaterOperation): string {
  return `${e.method} ${e.path} ${e.action ?? ''} ${e.task}`;
}

function toOperation(entry: LaterOperation, siblings: LaterOperation[]): Operation {
  const pathParams = [...entry.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  const ids: Record<string, TSchema> = Object.fromEntries(pathParams.map((p) => [p, Id()]));
  const ambiguous = siblings.length > 1;
  const queryNames = [...new Set(siblings.flatMap((s) => [...s.query, ...Object.keys(s.select ?? {})]))];
  const query = Type.Object(Object.fromEntries(queryNames.map((q) => [q, Type.Optional(Type.Unknown())])), { additionalProperties: false });
  return defineOperation({
    service: entry.service,
    name: entry.name,
    since: entry.since,
    readOnly: entry.method === 'GET',
    auth: 'any',
    rest: {
      method: entry.method,
      path: entry.path,
      ...(entry.action !== undefined ? { action: entry.action } : {}),
      ...(entry.task ? { task: true } : {}),
      ...(ambiguous ? { query: ['query'] } : {}),
    },
    input: Input({ ...ids, ...(ambiguous ? { query: Type.Optional(query) } : {}) }),
    ids: pathParams,
    authorize: ambiguous
      ? undefined
      : async () => {
          throw notImplemented(entry);
        },
    handler: async (_call, input) => {
      const given = (input as { query?: Record<string, unknown> }).query ?? {};
      const meant = siblings.find((s) => Object.entries(s.select ?? {}).every(([k, v]) => given[k] === v)) ?? entry;
      throw notImplemented(meant);
    },
  });
}

const groups = new Map<string, LaterOperation[]>();
for (const e of LATER_OPERATIONS) groups.set(dispatchKey(e), [...(groups.get(dispatchKey(e)) ?? []), e]);

export const laterOperations: Operation[] = LATER_OPERATIONS.map((e) => toOperation(e, groups.get(dispatchKey(e)) ?? [e]));

/** True for the placeholder operations above (docs and coverage list them as not served). */
export function isNotImplemented(op: Operation): boolean {
  return laterOperations.includes(op);
}
