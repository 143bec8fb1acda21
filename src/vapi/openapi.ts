import type { TObject, TSchema } from '@sinclair/typebox';
import { isDeepStrictEqual } from 'node:util';
import { ERROR_STATUS, type ErrorKind } from './errors.ts';
import { operationKey, type Operation } from './operation.ts';
import { ErrorSchema } from './wire.ts';

/**
 * Our own OpenAPI 3.0.3 description of the operations this server serves, generated from the
 * operation definitions (the same ones REST and JSON-RPC dispatch on), so it cannot drift.
 *
 * It follows the conventions of the vendor's published documents: the server URL is `/api`
 * and paths are relative to it; operations that share a method and path and differ by
 * `?action=` (or are task-only, `vmw-task=true`) get distinct path keys that carry that query
 * part; operationIds read `Snapservice.Clusters.VirtualMachines_revert$Task`; one tag per vAPI
 * service; structures are components named from their vAPI canonical name
 * (`com.vmware.snapservice.tasks.info` -> `Snapservice.Tasks.Info`).
 */

export const OPENAPI_VERSION = '3.0.3';
const API_PREFIX = '/api';
const JSON_TYPE = 'application/json';
const SIM_TAG_PREFIX = 'Snapservice.Sim';

export interface OpenApiOptions {
  /** Version of this server (package.json). */
  serverVersion: string;
  /** vSphere API release whose surface is served. */
  apiRelease: string;
  /**
   * Operations that have a route but are not served (placeholders answering UNSUPPORTED):
   * listed under `x-not-served`, not as paths.
   */
  notServed?: (op: Operation) => boolean;
}

type Json = Record<string, unknown>;

/** OpenAPI 3.0 Schema Object keywords that pass through as they are. */
const OAS_KEYWORDS = new Set([
  'title', 'multipleOf', 'maximum', 'minimum', 'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems',
  'uniqueItems', 'maxProperties', 'minProperties', 'required', 'enum', 'type', 'description', 'format',
  'default', 'nullable', 'readOnly', 'writeOnly', 'example', 'deprecated',
]);

/** Our TypeBox extension keywords and what they become. */
const EXTENSIONS: Record<string, string | null> = {
  vapi: 'x-vapi-type',
  opaque: 'x-vapi-opaque',
  vapi_map: 'x-vapi-map',
  // `set` is `uniqueItems: true` already; `error` only marks ErrorSchema for the encoders.
  set: null,
  error: null,
  // Secrets are `format: password` (below).
  secret: null,
};

/** Converts vAPI canonical names to the vendor's component/tag spelling. */
export function vapiTypeName(canonical: string): string {
  return canonical
    .replace(/^com\.vmware\./, '')
    .split('.')
    .map((segment) => segment.split('_').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join(''))
    .join('.');
}

