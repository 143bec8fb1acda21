import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Config } from '../../src/config/config.ts';
import { allOperations } from '../../src/modules/index.ts';
import type { Operation } from '../../src/vapi/operation.ts';
import { USERS, type TestApp, type Who } from '../helpers/app.ts';
import { errorToNative, readReply, toNative, type NativeError, type Reply } from './runtime.ts';

export const OPS = allOperations({ sim: true, release: '9.1' });

/** An operation as `release` defines it (the latest unless told). */
export function opOf(service: string, operation: string, release: Config['release'] = '9.1'): Operation {
  const ops = release === '9.1' ? OPS : allOperations({ sim: true, release });
  const op = ops.find((o) => o.service === service && o.name === operation);
  if (!op) throw new Error(`no operation ${service}.${operation}`);
  return op;
}

/** Typed JSON builders, as the runtime writes them. */
export const S = (name: string, fields: Record<string, unknown>) => ({ STRUCTURE: { [name]: fields } });
export const O = (v: unknown = null) => ({ OPTIONAL: v });
export const input = (fields: Record<string, unknown> = {}) => S('operation-input', fields);

export type Security = Record<string, unknown> | undefined;
export const userPass = (who: Who): Security => ({ schemeId: 'com.vmware.vapi.std.security.user_pass', userName: USERS[who].user, password: USERS[who].password });
export const sessionId = (token: string): Security => ({ schemeId: 'com.vmware.vapi.std.security.session_id', sessionId: token });

let counter = 0;

export interface RpcResult {
  res: LightMyRequestResponse;
  reply: Reply;
  id: string;
}

/** One invoke, as the runtime sends it (headers included); the reply read as the runtime reads it.
 * `path`: /api (8.0.3) or /snapservice (9.0). */
export async function rpc(t: TestApp, service: string, operation: string, fields: Record<string, unknown>, sec: Security, path = '/api'): Promise<RpcResult> {
  const id = String(counter++);
  const opId = `op-${id}`;
  const body = {
    jsonrpc: '2.0', method: 'invoke',
    params: { serviceId: service, operationId: operation, input: input(fields), ctx: { appCtx: { opId }, ...(sec ? { securityCtx: sec } : {}) } },
    id,
  };
  const res = await t.app.inject({
    method: 'POST', url: path, payload: JSON.stringify(body),
    headers: { 'content-type': 'application/json', 'vapi-service': service, 'vapi-operation': operation, 'vapi-ctx-opid': opId },
  });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return { res, reply: readReply(res.body, id), id };
}

/** The call's output converted to the operation's declared type (throws on a vAPI error). */
export async function call(t: TestApp, service: string, operation: string, fields: Record<string, unknown>, sec: Security, path?: string): Promise<any> {
  const { reply } = await rpc(t, service, operation, fields, sec, path);
  if (reply.error) throw new Error(`unexpected error: ${JSON.stringify(errorToNative(reply.error))}`);
  expect(reply.output).toBeDefined();
  const op = opOf(service, operation, t.runtime.deps.config.release);
  if (!op.output && op.name.endsWith('$task')) {
    expect(reply.output!.t).toBe('STRING');
    return (reply.output as { v: string }).v;
  }
  return toNative(op.output, reply.output!);
}

/** The call's vAPI error, checked to be of the kind given. */
export async function callError(t: TestApp, service: string, operation: string, fields: Record<string, unknown>, sec: Security, kind: string, path?: string): Promise<NativeError> {
  const { reply, res } = await rpc(t, service, operation, fields, sec, path);
  expect(reply.output, JSON.stringify(reply)).toBeUndefined();
  const e = errorToNative(reply.error!);
  expect(e.name).toBe(`com.vmware.vapi.std.errors.${kind.toLowerCase()}`);
  expect(e.error_type).toBe(kind);
  expect(res.headers['vapi-error']).toBe(e.name);
  return e;
}
