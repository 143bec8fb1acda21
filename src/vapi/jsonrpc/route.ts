import type { TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../context.ts';
import { originOf, withSignChallenge } from '../../access/saml.ts';
import { drainBody } from '../../http/errors.ts';
import { MALFORMED } from '../body.ts';
import { MAX_DEPTH, nestsDeeperThan } from '../depth.ts';
import { errors, VapiError } from '../../errors.ts';
import { attachEntry, type JournalEntry } from '../../journal/journal.ts';
import { invoke } from '../invoke.ts';
import { journalInput } from '../rest.ts';
import { operationKey, type Operation } from '../operation.ts';
import { noteError, noteOperation } from '../trace.ts';
import { decode } from './decode.ts';
import { encode, encodeError, type EncodeOptions } from './encode.ts';
import { credentialsFrom, readEnvelope, type JsonRpcId } from './envelope.ts';
import { Fault } from './errors.ts';
import { VOID, writeDataValue, type DataValue } from './values.ts';

/** The 8.0.3 appliance serves JSON-RPC at /api; 9.0 moved it to /snapservice. Both are served. */
export const JSONRPC_PATHS = ['/api', '/snapservice'] as const;
const RAW = Symbol('jsonrpc-raw-body');
// The envelope and the typed-value wrappers ({"STRUCTURE": {"<name>": {...}}}) put a few JSON
// levels around each vAPI level; the value parser counts vAPI levels against MAX_DEPTH.
const MAX_JSON_LEVELS = 4 * MAX_DEPTH;

/** The operations by vAPI service and operation id, and the task result types. */
export class Registry {
  private readonly ops = new Map<string, Operation>();
  private readonly services = new Set<string>();

  constructor(operations: readonly Operation[]) {
    for (const op of operations) {
      this.ops.set(operationKey(op), op);
      this.services.add(op.service);
    }
  }

  hasService(service: string): boolean {
    return this.services.has(service);
  }

  find(service: string, operation: string): Operation | undefined {
    return this.ops.get(`${service}.${operation}`);
  }

  /** What a task's `result` holds: the `taskResult` of the `$task` operation that started it. */
  readonly encodeOptions: EncodeOptions = {
    taskResult: (service, operation): TSchema | undefined => this.find(service, `${operation}$task`)?.taskResult,
  };
}

/** The typed output of a successful call. */
export function encodeOutput(op: Operation, result: unknown, opts: EncodeOptions): DataValue {
  if (op.output) return encode(op.output, result, opts);
  if (op.name.endsWith('$task')) return { type: 'STRING', value: String(result) };
  return VOID;
}

/**
 * POST /api and /snapservice: vAPI JSON-RPC 2.0 (docs/jsonrpc.md). The same operations, checks and state as
 * REST, through the same pipeline (`invoke`); only the encoding differs. Every reply is HTTP
 * 200 with a JSON body, as the runtime's client treats any other status as a transport failure.
 */
export function registerJsonRpc(app: FastifyInstance, deps: Deps, operations: readonly Operation[]): void {
  const registry = new Registry(operations);
  app.register(async (scope) => {
    // This scope reads every body as text, whatever its content type, and parses it itself:
    // a body that is not JSON is a JSON-RPC parse error, not a REST error.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, { [RAW]: body as string }));
    // Errors Fastify raises before the handler (a body over the limit) are faults too.
    scope.setErrorHandler(async (err, req, reply) => {
      await drainBody(req.raw, reply);
      const status = (err as { statusCode?: number }).statusCode ?? 500;
      if (status === 413) return send(reply, null, { error: Fault.invalidRequest('the request body is larger than the server accepts') });
      if (status >= 400 && status < 500) return send(reply, null, { error: Fault.invalidRequest(err instanceof Error ? err.message : 'the HTTP request is malformed') });
      req.log.error({ err }, 'jsonrpc: unexpected error');
      return send(reply, null, { error: Fault.internal() });
    });
    for (const path of JSONRPC_PATHS) scope.post(path, { config: { protocol: 'jsonrpc' } }, (req, reply) => handle(deps, registry, req, reply));
  });
}

async function handle(deps: Deps, registry: Registry, req: FastifyRequest, reply: FastifyReply) {
  const seen: { id: JsonRpcId } = { id: null };
  try {
    const body = parseBody(req.body);
    const call = readEnvelope(body, seen);
    checkHeaders(req, call.serviceId, call.operationId);
    const opId = header(req, 'vapi-ctx-opid') ?? call.opId;
    const log = req.log.child({ opId, service: call.serviceId, operation: call.operationId });
    log.debug('jsonrpc invoke');

    const op = registry.find(call.serviceId, call.operationId);
    // The control plane's own calls (journal, fault rules) stay out of the journal.
    const entry = deps.journal.enabled && !op?.control
      ? attachEntry(req, deps.journal.begin({ time: deps.clock.now(), protocol: 'JSON-RPC', method: req.method, path: req.url.split('?')[0], operation: `${call.serviceId}.${call.operationId}` }))
      : undefined;
    if (!op) {
      const why = registry.hasService(call.serviceId)
        ? `Service '${call.serviceId}' has no operation '${call.operationId}'.`
        : `Service '${call.serviceId}' does not exist.`;
      return sendError(reply, call.id, errors.operationNotFound(why), entry);
    }
    noteOperation(req, 'jsonrpc', operationKey(op));
    const creds = credentialsFrom(call.security, header(req, 'vmware-api-session-id'));
    if (creds instanceof VapiError) return sendError(reply, call.id, (await withSignChallenge(deps, creds, originOf(req))) as VapiError, entry);

    const problems: VapiError[] = [];
    const values = decode(op.input, call.input, problems, 'input') as Record<string, unknown>;
    if (entry) journalInput(entry, op, values);
    try {
      const { result } = await invoke(deps, op, creds, { values, problems }, { requestId: opId ?? req.id, clientAddress: req.ip, journal: entry });
      if (entry && op.name.endsWith('$task') && typeof result === 'string') entry.task = result;
      return send(reply, call.id, { output: encodeOutput(op, result, registry.encodeOptions) });
    } catch (err) {
      if (err instanceof VapiError) return sendError(reply, call.id, (await withSignChallenge(deps, err, originOf(req))) as VapiError, entry);
      log.error({ err }, 'jsonrpc: operation failed unexpectedly');
      return sendError(reply, call.id, errors.internal(), entry);
    }
  } catch (err) {
    if (err instanceof Fault) return send(reply, err.hidesId ? null : seen.id, { error: err });
    req.log.error({ err }, 'jsonrpc: unexpected error');
    return send(reply, seen.id, { error: Fault.internal() });
  }
}

function parseBody(body: unknown): unknown {
  if (body === null || typeof body !== 'object') throw Fault.parse('the request body is empty');
  if (MALFORMED in body) throw Fault.parse('the request body is not JSON');
  const text = (body as { [RAW]?: string })[RAW];
  if (text === undefined) return body;
  if (nestsDeeperThan(text, MAX_JSON_LEVELS)) throw Fault.invalidParams(`the request nests more than ${MAX_JSON_LEVELS} levels deep`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw Fault.parse(`the request body is not JSON: ${(e as Error).message}`);
  }
}

/** The runtime's server checks the informational headers against the body when they are sent. */
function checkHeaders(req: FastifyRequest, serviceId: string, operationId: string): void {
  const service = header(req, 'vapi-service');
  const operation = header(req, 'vapi-operation');
  if ((service !== undefined && service !== serviceId) || (operation !== undefined && operation !== operationId)) {
    throw Fault.invalidParams(`the vapi-service / vapi-operation headers (${service} / ${operation}) do not match params (${serviceId} / ${operationId})`);
  }
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A vAPI error as `result.error` (UNAUTHENTICATED with its challenge: where to get a token). */
function sendError(reply: FastifyReply, id: JsonRpcId, e: VapiError, entry?: JournalEntry) {
  if (entry) entry.error = e.kind;
  noteError(reply.request, e.kind);
  const value = encodeError(e.toBody());
  reply.header('vapi-error', (value as { name: string }).name);
  return send(reply, id, { vapiError: value });
}

function send(reply: FastifyReply, id: JsonRpcId, r: { output?: DataValue; vapiError?: DataValue; error?: Fault }) {
  const head = `{"jsonrpc":"2.0","id":${JSON.stringify(id)}`;
  let text: string;
  if (r.error) {
    noteError(reply.request, 'fault');
    text = `${head},"error":${JSON.stringify(r.error.toJson())}}`;
  }
  else if (r.vapiError) text = `${head},"result":{"error":${writeDataValue(r.vapiError)}}}`;
  else text = `${head},"result":{"output":${writeDataValue(r.output ?? VOID)}}}`;
  return reply.code(200).type('application/json').send(text);
}
