import type { TObject, TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../context.ts';
import type { Credentials } from '../access/authn.ts';
import { answerJson } from './answers.ts';
import { MALFORMED, type MalformedBody } from './body.ts';
import { errors, type VapiError } from '../errors.ts';
import { originOf, withSignChallenge } from '../access/saml.ts';
import { decodeSignToken, TokenError } from '../sts/token.ts';
import { attachEntry, type JournalEntry } from '../journal/journal.ts';
import { summarize } from '../journal/redact.ts';
import { invoke, type RawInput } from './invoke.ts';
import { operationKey, type HttpMethod, type Operation } from './operation.ts';
import { noteOperation } from './trace.ts';

const JSON_TYPE = 'application/json';
const CONTROL_KEYS = new Set(['action', 'vmw-task']);

/** Registers every operation's REST binding; one Fastify route per (method, path). */
export function registerRest(app: FastifyInstance, deps: Deps, operations: readonly Operation[]): void {
  const routes = new Map<string, Operation[]>();
  for (const op of operations) {
    const key = `${op.rest.method} ${op.rest.path}`;
    routes.set(key, [...(routes.get(key) ?? []), op]);
  }
  for (const [key, ops] of routes) {
    const [method, path] = key.split(' ') as [HttpMethod, string];
    const route: Route = { ops, plans: new Map(ops.map((op) => [op, planOf(op)])), journalled: !ops.some((o) => o.control) };
    app.route({
      method,
      url: path.replace(/\{(\w+)\}/g, ':$1'),
      config: { protocol: 'rest' },
      handler: (req, reply) => handle(deps, route, req, reply),
    });
  }
}

/**
 * What a route's requests would otherwise each work out again from its operations' schemas.
 * The control plane's own calls (journal, fault rules, on routes of their own) stay out of the journal.
 */
interface Route { ops: Operation[]; plans: Map<Operation, Plan>; journalled: boolean }

/** `flattened`: a bare query key -> the query structure it is a member of. */
interface Plan { key: string; flattened: Map<string, string>; queryFields: readonly string[] }

function planOf(op: Operation): Plan {
  const props = op.input.properties as Record<string, TSchema>;
  const flattened = new Map<string, string>();
  for (const field of op.rest.query ?? []) {
    const schema = props[field] as TObject;
    for (const member of Object.keys(schema.properties ?? {})) flattened.set(member, field);
  }
  return { key: operationKey(op), flattened, queryFields: op.rest.query ?? [] };
}

/**
 * One async function from the route to the reply, which it sends itself and does not return:
 * an async handler that returns the reply (a thenable) or another async function's promise
 * makes Fastify and V8 resolve through it, three more promise jobs on every request.
 */
async function handle(deps: Deps, route: Route, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const entry = route.journalled && deps.journal.enabled ? beginEntry(deps, req) : undefined;
  checkQueryEncoding(req.url);
  const query = (req.query ?? {}) as Record<string, string | string[]>;
  const op = selectOperation(route.ops, query, req.method, req.url);
  const plan = route.plans.get(op) as Plan;
  if (entry) entry.operation = plan.key;
  noteOperation(req, 'rest', plan.key);
  const raw = rawInput(op, plan, req, query);
  if (entry) journalInput(entry, op, raw.values);
  let result: unknown;
  try {
    ({ result } = await invoke(deps, op, credentials(req), raw, { requestId: req.id, clientAddress: req.ip, journal: entry }));
  } catch (err) {
    throw await withSignChallenge(deps, err, originOf(req));
  }
  if (entry && op.rest.task && typeof result === 'string') entry.task = result;
  if (op.rest.task) reply.code(202).type(JSON_TYPE).send(answerJson(result));
  else if (result === undefined) reply.code(op.rest.status ?? (op.rest.method === 'DELETE' ? 204 : 200)).send();
  else reply.code(op.rest.status ?? 200).type(JSON_TYPE).send(answerJson(result));
}

/** Every REST call into the journal, also those that name no operation. */
export function beginEntry(deps: Deps, req: FastifyRequest): JournalEntry {
  return attachEntry(req, deps.journal.begin({ time: deps.clock.now(), protocol: 'REST', method: req.method, path: pathOf(req.url) }));
}

/** The identifiers and a redacted summary of the rest of the input, as the journal keeps them. */
export function journalInput(entry: JournalEntry, op: Operation, values: Record<string, unknown>): void {
  const ids = op.ids ?? [];
  let rest: Record<string, unknown> | undefined;
  for (const k in values) {
    const v = values[k];
    if (!ids.includes(k)) (rest ??= {})[k] = v;
    else if (typeof v === 'string') entry.ids[k] = v;
  }
  if (rest) entry.input = summarize(rest);
}

/**
 * The router refuses a malformed escape in the path; the query parser would keep one as plain
 * text, so that `?names=%zz` silently filtered on '%zz'. Both are the same client mistake.
 */
function checkQueryEncoding(url: string): void {
  const q = url.indexOf('?');
  if (q < 0 || url.indexOf('%', q) < 0) return;
  try {
    decodeURIComponent(url.slice(q + 1));
  } catch {
    throw errors.invalidRequest('The query string of the request URL is not valid percent-encoding.');
  }
}

/**
 * vAPI dispatch: `action` picks among operations sharing a path, `vmw-task=true` selects the
 * task twin. A task-only operation called without it does not exist (OPERATION_NOT_FOUND).
 */
function selectOperation(ops: Operation[], query: Record<string, string | string[]>, method: string, url: string): Operation {
  const action = single(query.action, 'action');
  // Filtered copies only where a route's operations differ (most routes hold one operation).
  let byAction = ops;
  for (const o of ops) {
    if (o.rest.action !== action) {
      byAction = ops.filter((x) => x.rest.action === action);
      break;
    }
  }
  if (byAction.length === 0) {
    throw action === undefined
      ? errors.operationNotFound(`No operation at ${method} ${pathOf(url)} without an 'action' parameter.`)
      : errors.operationNotFound(`No operation '${action}' at ${method} ${pathOf(url)}.`);
  }
  let candidates = byAction;
  for (const o of byAction) {
    if (o.rest.select) {
      candidates = byAction.filter((x) => Object.entries(x.rest.select ?? {}).every(([k, v]) => single(query[k], k) === v));
      break;
    }
  }
  if (candidates.length === 0) {
    const keys = [...new Set(byAction.flatMap((o) => Object.keys(o.rest.select ?? {})))];
    const values = byAction.flatMap((o) => Object.entries(o.rest.select ?? {}).map(([k, v]) => `${k}=${v}`));
    throw errors.operationNotFound(`No operation at ${method} ${pathOf(url)} for ${keys.map((k) => `'${k}'=${JSON.stringify(query[k] ?? null)}`).join(', ')}: use one of ${values.join(', ')}.`);
  }
  const taskValue = single(query['vmw-task'], 'vmw-task');
  if (taskValue !== undefined && taskValue.toLowerCase() !== 'true') {
    throw errors.invalidRequest(`The 'vmw-task' parameter accepts only 'true', not '${taskValue}'.`);
  }
  // An operation and its $task twin may share path and action; vmw-task picks between them.
  const wantTask = taskValue !== undefined;
  for (const o of candidates) if (Boolean(o.rest.task) === wantTask) return o;
  const other = candidates[0];
  throw wantTask
    ? errors.operationNotFound(`Operation ${other.service}.${other.name} has no task variant.`)
    : errors.operationNotFound(`Operation ${other.service}.${other.name} exists only as a task: add 'vmw-task=true' to the request.`);
}

/** The URL without its query string. */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function single(v: string | string[] | undefined, name: string): string | undefined {
  if (Array.isArray(v)) throw errors.invalidRequest(`The '${name}' parameter may be given only once.`);
  return v;
}

function rawInput(op: Operation, plan: Plan, req: FastifyRequest, query: Record<string, string | string[]>): RawInput {
  const problems: VapiError[] = [];
  const values: Record<string, unknown> = {};
  const params = req.params as Record<string, string>;
  for (const k in params) values[op.rest.params?.[k] ?? k] = params[k];
  // Made only when the query string gives a field: most calls have none.
  let queryFields: Set<string> | undefined;

  const { flattened } = plan;
  for (const key in query) {
    if (CONTROL_KEYS.has(key) || (op.rest.select && key in op.rest.select)) continue;
    const v = query[key];
    const dot = key.indexOf('.');
    const [field, member] = dot > 0 ? [key.slice(0, dot), key.slice(dot + 1)] : [flattened.get(key), key];
    if (field === undefined || !plan.queryFields.includes(field)) {
      problems.push(errors.invalidArgument(key, 'is not a known query parameter'));
      continue;
    }
    const struct = (values[field] ??= {}) as Record<string, unknown>;
    struct[member] = v;
    (queryFields ??= new Set()).add(field);
  }

  const body = req.body as unknown;
  const read = op.rest.body !== undefined || op.rest.bodyFields === true;
  if (isMalformed(body)) {
    if (read || op.rest.method === 'GET') problems.push(body[MALFORMED]);
  } else if (body !== undefined && !read && op.rest.method === 'GET') {
    queryInBody(op, body, values, flattened, problems);
  } else if (body !== undefined && read) {
    if (op.rest.bodyFields) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) problems.push(errors.invalidArgument('body', 'must be an object'));
      else {
        const path = new Set(Object.keys(req.params as object).map((k) => op.rest.params?.[k] ?? k));
        // A path identifier is not also a body member: the body must not redirect the call.
        for (const [k, v] of Object.entries(body)) {
          if (path.has(k)) problems.push(errors.invalidArgument(k, 'is given in the path; the body must not repeat it'));
          else values[k] = v;
        }
      }
    } else {
      const field = op.rest.body as string;
      let value: unknown = body;
      if (op.rest.bodyWrapped && isObject(body) && Object.keys(body).length === 1 && field in body) value = body[field];
      values[field] = isObject(value) && isObject(values[field]) ? { ...(values[field] as object), ...value } : value;
    }
  }
  return { values, problems, queryFields };
}

