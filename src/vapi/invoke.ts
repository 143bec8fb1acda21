import type { TSchema } from '@sinclair/typebox';
import type { Deps } from '../context.ts';
import { authenticate, type Credentials } from '../access/authn.ts';
import { Authorizer } from '../access/authz.ts';
import { errors, type VapiError } from '../errors.ts';
import type { CallPoint } from '../faults/rules.ts';
import type { JournalEntry } from '../journal/journal.ts';
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
  /** The journal entry of this call, filled in as the call goes. */
  journal?: JournalEntry;
}

/**
 * The one pipeline every operation runs through, whichever protocol carried it:
 * authenticate -> authorize identifiers -> validate input -> handler.
 */
export function invoke(deps: Deps, op: Operation, creds: Credentials, raw: RawInput, meta: InvokeMeta): Promise<{ call: Call; result: unknown }> {
  return deps.inflight.track(run(deps, op, creds, raw, meta));
}

async function run(deps: Deps, op: Operation, creds: Credentials, raw: RawInput, meta: InvokeMeta): Promise<{ call: Call; result: unknown }> {
  const entry = meta.journal;
  // A refused login is journalled under the name it claimed.
  if (entry && creds.basic) entry.user = creds.basic.user;
  const principal = await authenticate(deps, creds, op.auth ?? 'any', meta.clientAddress);
  if (entry) entry.user = principal.user;
  const call = new RequestCall(deps, op, principal.user, principal.sessionHash, meta.requestId);

  const ids: Record<string, string> = {};
  for (const name of op.ids ?? []) {
    const v = raw.values[name];
    if (typeof v !== 'string') throw errors.invalidArgument(name, v === undefined ? 'is required' : 'must be a string');
    // Such an id names nothing; looked up with U+FFFF (which no id holds either) in place of
    // U+0000, it is NOT_FOUND like any unknown id, on PostgreSQL as on SQLite.
    ids[name] = v.includes(NUL) ? v.replaceAll(NUL, '\uffff') : v;
  }
  if (entry) entry.ids = ids;
  // Without rules (the usual case) not even a promise to await.
  if (!deps.faults.empty && !op.control) await injectFaults(call, ids);
  const authorized = op.authorize ? await op.authorize(call, ids) : undefined;

  if (raw.problems.length > 0) throw raw.problems[0];
  const input = validateInput(op, raw);
  const result = await op.handler(call, input as never, authorized);
  if (!op.readOnly && deps.log.isLevelEnabled('info')) call.log.info({ audit: true, op: operationKey(op), ...ids }, 'audit');
  return { call, result };
}

/**
 * A call's logger and authorizer are made when first used: a child logger serializes its
 * bindings, and an authorizer sets up its caches, on every request that may need neither
 * (the default level logs no request; a caller reading its own task checks no privilege).
 * Getters on a class rather than on an object literal, which made their closures per call.
 */
class RequestCall implements Call {
  plannedFailure?: Call['plannedFailure'];
  private madeLog: Call['log'] | undefined;
  private madeAuthz: Authorizer | undefined;

  constructor(
    readonly deps: Deps,
    readonly operation: Operation,
    readonly user: string,
    readonly sessionHash: string | undefined,
    private readonly requestId: string,
  ) {}

  get log(): Call['log'] {
    return (this.madeLog ??= this.deps.log.child({ reqId: this.requestId, user: this.user }));
  }

  get authz(): Authorizer {
    return (this.madeAuthz ??= new Authorizer(this.deps, this.user));
  }
}

/**
 * The simulation plane's fault rules, for authenticated callers only (a rule may name its
 * user, so nobody else ever sees it): an injected delay on the service clock, an injected
 * error thrown as any other, or a task failure that admission hands to the task.
 */
async function injectFaults(call: Call, ids: Record<string, string>): Promise<void> {
  const { faults, clock } = call.deps;
  if (faults.empty || call.operation.control) return;
  const decided = faults.onCall(callPoint(call.operation, call.user, ids));
  if (decided.delayMs > 0) {
    faults.delayStarted();
    await clock.sleep(decided.delayMs);
  }
  if (decided.error) throw decided.error;
  if (decided.task) call.plannedFailure = decided.task;
}

export function callPoint(op: Operation, user: string | undefined, ids: Record<string, string>): CallPoint {
  return {
    service: op.service, operation: op.name, method: op.rest.method, path: op.rest.path, action: op.rest.action,
    task: op.name.endsWith('$task'), user, objects: Object.values(ids),
  };
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
  const array = Array.isArray(value);
  for (const k in value) {
    const found = nulAt((value as Record<string, unknown>)[k], array ? `${path}[${k}]` : `${path}.${k}`);
    if (found) return found;
  }
  return undefined;
}

/** An operation's input schema as validation walks it, worked out once per operation. */
interface InputPlan {
  props: Record<string, TSchema>;
  fields: ReadonlyArray<readonly [string, TSchema]>;
  required: ReadonlySet<string>;
}

const inputPlans = new WeakMap<Operation, InputPlan>();

function inputPlan(op: Operation): InputPlan {
  let plan = inputPlans.get(op);
  if (!plan) {
    const props = op.input.properties as Record<string, TSchema>;
    plan = { props, fields: Object.entries(props), required: new Set(op.input.required ?? []) };
    inputPlans.set(op, plan);
  }
  return plan;
}

function validateInput(op: Operation, raw: RawInput): Record<string, unknown> {
  const values = dropNulls(raw.values) as Record<string, unknown>;
  for (const name in values) {
    const at = nulAt(values[name], name);
    if (at) throw errors.invalidArgument(at, NUL_PROBLEM);
  }
  const { props, fields, required } = inputPlan(op);
  for (const name in values) {
    if (!(name in props)) throw errors.invalidArgument(name, 'is not a known parameter');
  }
  for (const [name, schema] of fields) {
    const v = values[name];
    if (v === undefined) {
      if (required.has(name)) throw errors.invalidArgument(name, 'is required');
      continue;
    }
    validate(schema, v, name, raw.queryFields?.has(name) ?? false);
  }
  return values;
}
