/**
 * One operation definition -> its OpenAPI Operation Object: operationId and path key in the
 * vendor's spelling, parameters (path and query), request body, responses (the success status
 * rest.ts answers and the error statuses the pipeline can produce) and security.
 */
import type { TObject, TSchema } from '@sinclair/typebox';
import { ERROR_STATUS, type ErrorKind } from '../../errors.ts';
import { operationKey, type Operation } from '../operation.ts';
import { ErrorSchema } from '../wire.ts';
import { ref, vapiTypeName, type Json, type SchemaRegistry } from './schemas.ts';

export const API_PREFIX = '/api';
const JSON_TYPE = 'application/json';

/** `com.vmware.snapservice.clusters.virtual_machines` + `revert$task` -> `Snapservice.Clusters.VirtualMachines_revert$Task`. */
export function operationIdOf(op: Pick<Operation, 'service' | 'name'>): string {
  const [base, suffix] = op.name.split('$');
  const camel = base.replace(/_([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
  const name = suffix === undefined ? camel : `${camel}$${suffix.charAt(0).toUpperCase()}${suffix.slice(1)}`;
  return `${vapiTypeName(op.service)}_${name}`;
}

/** The document's path key: relative to `/api`, with the `action`/`vmw-task` query part. */
export function pathKeyOf(op: Pick<Operation, 'rest'>): string {
  const { path, action, task, select } = op.rest;
  if (!path.startsWith(`${API_PREFIX}/`)) throw new Error(`operation path ${path} is not under ${API_PREFIX}`);
  const query = [
    ...(action !== undefined ? [`action=${action}`] : []),
    ...Object.entries(select ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(task ? ['vmw-task=true'] : []),
  ];
  return path.slice(API_PREFIX.length) + (query.length ? `?${query.join('&')}` : '');
}

/** Success status as rest.ts answers it. */
export function successStatusOf(op: Pick<Operation, 'rest' | 'output'>): number {
  if (op.rest.task) return 202;
  if (op.rest.status !== undefined) return op.rest.status;
  return op.output === undefined && op.rest.method === 'DELETE' ? 204 : 200;
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

export function buildOperation(op: Operation, schemas: SchemaRegistry): Json {
  const props = (op.input.properties ?? {}) as Record<string, TSchema>;
  const covered = new Set<string>();
  const parameters: Json[] = [];

  for (const match of op.rest.path.matchAll(/\{(\w+)\}/g)) {
    const name = match[1];
    const field = op.rest.params?.[name] ?? name;
    const schema = props[field];
    if (!schema) throw new Error(`${operationKey(op)}: path parameter {${name}} is not an input field`);
    covered.add(field);
    parameters.push({
      name, in: 'path', required: true,
      description: (schema as Json).description ?? `Identifier of the \`${field}\`.`,
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