/**
 * A GET body is read as the operation's query input, the structure members bare
 * (`{"names": [...]}`) or wrapped (`{"filter": {...}}`), merged with the query string's;
 * anything else in it is an unknown field. Never ignored: the vAPI runtime sends `{}` with
 * every GET, and a filter someone sends there must filter or be refused.
 */
function queryInBody(op: Operation, body: unknown, values: Record<string, unknown>, flattened: Map<string, string>, problems: VapiError[]): void {
  if (!isObject(body)) {
    problems.push(errors.invalidArgument('body', op.rest.query ? 'must be an object' : 'must be empty: this operation takes no request body'));
    return;
  }
  const fields = op.rest.query ?? [];
  for (const [key, v] of Object.entries(body)) {
    if (v === null) continue; // unset, as everywhere in vAPI
    const [field, members] = fields.includes(key) ? [key, v] : [flattened.get(key), { [key]: v }];
    if (field === undefined || !isObject(members)) {
      problems.push(errors.invalidArgument(key, fields.length > 0 ? 'is not a known field' : 'is not a known field: this operation takes no request body'));
      continue;
    }
    values[field] = { ...(isObject(values[field]) ? values[field] : {}), ...members };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isMalformed(body: unknown): body is MalformedBody {
  return typeof body === 'object' && body !== null && MALFORMED in body;
}

/** HTTP Basic, `Authorization: SIGN token="..."`, the `vmware-api-session-id` header, or a cookie of that name. */
export function credentials(req: FastifyRequest): Credentials {
  const creds: Credentials = {};
  const header = req.headers['vmware-api-session-id'];
  const token = Array.isArray(header) ? header[0] : header ?? cookie(req.headers.cookie, 'vmware-api-session-id');
  if (token) creds.sessionToken = token;
  const auth = req.headers.authorization;
  if (auth?.slice(0, 6).toLowerCase() === 'basic ') {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) creds.basic = { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (auth?.slice(0, 5).toLowerCase() === 'sign ') creds.samlToken = signToken(auth.slice(5));
  return creds;
}

/**
 * The SAML token of `SIGN token="<base64 of the gzipped assertion>"`. A holder-of-key request
 * also carries `signature` (over the request); only bearer tokens are accepted.
 */
function signToken(params: string): string {
  const fields = new Map([...params.matchAll(/([A-Za-z_]+)\s*=\s*"([^"]*)"/g)].map((m) => [m[1].toLowerCase(), m[2]]));
  const token = fields.get('token');
  if (token === undefined) throw errors.unauthenticated('The SIGN authorization needs token="<base64 of the gzipped SAML assertion>".');
  if (fields.has('signature')) throw errors.unauthenticated('Holder-of-key SIGN requests are not supported: send a bearer token (token="..." alone).');
  try {
    return decodeSignToken(token);
  } catch (err) {
    if (err instanceof TokenError) throw errors.unauthenticated(err.message);
    throw err;
  }
}

function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeCookie(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** A value that is not valid percent-encoding is taken as sent: it names no session (401). */
function decodeCookie(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
