/**
 * Contract checks against the vendor's OpenAPI documents.
 *
 * The documents live beside the repository (`../shared/spec/`, or the directory named by
 * CONTRACT_SPEC_DIR, absolute or relative to the repository root). When they are absent (a
 * clone outside this workspace) every check here is off and `contractSkipReason()` says why.
 *
 * `checkResponse` is called by the test helpers (`t.req` in app.ts, `request` in cli.ts) for
 * every response a test receives. It matches the request to the spec operation (method, path,
 * `action`, `vmw-task`, and any other fixed query value in the spec's path key), then checks
 * that the status is one the operation declares and that the body fits the schema declared for
 * that status (Ajv; 204 and other content-less responses must carry no body). Violations are
 * collected and fail the running test from an afterEach hook, so a response that a test never
 * looks at is checked all the same.
 *
 * This module must stay free of vitest imports at load time: scripts (coverage, later
 * operations) use the spec model outside a test run.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
import { parse } from 'yaml';
import { LATER_OPERATIONS } from '../../src/modules/later/operations.ts';

const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));
/** Directory holding both spec files; absolute, or relative to the repository root. */
export const SPEC_DIR_ENV = 'CONTRACT_SPEC_DIR';
/** When set, every matched response is recorded (JSON lines) in this directory for scripts/coverage.ts. */
export const HITS_DIR_ENV = 'CONTRACT_HITS_DIR';
export const SPEC_FILES = { snapservice: 'vsan-data-protection-openapi.yaml', vcenter: 'vcenter-subset.yaml' } as const;
export type SpecName = keyof typeof SPEC_FILES;
/** The vendor release whose surface this server serves. */
export const SERVED_RELEASE = '8.0.3.0';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const COMPONENTS = '#/components/schemas/';

export interface SpecResponse {
  /** The JSON schema as written in the document (component refs unresolved), if the response has a body. */
  schema?: Record<string, unknown>;
  description: string;
}

export interface SpecParameter {
  name: string;
  in: string;
  description?: string;
  schema?: Record<string, unknown>;
}

/** One operation of a spec document (or of the extension allow-list below). */
export interface SpecOperation {
  spec: SpecName;
  operationId: string;
  method: string;
  /** The path key as the document writes it, e.g. `/snapservice/tasks/{task}`. */
  key: string;
  /** Path template under the server base: `/api/...`, no query. */
  path: string;
  action?: string;
  task: boolean;
  /** Other fixed query values in the path key (e.g. `aggregateBy=time-slice`). */
  select: Record<string, string>;
  /** "This operation was added in vSphere API X", when the document says. */
  since?: string;
  parameters: SpecParameter[];
  responses: Record<string, SpecResponse>;
  /** Set for operations we serve that the document lacks: why they are served anyway. */
  extension?: string;
}

export interface ObservedResponse {
  method: string;
  /** Path and query as sent, e.g. `/api/snapservice/tasks?status=RUNNING`. */
  url: string;
  status: number;
  contentType?: string;
  body: string;
}

export interface CheckResult {
  op?: SpecOperation;
  /** Why the request is outside the contract, when it is. */
  exempt?: string;
  /** The DEVIATIONS entry that admitted the response, if one had to. */
  deviation?: keyof typeof DEVIATIONS;
  violations: string[];
}

// ---------------------------------------------------------------------------------------------
// The allow-list. Every knowing departure from the documents, each checked as narrowly as it is
// described here; anything else that departs is a violation.
// ---------------------------------------------------------------------------------------------