/** `com.vmware.snapservice.clusters.virtual_machines` + `revert$task` -> `Snapservice.Clusters.VirtualMachines_revert$Task`. */
export function operationIdOf(op: Pick<Operation, 'service' | 'name'>): string {
  const [base, suffix] = op.name.split('$');
  const camel = base.replace(/_([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
  const name = suffix === undefined ? camel : `${camel}$${suffix.charAt(0).toUpperCase()}${suffix.slice(1)}`;
  return `${vapiTypeName(op.service)}_${name}`;
}

/** The document's path key: relative to `/api`, with the `action`/`vmw-task` query part. */
export function pathKeyOf(op: Pick<Operation, 'rest'>): string {
  const { path, action, task } = op.rest;
  if (!path.startsWith(`${API_PREFIX}/`)) throw new Error(`operation path ${path} is not under ${API_PREFIX}`);
  const query = [...(action !== undefined ? [`action=${action}`] : []), ...(task ? ['vmw-task=true'] : [])];
  return path.slice(API_PREFIX.length) + (query.length ? `?${query.join('&')}` : '');
}

/** Success status as rest.ts answers it. */
export function successStatusOf(op: Pick<Operation, 'rest' | 'output'>): number {
  if (op.rest.task) return 202;
  if (op.rest.status !== undefined) return op.rest.status;
  return op.output === undefined && op.rest.method === 'DELETE' ? 204 : 200;
}

/** Turns TypeBox schemas into OpenAPI 3.0 schemas, with one component per named structure. */
class SchemaRegistry {
  readonly components: Record<string, Json> = {};
  /** Component name per schema object already converted (TypeBox reuses objects). */
  private readonly seen = new Map<object, string>();

  convert(schema: TSchema): Json {
    const named = schema as Json;
    const canonical = typeof named.vapi === 'string' && named.vapi !== 'operation-input' ? named.vapi : undefined;
    if (canonical === undefined) return this.inline(schema);
    const known = this.seen.get(schema);
    if (known) return ref(known);
    const body = { ...this.inline(schema), 'x-vapi-type': canonical };
    ENRICH[canonical]?.(body);
    const base = vapiTypeName(canonical);
    let name = base;
    for (let n = 2; this.components[name] && !isDeepStrictEqual(this.components[name], body); n++) name = `${base}_${n}`;
    this.components[name] = body;
    this.seen.set(schema, name);
    return ref(name);
  }

  private inline(schema: TSchema): Json {
    const s = schema as Json;
    const out: Json = {};
    for (const [key, value] of Object.entries(s)) {
      if (OAS_KEYWORDS.has(key)) {
        out[key] = value;
      } else if (key === 'const') {
        out.enum = [value];
      } else if (key === 'properties') {
        out.properties = Object.fromEntries(Object.entries(value as Record<string, TSchema>).map(([k, v]) => [k, this.convert(v)]));
      } else if (key === 'items') {
        out.items = this.convert(value as TSchema);
      } else if (key === 'additionalProperties') {
        out.additionalProperties = typeof value === 'boolean' ? value : this.convert(value as TSchema);
      } else if (key === 'patternProperties') {
        // A vAPI map (Type.Record with string keys): 3.0 has no patternProperties.
        const values = Object.values(value as Record<string, TSchema>);
        if (values.length !== 1) throw new Error('only single-pattern maps are supported');
        out.additionalProperties = this.convert(values[0]);
      } else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf') {
        out[key] = (value as TSchema[]).map((v) => this.convert(v));
      } else if (key === 'not') {
        out.not = this.convert(value as TSchema);
      } else if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') {
        // JSON Schema's numeric form -> 3.0's boolean form.
        if (typeof value === 'number') {
          out[key === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = value;
          out[key] = true;
        } else out[key] = value;
      } else if (key in EXTENSIONS) {
        const x = EXTENSIONS[key];
        if (x && key !== 'vapi') out[x] = value;
      } else if (key === 'examples' && Array.isArray(value) && value.length > 0) {
        out.example = value[0];
      }
      // Anything else (`$id`, `$schema`, TypeBox internals) is dropped.
    }
    if (Array.isArray(out.type)) Object.assign(out, typeArray(out.type as string[]));
    if (s.secret === true) out.format = 'password';
    if (s.opaque === true && out.description === undefined) out.description = 'Any value; its structure depends on the operation.';
    if (s.patternProperties !== undefined) out.type = 'object';
    return out;
  }
}

/** `type: [a, 'null']` -> `type: a, nullable`; several non-null types -> anyOf. */
function typeArray(types: string[]): Json {
  const nonNull = types.filter((t) => t !== 'null');
  const nullable = nonNull.length !== types.length ? { nullable: true } : {};
  if (nonNull.length === 1) return { type: nonNull[0], ...nullable };
  return { type: undefined, anyOf: nonNull.map((t) => ({ type: t })), ...nullable };
}

/** Facts the document states that the wire schemas leave open. */
const ENRICH: Record<string, (component: Json) => void> = {
  // The error kinds this server reports (errors.ts), which error responses name.
  [ErrorSchema.vapi as string]: (c) => {
    (c.properties as Record<string, Json>).error_type = { type: 'string', enum: Object.keys(ERROR_STATUS) };
  },
};

function ref(name: string): Json {
  return { $ref: `#/components/schemas/${name}` };
}

const ERROR_COMPONENT = vapiTypeName(ErrorSchema.vapi as string);

/** What each error status means here, and which `error_type` values it carries. */
const ERROR_TEXT: Record<number, string> = {
  400: 'The input is invalid (a field named in the message), or the request is not allowed in the current state.',
  401: 'No valid credentials: send HTTP Basic credentials or a `vmware-api-session-id` session token.',
  403: 'The caller lacks a privilege on an object the operation touches; the message names it.',
  404: 'An object named by an identifier in the request does not exist.',
  500: 'An internal error; the server log has the details.',
};

function errorKinds(status: number): ErrorKind[] {
  return (Object.keys(ERROR_STATUS) as ErrorKind[]).filter((k) => ERROR_STATUS[k] === status);
}

function errorResponse(status: number): Json {
  const kinds = errorKinds(status).map((k) => `\`${k}\``);
  return {
    description: `${ERROR_TEXT[status]} \`error_type\` is ${kinds.length === 1 ? kinds[0] : `one of ${kinds.join(', ')}`}.`,
    content: { [JSON_TYPE]: { schema: ref(ERROR_COMPONENT) } },
  };
}

/** The error statuses the pipeline can produce for this operation, derived from its definition. */
export function errorStatusesOf(op: Operation): number[] {
  const statuses = [401];
  const hasInput = Object.keys(op.input.properties ?? {}).length > 0;
  if (hasInput) statuses.push(400);
  if (op.authorize) statuses.push(403);
  if ((op.ids ?? []).length > 0) statuses.push(404);
  statuses.push(500);
  return statuses.sort((a, b) => a - b);
}

function securityOf(op: Operation): Json[] {
  switch (op.auth ?? 'any') {
    case 'password':
      return [{ basic_auth: [] }];
    case 'session':
      return [{ api_key_auth: [] }];
    default:
      return [{ basic_auth: [] }, { api_key_auth: [] }];
  }
}

function isRequired(object: TObject, field: string): boolean {
  return (object.required ?? []).includes(field);
}

function describeOperation(op: Operation): string {
  const lines = [`vAPI operation \`${operationKey(op)}\`, available since vSphere API ${op.since === 'sim' ? '(simulation only)' : op.since}.`];
  if (op.rest.task) {
    lines.push(
      'Runs as a task: the request needs `vmw-task=true` and the reply (202) is the task identifier; follow the task with ' +
        '`GET /api/snapservice/tasks/{task}` (or `GET /api/cis/tasks/{task}`).',
    );
    if (op.taskResult) lines.push('On success the task `result` has the schema given in `x-vapi-task-result`.');
  }
  if (op.rest.body && op.rest.bodyWrapped) {
    lines.push(`The \`${op.rest.body}\` structure may also be sent as the JSON body, bare or wrapped as \`{"${op.rest.body}": {...}}\`; members given in both places are merged.`);
  }
  if (op.rest.query?.length) {
    lines.push(`Members of ${op.rest.query.map((f) => `\`${f}\``).join(', ')} are read from the query string (arrays as repeated keys); \`${op.rest.query[0]}.<member>\` is accepted too.`);
  }
  if (op.since === 'sim') lines.push('Served only when the server runs with `--sim`; not part of the vendor API.');
  return lines.join('\n\n');
}

