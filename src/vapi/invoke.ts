import type { TSchema } from '@sinclair/typebox';
import type { Deps } from '../context.ts';
import { authenticate, type Credentials } from '../access/authn.ts';
import { Authorizer } from '../access/authz.ts';
import { errors, type VapiError } from '../errors.ts';
import { operationKey, type Call, type Operation } from './operation.ts';
import { dropNulls, validate } from './validate.ts';

/** Input as a protocol decoded it, with protocol-level problems held back until validation. */
export interface RawInput {
  values: Record<string, unknown>;
  /**
   * Problems such as malformed JSON or an unknown query key. They are input errors, so they
   * are reported where input is validated: after authentication and privilege checks.
   */
  problems: VapiError[];
  /** Input fields that came from the query string (validated with coercion). */
  queryFields?: Set<string>;
}

export interface InvokeMeta {
  requestId: string;
  /** The client's IP address, for the login failure budgets. */
  clientAddress: string;
}

/**
 * The one pipeline every operation runs through, whichever protocol carried it:
 * authenticate -> authorize identifiers -> validate input -> handler.
 */
export function invoke(deps: Deps, op: Operation, creds: Credentials, raw: RawInput, meta: InvokeMeta): Promise<{ call: Call; result: unknown }> {
  return deps.inflight.run(() => run(deps, op, creds, raw, meta));
}

async function run(deps: Deps, op: Operation, creds: Credentials, raw: RawInput, meta: InvokeMeta): Promise<{ call: Call; result: unknown }> {
  const principal = await authenticate(deps, creds, op.auth ?? 'any', meta.clientAddress);
  const log = deps.log.child({ reqId: meta.requestId, user: principal.user });
  const call: Call = { deps, operation: op, user: principal.user, sessionHash: principal.sessionHash, authz: new Authorizer(deps, principal.user), log };

  const ids: Record<string, string> = {};
  for (const name of op.ids ?? []) {
    const v = raw.values[name];
    if (typeof v !== 'string') throw errors.invalidArgument(name, v === undefined ? 'is required' : 'must be a string');
    // Such an id names nothing; looked up with U+FFFF (which no id holds either) in place of
    // U+0000, it is NOT_FOUND like any unknown id, on PostgreSQL as on SQLite.
    ids[name] = v.replaceAll(NUL, '\uffff');
  }
  const authorized = op.authorize ? await op.authorize(call, ids) : undefined;

  if (raw.problems.length > 0) throw raw.problems[0];
  const input = validateInput(op, raw);
  const result = await op.handler(call, input as never, authorized);
  if (!op.readOnly) log.info({ audit: true, op: operationKey(op), ...ids }, 'audit');
  return { call, result };
}

/**
 * No text here may hold U+0000: PostgreSQL cannot store it (nor look it up), and no vSphere
 * name or identifier contains it. Refused as input, so that both stores answer alike.
 */
const NUL = '\u0000';
const NUL_PROBLEM = 'must not contain NUL characters';

function nulAt(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes(NUL) ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    const found = nulAt(v, Array.isArray(value) ? `${path}[${k}]` : `${path}.${k}`);
    if (found) return found;
  }
  return undefined;
}

function validateInput(op: Operation, raw: RawInput): Record<string, unknown> {
  const values = dropNulls(raw.values) as Record<string, unknown>;
  for (const [name, v] of Object.entries(values)) {
    const at = nulAt(v, name);
    if (at) throw errors.invalidArgument(at, NUL_PROBLEM);
  }
  const props = op.input.properties as Record<string, TSchema>;
  for (const name of Object.keys(values)) {
    if (!(name in props)) throw errors.invalidArgument(name, 'is not a known parameter');
  }
  for (const [name, schema] of Object.entries(props)) {
    const v = values[name];
    if (v === undefined) {
      if (isRequired(op, name)) throw errors.invalidArgument(name, 'is required');
      continue;
    }
    validate(schema, v, name, raw.queryFields?.has(name) ?? false);
  }
  return values;
}

function isRequired(op: Operation, name: string): boolean {
  return (op.input.required ?? []).includes(name);
}