export const DEVIATIONS = {
  /**
   * We answer these kinds with HTTP 400, as the vAPI REST runtime's error-to-status table does
   * (src/vapi/errors.ts ERROR_STATUS; ../shared/docs/snapservice-api.md §5.3), while some
   * operations list them under 500 (tasks list: ResourceInaccessible past 1000 matches; vCenter
   * lists: UnableToAllocateResource past 1000 results). Admitted only for an operation whose
   * declared responses name that very error kind, and only with a body that is that error.
   */
  runtimeStatus: {
    kinds: ['RESOURCE_BUSY', 'RESOURCE_INACCESSIBLE', 'UNABLE_TO_ALLOCATE_RESOURCE'],
  },
  /**
   * info/about declares only 200, yet we require a valid session or Basic credentials for it
   * (../shared/docs/decisions.md: "info/about needs a valid session only"), so it can answer 401.
   */
  sessionRequired: {
    operations: ['Snapservice.Info.About_get'],
  },
  /**
   * A request that matches no operation (unknown path, method or action; a task-only operation
   * without vmw-task=true; vmw-task other than true) cannot have declared responses. The vAPI
   * runtime answers 404 "no matching method"; we answer 404 OPERATION_NOT_FOUND, or 400
   * INVALID_REQUEST for a malformed dispatch (vmw-task=false, action given twice, bad URL).
   */
  unknownOperation: {
    answers: { 404: 'Vapi.Std.Errors.OperationNotFound', 400: 'Vapi.Std.Errors.InvalidRequest' } as Record<number, string>,
  },
  /**
   * Requests rejected at the protocol level before any operation runs (an undecodable URL, a
   * content type other than JSON, a body over the limit) answer 400 INVALID_REQUEST, as the vAPI
   * REST runtime does (../shared/docs/snapservice-api.md §5.3), whatever the operation declares:
   * the documents list only what operations themselves report.
   */
  protocolRejection: {
    kind: 'INVALID_REQUEST',
  },
  /**
   * Query input an operation does not take (an unknown key, a `filter.x` member that does not
   * exist) or cannot accept (a duplicate in a set) answers 400 INVALID_ARGUMENT naming it, as the
   * runtime's input validation does, also for operations that declare no 400 (cluster get, VM
   * get, datacenter list, ...) or a narrower one (power stop: AlreadyInDesiredState). Admitted
   * only when the request carried query parameters besides the dispatch keys.
   */
  queryValidation: {
    kind: 'INVALID_ARGUMENT',
  },
  /**
   * ../shared/docs/decisions.md: a locked protection group refuses snapshot delete with 400
   * UNSUPPORTED, and a group marked for delete refuses every change with 400
   * NOT_ALLOWED_IN_CURRENT_STATE; the PG-snapshot DELETE declares no 400 at all
   * (../shared/docs/snapservice-api.md §7 item 12).
   */
  groupState: {
    operations: ['Snapservice.Clusters.ProtectionGroups.Snapshots_delete'],
    kinds: ['UNSUPPORTED', 'NOT_ALLOWED_IN_CURRENT_STATE'],
  },
  /**
   * A vCenter VM held by a snapservice recovery task (revert, restore, clone) refuses relocate
   * with 400 RESOURCE_BUSY naming the task, as VM delete and the power operations document;
   * relocate's own list names no ResourceBusy.
   */
  vmBusy: {
    operations: ['Vcenter.VM_relocate'],
    kind: 'RESOURCE_BUSY',
  },
  /**
   * The 9.1.1 document labels the protection-group list filter member `cluster_pairs` as added in
   * 8.0.3.0, yet the 8.0.3 bindings have no such member (../shared/docs/snapservice-api.md §3.5 and
   * §4.3: pgs, names, states, vms) and cluster pairs themselves arrive in 9.0. We serve the 8.0.3
   * bindings, so the key is refused as unknown (400 INVALID_ARGUMENT, see queryValidation). Used by
   * the route-table test (test/contract/routes.test.ts).
   */
  mislabelledQueryMembers: {
    operations: { 'Snapservice.Clusters.ProtectionGroups_list': ['cluster_pairs'] } as Record<string, string[]>,
  },
  /**
   * Operations of releases after 8.0.3 that we do not serve (src/modules/later) answer 400
   * UNSUPPORTED naming the operation, whatever 400 schema they declare, and also where they
   * declare no 400 (e.g. Sites.Licenses_list).
   */
  notImplemented: {
    operations: new Set(LATER_OPERATIONS.map((o) => o.operationId)),
  },
} as const;

/**
 * Operations we serve that the OpenAPI document lacks. The VM get is in the vendor's 8.0.3
 * bindings (../shared/docs/snapservice-api.md §2 row 16, §3.16) and its result structure is in the
 * document's components, but the 9.1.1 document has no path for it. Its responses are checked
 * against that structure and the standard errors every snapservice read declares.
 */