function buildOperation(op: Operation, schemas: SchemaRegistry): Json {
  const props = (op.input.properties ?? {}) as Record<string, TSchema>;
  const covered = new Set<string>();
  const parameters: Json[] = [];

  for (const match of op.rest.path.matchAll(/\{(\w+)\}/g)) {
    const name = match[1];
    const schema = props[name];
    if (!schema) throw new Error(`${operationKey(op)}: path parameter {${name}} is not an input field`);
    covered.add(name);
    parameters.push({
      name, in: 'path', required: true,
      description: (schema as Json).description ?? `Identifier of the \`${name}\`.`,
      schema: schemas.convert(schema),
    });
  }

  for (const field of op.rest.query ?? []) {
    const struct = props[field] as TObject | undefined;
    if (!struct || struct.type !== 'object') throw new Error(`${operationKey(op)}: query field ${field} is not a structure`);
    covered.add(field);
    const fieldRequired = isRequired(op.input, field);
    for (const [member, schema] of Object.entries(struct.properties as Record<string, TSchema>)) {
      const p: Json = {
        name: member, in: 'query',
        required: fieldRequired && isRequired(struct, member),
        description: (schema as Json).description ?? `Member \`${member}\` of \`${field}\` (${vapiTypeName(String((struct as Json).vapi))}).`,
        schema: schemas.convert(schema),
      };
      if ((schema as Json).type === 'array') Object.assign(p, { style: 'form', explode: true });
      parameters.push(p);
    }
  }

  let requestBody: Json | undefined;
  const remaining = Object.keys(props).filter((k) => !covered.has(k));
  if (op.rest.bodyFields) {
    const bodyProps = Object.fromEntries(remaining.map((k) => [k, schemas.convert(props[k])]));
    const required = remaining.filter((k) => isRequired(op.input, k));
    remaining.forEach((k) => covered.add(k));
    requestBody = {
      required: required.length > 0,
      description: 'The operation parameters as the members of one JSON object.',
      content: { [JSON_TYPE]: { schema: { type: 'object', additionalProperties: false, properties: bodyProps, ...(required.length ? { required } : {}) } } },
    };
  } else if (op.rest.body) {
    const field = op.rest.body;
    if (!props[field]) throw new Error(`${operationKey(op)}: body field ${field} is not an input field`);
    covered.add(field);
    // A DELETE body has no defined meaning in OpenAPI 3.0: the query form documents it.
    if (op.rest.method !== 'DELETE') {
      requestBody = {
        required: isRequired(op.input, field),
        description: `The \`${field}\` parameter.`,
        content: { [JSON_TYPE]: { schema: schemas.convert(props[field]) } },
      };
    }
  }
  const uncovered = Object.keys(props).filter((k) => !covered.has(k));
  if (uncovered.length) throw new Error(`${operationKey(op)}: input fields ${uncovered.join(', ')} have no REST binding`);

  const status = successStatusOf(op);
  const responses: Json = {};
  for (const s of errorStatusesOf(op)) responses[String(s)] = errorResponse(s);
  if (op.rest.task) {
    responses['202'] = { description: 'The task was started; the body is its identifier.', content: { [JSON_TYPE]: { schema: { type: 'string' } } } };
  } else if (op.output) {
    responses[String(status)] = { description: 'The result.', content: { [JSON_TYPE]: { schema: schemas.convert(op.output) } } };
  } else {
    responses[String(status)] = { description: 'Done; no content.' };
  }

  const operation: Json = {
    tags: [vapiTypeName(op.service)],
    summary: op.name.replace(/\$task$/, ' (task)').replace(/_/g, ' '),
    description: describeOperation(op),
    operationId: operationIdOf(op),
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
    security: securityOf(op),
    'x-vapi-operation': operationKey(op),
    'x-vapi-since': op.since,
  };
  if (op.taskResult) operation['x-vapi-task-result'] = schemas.convert(op.taskResult);
  return operation;
}