const EXTENSIONS: Array<Omit<SpecOperation, 'parameters' | 'responses' | 'select' | 'task'> & { responses: Record<string, string | undefined> }> = [
  {
    spec: 'snapservice',
    operationId: 'Snapservice.Clusters.VirtualMachines_get',
    method: 'GET',
    key: '/snapservice/clusters/{cluster}/virtual-machines/{vm}',
    path: '/api/snapservice/clusters/{cluster}/virtual-machines/{vm}',
    since: '8.0.3.0',
    extension: 'in the 8.0.3 bindings (../shared/docs/snapservice-api.md §3.16); absent from the 9.1.1 OpenAPI document',
    responses: {
      200: 'Snapservice.Clusters.VirtualMachines.Info',
      401: 'Vapi.Std.Errors.Unauthenticated',
      403: 'Vapi.Std.Errors.Unauthorized',
      404: 'Vapi.Std.Errors.NotFound',
      500: 'Vapi.Std.Errors.Error',
      503: 'Vapi.Std.Errors.ServiceUnavailable',
    },
  },
];

/** Requests outside both documents: not checked. */
export function exemption(method: string, pathname: string): string | undefined {
  if (pathname.startsWith('/api/sim/') || pathname === '/api/sim') return 'simulation plane (ours, not the vendor\'s)';
  if (pathname === '/api/openapi.json') return 'our own OpenAPI document';
  if (pathname === '/api' && method === 'POST') return 'vAPI JSON-RPC endpoint (not a REST operation)';
  if (pathname !== '/api' && !pathname.startsWith('/api/')) return 'outside the server base /api (e.g. /docs)';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Loading and schema conversion
// ---------------------------------------------------------------------------------------------

export function specDir(): string {
  return path.resolve(REPO_ROOT, process.env[SPEC_DIR_ENV] ?? '../shared/spec');
}

export function specPath(name: SpecName): string {
  return path.join(specDir(), SPEC_FILES[name]);
}

/** vSphere release strings compare component by component ("8.0.3.0" < "9.0.0.0"). */
export function compareRelease(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function sinceOf(description: unknown, what: 'operation' | 'property' | 'schema'): string | undefined {
  if (typeof description !== 'string') return undefined;
  const re = new RegExp(`This ${what} was added in __vSphere API ([\\d.]+)__`);
  return re.exec(description.replace(/\s+/g, ' '))?.[1];
}

/** `METHOD /api/path?action=..&vmw-task=true` with query pairs in a fixed order: one key per endpoint. */
export function endpointKey(method: string, pathTemplate: string, query: { action?: string; task?: boolean; select?: Record<string, string> } = {}): string {
  const pairs: string[] = [];
  if (query.action !== undefined) pairs.push(`action=${query.action}`);
  for (const [k, v] of Object.entries(query.select ?? {}).sort()) pairs.push(`${k}=${v}`);
  if (query.task) pairs.push('vmw-task=true');
  return `${method.toUpperCase()} ${pathTemplate}${pairs.length ? `?${pairs.join('&')}` : ''}`;
}

export function opEndpoint(op: Pick<SpecOperation, 'method' | 'path' | 'action' | 'task' | 'select'>): string {
  return endpointKey(op.method, op.path, op);
}

/** `Snapservice.Sites_list` -> `Snapservice.Sites.list`, as messages and tables name operations. */
export function displayName(operationId: string): string {
  return operationId.replace('_', '.');
}

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function componentName(ref: string): string | undefined {
  return ref.startsWith(COMPONENTS) ? ref.slice(COMPONENTS.length) : undefined;
}

/** Keys whose values are data, not schemas: copied as they are. */
const LITERAL_KEYS = new Set(['enum', 'default', 'const', 'required']);
/** OpenAPI-only annotations Ajv has no use for. */
const DROPPED_KEYS = new Set(['discriminator', 'example', 'examples', 'description', 'xml', 'externalDocs', 'deprecated', 'readOnly', 'writeOnly']);

class SchemaConverter {
  readonly formats = new Set<string>();
  constructor(private readonly specId: string) {}

  ref(name: string): string {
    return `${this.specId}#/definitions/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  }

  /** OpenAPI 3.0 schema -> JSON schema for Ajv: component refs into our definitions, `nullable` as a null type. */
  convert(node: unknown): unknown {
    if (Array.isArray(node)) return node.map((n) => this.convert(n));
    if (!isObj(node)) return node;
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) {
      if (DROPPED_KEYS.has(k) || k === 'nullable') continue;
      if (k === '$ref' && typeof v === 'string') {
        const name = componentName(v);
        out.$ref = name ? this.ref(name) : v;
      } else if ((k === 'properties' || k === 'patternProperties') && isObj(v)) {
        out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, this.convert(s)]));
      } else if (LITERAL_KEYS.has(k)) {
        out[k] = v;
      } else {
        if (k === 'format' && typeof v === 'string') this.formats.add(v);
        out[k] = this.convert(v);
      }
    }
    if (node.nullable === true) {
      if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
      if (typeof out.type === 'string') out.type = [out.type, 'null'];
      else return { anyOf: [out, { type: 'null' }] };
    }
    return out;
  }
}

/** Components that another schema extends (allOf next to own properties, or several allOf members): they must stay open. */
function extendedComponents(schemas: Json): Set<string> {
  const extended = new Set<string>();
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!isObj(n)) return;
    if (Array.isArray(n.allOf) && (n.properties !== undefined || n.allOf.length > 1)) {
      for (const m of n.allOf) if (isObj(m) && typeof m.$ref === 'string') extended.add(componentName(m.$ref) ?? '');
    }
    Object.values(n).forEach(walk);
  };
  walk(schemas);
  return extended;
}

/**
 * Component schemas as one Ajv schema of definitions.
 *
 * - Discriminator (OpenAPI 3.0): the vAPI error base carries `discriminator: error_type` with a
 *   mapping to subtypes that are `allOf: [base]`. We keep its meaning without oneOf: a payload
 *   checked against a mapped subtype must carry that subtype's discriminator value (and so a
 *   404 declared as NotFound must say NOT_FOUND); against the base, any mapped value.
 * - vAPI structures are closed on the wire (the runtime rejects members it does not know), so a
 *   component object with `properties` and no `additionalProperties` gets
 *   `additionalProperties: false`, unless another schema extends it through allOf (the error
 *   base, extended by Unauthenticated's `challenge`). This is stricter than OpenAPI's default
 *   and catches members we invent or misspell.
 */
function definitionsOf(schemas: Json, conv: SchemaConverter): Json {
  const extended = extendedComponents(schemas);
  const defs: Json = {};
  for (const [name, raw] of Object.entries(schemas)) {
    const s = conv.convert(raw) as Json;
    if (isObj(raw) && raw.type === 'object' && isObj(raw.properties) && raw.additionalProperties === undefined && raw.allOf === undefined && !extended.has(name)) {
      s.additionalProperties = false;
    }
    defs[name] = s;
  }
  for (const [name, raw] of Object.entries(schemas)) {
    if (!isObj(raw) || !isObj(raw.discriminator)) continue;
    const prop = String(raw.discriminator.propertyName);
    const mapping = (raw.discriminator.mapping ?? {}) as Record<string, string>;
    const base = defs[name] as Json;
    const props = (base.properties ?? {}) as Json;
    base.properties = { ...props, [prop]: { ...((props[prop] as Json) ?? {}), enum: Object.keys(mapping) } };
    for (const [value, ref] of Object.entries(mapping)) {
      const target = componentName(ref);
      if (!target || target === name || !defs[target]) continue;
      defs[target] = { allOf: [defs[target], { required: [prop], properties: { [prop]: { enum: [value] } } }] };
    }
  }
  return defs;
}

// ---------------------------------------------------------------------------------------------
// The contract
// ---------------------------------------------------------------------------------------------

interface ParsedBody {
  empty: boolean;
  json?: unknown;
  error?: string;
}

function parseBody(text: string): ParsedBody {
  if (text === '') return { empty: true };
  try {
    return { empty: false, json: JSON.parse(text) };
  } catch {
    return { empty: false, error: `body is not JSON: ${text.slice(0, 120)}` };
  }
}

function formatAjvErrors(errors: ErrorObject[] | null | undefined): string {
  if (!errors?.length) return 'does not match';
  // allOf/anyOf produce echoes of one problem; keep the distinct, most specific few.
  const lines = [...new Set(errors.map((e) => `${e.instancePath || '(body)'} ${e.message ?? e.keyword}${e.params && 'additionalProperty' in e.params ? ` '${String(e.params.additionalProperty)}'` : ''}${e.keyword === 'enum' ? ` ${JSON.stringify(e.params.allowedValues)}` : ''}`))];
  return lines.slice(0, 6).join('; ');
}

function truncate(v: unknown, n = 400): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > n ? `${s.slice(0, n)}...` : s;
}

export class Contract {
  readonly operations: SpecOperation[] = [];
  readonly versions: Record<SpecName, string>;
  /** Raw component schemas per document, for static comparisons. */
  readonly components: Record<SpecName, Json>;
  private readonly ajv: Ajv;
  private readonly converters: Record<SpecName, SchemaConverter>;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(docs: Record<SpecName, Json>) {
    this.ajv = addFormats(new Ajv({ strict: false, allErrors: true, validateFormats: true }));
    this.converters = { snapservice: new SchemaConverter('snapservice.json'), vcenter: new SchemaConverter('vcenter.json') };
    this.versions = { snapservice: '', vcenter: '' };
    this.components = { snapservice: {}, vcenter: {} };
    for (const name of Object.keys(SPEC_FILES) as SpecName[]) {
      const doc = docs[name];
      this.versions[name] = String((doc.info as Json | undefined)?.version ?? '');
      const schemas = (((doc.components as Json | undefined)?.schemas ?? {}) as Json);
      this.components[name] = schemas;
      this.ajv.addSchema({ $id: `${name}.json`, definitions: definitionsOf(schemas, this.converters[name]) });
      this.readOperations(name, doc);
    }
    for (const ext of EXTENSIONS) {
      const responses: Record<string, SpecResponse> = {};
      for (const [code, comp] of Object.entries(ext.responses)) responses[code] = { description: '', schema: comp ? { $ref: `${COMPONENTS}${comp}` } : undefined };
      this.operations.push({ ...ext, task: false, select: {}, parameters: [], responses });
    }
    for (const conv of Object.values(this.converters)) {
      for (const f of conv.formats) if (!this.ajv.formats[f]) this.ajv.addFormat(f, true); // e.g. a format that is prose
    }
  }

  private readOperations(spec: SpecName, doc: Json): void {
    for (const [key, itemRaw] of Object.entries((doc.paths ?? {}) as Json)) {
      const item = itemRaw as Json;
      const [p, q] = key.split('?');
      const query = new URLSearchParams(q ?? '');
      const action = query.get('action') ?? undefined;
      const task = query.get('vmw-task') === 'true';
      query.delete('action');
      query.delete('vmw-task');
      const select = Object.fromEntries(query);
      for (const m of METHODS) {
        const o = item[m] as Json | undefined;
        if (!o) continue;
        const parameters = [...((item.parameters ?? []) as SpecParameter[]), ...((o.parameters ?? []) as SpecParameter[])];
        const responses: Record<string, SpecResponse> = {};
        for (const [code, r] of Object.entries((o.responses ?? {}) as Json)) {
          const rr = r as Json;
          const schema = ((rr.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema as Json | undefined;
          responses[code] = { schema, description: String(rr.description ?? '') };
        }
        this.operations.push({
          spec,
          operationId: String(o.operationId),
          method: m.toUpperCase(),
          key,
          path: `/api${p}`,
          action,
          task,
          select,
          since: sinceOf(o.description, 'operation'),
          parameters,
          responses,
        });
      }
    }
  }

  /** Ajv validator for a raw spec schema of `spec` (component refs allowed). */
  validator(spec: SpecName, schema: Json): ValidateFunction {
    const cacheKey = `${spec} ${JSON.stringify(schema)}`;
    let fn = this.validators.get(cacheKey);
    if (!fn) {
      fn = this.ajv.compile(this.converters[spec].convert(schema) as Json);
      this.validators.set(cacheKey, fn);
    }
    return fn;
  }

  componentValidator(spec: SpecName, component: string): ValidateFunction {
    return this.validator(spec, { $ref: `${COMPONENTS}${component}` });
  }

  /** The spec operation a concrete request addresses; `pathKnown` when some operation has that path. */
  match(method: string, pathname: string, query: URLSearchParams): { op?: SpecOperation; pathKnown: boolean; malformed?: string } {
    const segs = trimSlash(pathname).split('/');
    let best = -1;
    let candidates: SpecOperation[] = [];
    for (const op of this.operations) {
      const score = templateScore(op.path, segs);
      if (score < 0 || score < best) continue;
      if (score > best) {
        best = score;
        candidates = [];
      }
      candidates.push(op);
    }
    if (candidates.length === 0) return { pathKnown: false };
    const actions = query.getAll('action');
    const tasks = query.getAll('vmw-task');
    if (actions.length > 1) return { pathKnown: true, malformed: 'action given more than once' };
    if (tasks.length > 1 || (tasks.length === 1 && tasks[0].toLowerCase() !== 'true')) return { pathKnown: true, malformed: 'vmw-task is not true' };
    const action = actions[0];
    const task = tasks.length === 1;
    const op = candidates.find(
      (o) => o.method === method.toUpperCase() && o.action === action && o.task === task && Object.entries(o.select).every(([k, v]) => query.get(k) === v),
    );
    return { op, pathKnown: true };
  }

  /** Checks one response; never throws. */
  check(r: ObservedResponse): CheckResult {
    const u = new URL(r.url, 'http://contract.invalid');
    const pathname = trimSlash(u.pathname);
    const exempt = exemption(r.method.toUpperCase(), pathname);
    if (exempt) return { exempt, violations: [] };
    const where = `${r.method.toUpperCase()} ${u.pathname}${u.search} -> ${r.status}`;
    const body = parseBody(r.body);
    const m = this.match(r.method, pathname, u.searchParams);
    if (!m.op) return this.checkUnknown(where, r, body, m.malformed ?? (m.pathKnown ? 'no operation with this method/action/vmw-task at this path' : 'no such path'));

    const op = m.op;
    const name = `${op.operationId} (${op.spec === 'snapservice' ? 'vsan-data-protection' : 'vcenter-subset'} ${op.method} ${op.key})`;
    const fail = (problem: string): CheckResult => ({ op, violations: [`${where}: ${name}: ${problem}; body: ${truncate(r.body || '(empty)')}`] });
    const code = String(r.status);
    const declared = op.responses[code] ?? op.responses[`${code[0]}XX`] ?? op.responses.default;
    if (body.error) return fail(body.error);

    if (declared) {
      if (!declared.schema) {
        return body.empty ? { op, violations: [] } : fail(`status ${code} declares no content, but the response has a body`);
      }
      if (body.empty) return fail(`status ${code} declares an application/json body, but the response is empty`);
      if (!isJsonType(r.contentType)) return fail(`content type is ${r.contentType ?? '(none)'}, not application/json`);
      const fn = this.validator(op.spec, declared.schema);
      if (fn(body.json)) return { op, violations: [] };
      const deviation = this.deviationFor(op, r.status, body.json, u.searchParams);
      if (deviation) return { op, deviation, violations: [] };
      return fail(`body does not match the schema declared for ${code} (${describeSchema(declared.schema)}): ${formatAjvErrors(fn.errors)}`);
    }
    if (r.status === 204 && !body.empty) return fail('204 with a body');
    const deviation = !body.empty && isJsonType(r.contentType) ? this.deviationFor(op, r.status, body.json, u.searchParams) : undefined;
    if (deviation) return { op, deviation, violations: [] };
    return fail(`status ${code} is not declared (declared: ${Object.keys(op.responses).sort().join(', ')})`);
  }

  private checkUnknown(where: string, r: ObservedResponse, body: ParsedBody, why: string): CheckResult {
    const comp = DEVIATIONS.unknownOperation.answers[r.status];
    const problem = (p: string) => ({ violations: [`${where}: matches no operation in the documents (${why}); ${p}; body: ${truncate(r.body || '(empty)')}`] });
    if (!comp) return problem(`expected 404 OPERATION_NOT_FOUND (or 400 INVALID_REQUEST), got ${r.status}`);
    if (body.empty || body.error) return problem('expected a vAPI error body');
    const fn = this.componentValidator('snapservice', comp);
    if (!fn(body.json)) return problem(`body is not ${comp}: ${formatAjvErrors(fn.errors)}`);
    return { deviation: 'unknownOperation', violations: [] };
  }

  /** The allow-list entry that admits this response, if one does. */
  private deviationFor(op: SpecOperation, status: number, json: unknown, query: URLSearchParams): CheckResult['deviation'] {
    const kind = isObj(json) ? json.error_type : undefined;
    if (typeof kind !== 'string') return undefined;
    const is = (component: string) => this.componentValidator(op.spec, component)(json);
    const listed = (list: readonly string[], v: string) => list.includes(v);
    if (status === 400 && kind === DEVIATIONS.protocolRejection.kind && is('Vapi.Std.Errors.InvalidRequest')) return 'protocolRejection';
    if (status === 400 && kind === DEVIATIONS.queryValidation.kind && is('Vapi.Std.Errors.InvalidArgument')) {
      const input = [...query.keys()].filter((k) => k !== 'action' && k !== 'vmw-task' && !(k in op.select));
      if (input.length > 0) return 'queryValidation';
    }
    if (status === 400 && listed(DEVIATIONS.groupState.operations, op.operationId) && listed(DEVIATIONS.groupState.kinds, kind) && is(`Vapi.Std.Errors.${errorComponent(kind)}`)) {
      return 'groupState';
    }
    if (status === 400 && listed(DEVIATIONS.vmBusy.operations, op.operationId) && kind === DEVIATIONS.vmBusy.kind && is('Vapi.Std.Errors.ResourceBusy')) return 'vmBusy';
    if (status === 400 && (DEVIATIONS.runtimeStatus.kinds as readonly string[]).includes(kind)) {
      const component = `Vapi.Std.Errors.${errorComponent(kind)}`;
      const named = Object.values(op.responses).some((d) => d.description.includes(component) || d.schema?.$ref === `${COMPONENTS}${component}`);
      if (named && is(component)) return 'runtimeStatus';
    }
    if (status === 401 && (DEVIATIONS.sessionRequired.operations as readonly string[]).includes(op.operationId) && is('Vapi.Std.Errors.Unauthenticated')) {
      return 'sessionRequired';
    }
    if (status === 400 && kind === 'UNSUPPORTED' && DEVIATIONS.notImplemented.operations.has(op.operationId) && is('Vapi.Std.Errors.Unsupported')) {
      return 'notImplemented';
    }
    return undefined;
  }

  /**
   * Query parameter names of an operation, flattened as the REST binding sends them: a parameter
   * whose schema is a structure stands for its members. Members and parameters added after
   * `release` are left out.
   */
  queryParameters(op: SpecOperation, release: string): Set<string> {
    const names = new Set<string>();
    const upTo = (since: string | undefined) => since === undefined || compareRelease(since, release) <= 0;
    for (const p of op.parameters) {
      if (p.in !== 'query') continue;
      const comp = this.structOf(op.spec, p.schema);
      if (comp) {
        for (const [member, s] of Object.entries((comp.properties ?? {}) as Json)) {
          if (upTo(sinceOf((s as Json).description, 'property'))) names.add(member);
        }
      } else if (upTo(sinceOf(p.description, 'property'))) {
        names.add(p.name);
      }
    }
    return names;
  }

  /** The component object a `$ref` (or single-ref allOf) points at. */
  structOf(spec: SpecName, schema: unknown): Json | undefined {
    if (!isObj(schema)) return undefined;
    const ref = typeof schema.$ref === 'string' ? schema.$ref : Array.isArray(schema.allOf) && schema.allOf.length === 1 && isObj(schema.allOf[0]) ? schema.allOf[0].$ref : undefined;
    const name = typeof ref === 'string' ? componentName(ref) : undefined;
    const comp = name ? this.components[spec][name] : undefined;
    return isObj(comp) && comp.type === 'object' ? comp : undefined;
  }

  successStatus(op: SpecOperation): string[] {
    return Object.keys(op.responses).filter((c) => c.startsWith('2')).sort();
  }
}

function errorComponent(kind: string): string {
  return kind.toLowerCase().replace(/(^|_)([a-z])/g, (_, _u, c: string) => c.toUpperCase());
}

function describeSchema(schema: Json): string {
  return typeof schema.$ref === 'string' ? (componentName(schema.$ref) ?? schema.$ref) : truncate(schema, 80);
}

function isJsonType(ct: string | undefined): boolean {
  return typeof ct === 'string' && /^application\/json\b/i.test(ct);
}

function trimSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

/** -1 if the template does not match; else the number of literal segments (more literal wins). */
function templateScore(template: string, segs: string[]): number {
  const t = template.split('/');
  if (t.length !== segs.length) return -1;
  let score = 0;
  for (let i = 0; i < t.length; i++) {
    if (/^\{\w+\}$/.test(t[i])) {
      if (segs[i] === '') return -1;
    } else if (t[i] === segs[i]) score++;
    else return -1;
  }
  return score;
}

// ---------------------------------------------------------------------------------------------
// Loading, once per process
// ---------------------------------------------------------------------------------------------

let loaded: { contract?: Contract; reason?: string } | undefined;

function load(): { contract?: Contract; reason?: string } {
  if (loaded) return loaded;
  const missing = (Object.keys(SPEC_FILES) as SpecName[]).filter((n) => !existsSync(specPath(n)));
  if (missing.length > 0) {
    loaded = {
      reason: `contract checks skipped: ${missing.map((n) => specPath(n)).join(' and ')} not found (the vendor spec lives beside the repository in ../shared/spec; set ${SPEC_DIR_ENV} to point elsewhere)`,
    };
    if (process.env.VITEST) console.warn(loaded.reason);
    return loaded;
  }
  const docs = Object.fromEntries((Object.keys(SPEC_FILES) as SpecName[]).map((n) => [n, parse(readFileSync(specPath(n), 'utf8')) as Json])) as Record<SpecName, Json>;
  loaded = { contract: new Contract(docs) };
  return loaded;
}

/** The loaded contract, or undefined when the spec files are absent. */
export function getContract(): Contract | undefined {
  return load().contract;
}

/** Why contract tests skip, or undefined when they run. */
export function contractSkipReason(): string | undefined {
  return load().reason;
}

// ---------------------------------------------------------------------------------------------
// Automatic checking of every response in a test run
// ---------------------------------------------------------------------------------------------

const pending: string[] = [];
let testFile: () => string | undefined = () => undefined;

/** Checks a response a test received; violations fail the running test (afterEach). */
export function checkResponse(r: ObservedResponse): void {
  const contract = getContract();
  if (!contract) return;
  const result = contract.check(r);
  if (result.op) recordHit(result.op, r.status);
  pending.push(...result.violations);
}

/** Violations collected since the last call (tests of the checker itself use this). */
export function takeViolations(): string[] {
  return pending.splice(0);
}

export interface Hit {
  spec: SpecName;
  operationId: string;
  status: number;
  file: string;
}

function recordHit(op: SpecOperation, status: number): void {
  const dir = process.env[HITS_DIR_ENV];
  if (!dir) return;
  const file = testFile();
  const hit: Hit = { spec: op.spec, operationId: op.operationId, status, file: file ? path.relative(REPO_ROOT, file) : '(unknown)' };
  mkdirSync(dir, { recursive: true });
  // One file per worker process: appends never interleave across processes.
  appendFileSync(path.join(dir, `hits-${process.pid}.jsonl`), `${JSON.stringify(hit)}\n`);
}

export class ContractViolation extends Error {
  constructor(violations: string[]) {
    super(`${violations.length} response(s) break the vendor contract:\n${violations.map((v) => `  - ${v}`).join('\n')}`);
    this.name = 'ContractViolation';
  }
}

if (process.env.VITEST) {
  const { afterAll, afterEach, expect } = await import('vitest');
  testFile = () => expect.getState().testPath;
  const flush = () => {
    const v = takeViolations();
    if (v.length > 0) throw new ContractViolation(v);
  };
  afterEach(flush);
  afterAll(flush);
}