/** Snapservice first, then the cis and vCenter operations its clients use, simulation last. */
function groupRank(op: Operation): number {
  if (op.service.startsWith('com.vmware.snapservice.sim.')) return 3;
  if (op.service.startsWith('com.vmware.snapservice.')) return 0;
  if (op.service.startsWith('com.vmware.cis.')) return 1;
  return 2;
}

/** The OpenAPI document of `operations` (what allOperations(config) serves). */
export function buildOpenApi(operations: readonly Operation[], opts: OpenApiOptions): Json {
  const schemas = new SchemaRegistry();
  schemas.convert(ErrorSchema);

  const paths: Record<string, Record<string, Json>> = {};
  const tags = new Map<string, Json>();
  const notServed: Json[] = [];
  const ordered = operations.map((op, i) => ({ op, i })).sort((a, b) => groupRank(a.op) - groupRank(b.op) || a.i - b.i);
  for (const { op } of ordered) {
    const key = pathKeyOf(op);
    const method = op.rest.method.toLowerCase();
    if (opts.notServed?.(op)) {
      notServed.push({ operation: operationKey(op), operationId: operationIdOf(op), since: op.since, method: op.rest.method, path: key });
      continue;
    }
    const item = (paths[key] ??= {});
    const existing = item[method];
    if (existing) {
      // One route, one action, one task flag: REST reaches both through the same request and
      // the operation itself tells them apart. Document the route once, naming both.
      existing['x-vapi-also'] = [...((existing['x-vapi-also'] as string[] | undefined) ?? []), operationKey(op)];
      existing.description = `${existing.description as string}\n\nThe same request also reaches \`${operationKey(op)}\`, which other query values select.`;
      continue;
    }
    item[method] = buildOperation(op, schemas);
    const tag = vapiTypeName(op.service);
    if (!tags.has(tag)) {
      tags.set(tag, {
        name: tag,
        description: tag.startsWith(SIM_TAG_PREFIX)
          ? `Simulation controls (\`${op.service}\`), served only with \`--sim\`: not part of the vendor API.`
          : `Operations of the vAPI service \`${op.service}\`.`,
        ...(tag.startsWith(SIM_TAG_PREFIX) ? { 'x-simulation': true } : {}),
      });
    }
  }

  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'Snapservice',
      version: opts.serverVersion,
      description:
        `A stateful server of the vSphere Snapservice API (vSAN Data Protection), serving the vSphere API ${opts.apiRelease} surface ` +
        'and the vCenter and session operations its clients use. This document is generated from the operation definitions the ' +
        'server dispatches on, and is public: `GET /api/openapi.json`; a browsable page is at `/docs`.\n\n' +
        'Authenticate with HTTP Basic, or create a session (`POST /api/session` or `POST /api/snapservice/sessions`) and send its ' +
        'token in the `vmware-api-session-id` header. Errors are vAPI standard errors: a JSON body with `error_type` and `messages`.',
      'x-vsphere-api-release': opts.apiRelease,
    },
    servers: [{ url: API_PREFIX, description: 'This server' }],
    tags: [...tags.values()],
    paths,
    ...(notServed.length ? { 'x-not-served': notServed } : {}),
    components: {
      schemas: schemas.components,
      securitySchemes: {
        basic_auth: { type: 'http', scheme: 'basic', description: 'HTTP Basic with a vSphere user name and password.' },
        api_key_auth: { type: 'apiKey', in: 'header', name: 'vmware-api-session-id', description: 'A session token from a session create operation.' },
      },
    },
  };
}
