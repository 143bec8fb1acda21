import type { Credentials } from '../../access/authn.ts';
import { errors, type VapiError } from '../../errors.ts';
import { Fault } from './errors.ts';
import { parseDataValue, type StructValue } from './values.ts';

export type JsonRpcId = string | number | null;

/** One `invoke` call, read from its envelope. */
export interface Invocation {
  id: JsonRpcId;
  serviceId: string;
  operationId: string;
  input: StructValue;
  /** `ctx.securityCtx`, if any. */
  security?: Record<string, unknown>;
  /** `ctx.appCtx.opId`, if any. */
  opId?: string;
}

export const USER_PASS = 'com.vmware.vapi.std.security.user_pass';
export const SESSION_ID = 'com.vmware.vapi.std.security.session_id';
export const SAML_BEARER = 'com.vmware.vapi.std.security.saml_bearer_token';
export const SAML_HOK = 'com.vmware.vapi.std.security.saml_hok_token';

/**
 * Reads a JSON-RPC 2.0 request, in the order the runtime's server does: the request object
 * (-32600), then the method (-32601), then the params of `invoke` (-32602). `seen.id` is set
 * as soon as the id is known, so that the faults after that point can echo it.
 */
export function readEnvelope(body: unknown, seen: { id: JsonRpcId }): Invocation {
  if (Array.isArray(body)) throw Fault.invalidRequest('batch requests are not supported: send one request per HTTP request');
  if (!isObject(body)) throw Fault.invalidRequest('the request must be a JSON object');
  if (!('id' in body)) {
    throw Fault.invalidRequest('notifications (requests without an id) are not supported: every vAPI call has a reply, so give the request an id');
  }
  const id = body.id;
  if (id !== null && typeof id !== 'string' && typeof id !== 'number') throw Fault.invalidRequest('id must be a string, a number or null');
  seen.id = id;
  if (body.jsonrpc !== '2.0') throw Fault.invalidRequest('jsonrpc must be "2.0"');
  if (typeof body.method !== 'string') throw Fault.invalidRequest('method must be a string');
  const params = body.params;
  if (params !== undefined && params !== null && typeof params !== 'object') throw Fault.invalidRequest('params must be an object');
  if (body.method !== 'invoke') throw Fault.methodNotFound(`the only method is "invoke", not ${JSON.stringify(body.method).slice(0, 200)}`);

  if (!isObject(params)) throw Fault.invalidParams('params must be an object {serviceId, operationId, input, ctx}');
  const { serviceId, operationId, ctx } = params;
  if (typeof serviceId !== 'string' || serviceId === '') throw Fault.invalidParams('params.serviceId must be a non-empty string');
  if (typeof operationId !== 'string' || operationId === '') throw Fault.invalidParams('params.operationId must be a non-empty string');
  if (!('input' in params)) throw Fault.invalidParams('params.input is missing: send {"STRUCTURE":{"operation-input":{...}}}');
  const input = parseDataValue(params.input, 'params.input');
  if (input.type !== 'STRUCTURE') throw Fault.invalidParams('params.input must be a structure {"STRUCTURE":{"operation-input":{...}}}');

  if (ctx !== undefined && ctx !== null && !isObject(ctx)) throw Fault.invalidParams('params.ctx must be an object');
  const security = isObject(ctx) ? ctx.securityCtx : undefined;
  if (security !== undefined && security !== null && !isObject(security)) throw Fault.invalidParams('params.ctx.securityCtx must be an object');
  const app = isObject(ctx) ? ctx.appCtx : undefined;
  if (app !== undefined && app !== null && !isObject(app)) throw Fault.invalidParams('params.ctx.appCtx must be an object');
  const opId = isObject(app) && typeof app.opId === 'string' ? app.opId : undefined;

  return { id, serviceId, operationId, input, security: isObject(security) ? security : undefined, opId };
}

/**
 * The caller's credentials from the security context: `user_pass` is what HTTP Basic is to
 * REST, `session_id` what the `vmware-api-session-id` header is, `saml_bearer_token` what
 * `Authorization: SIGN` is. Another scheme cannot authenticate here: UNAUTHENTICATED, like
 * wrong credentials.
 */
export function credentialsFrom(security: Record<string, unknown> | undefined, sessionHeader: string | undefined): Credentials | VapiError {
  // The runtime's server lets the session header override the security context.
  if (sessionHeader) return { sessionToken: sessionHeader };
  if (!security) return {};
  const scheme = security.schemeId;
  if (scheme === USER_PASS) {
    const { userName, password } = security;
    if (typeof userName !== 'string' || typeof password !== 'string') {
      return errors.unauthenticated('The user_pass security context needs the string members userName and password.');
    }
    return { basic: { user: userName, password } };
  }
  if (scheme === SESSION_ID) {
    const { sessionId } = security;
    if (typeof sessionId !== 'string') return errors.unauthenticated('The session_id security context needs the string member sessionId.');
    return { sessionToken: sessionId };
  }
  if (scheme === SAML_BEARER) {
    const { samlToken } = security;
    if (typeof samlToken !== 'string') return errors.unauthenticated('The saml_bearer_token security context needs the string member samlToken (the saml2:Assertion XML).');
    return { samlToken };
  }
  if (scheme === SAML_HOK) return errors.unauthenticated(`Holder-of-key SAML tokens are not supported: use ${SAML_BEARER}.`);
  return errors.unauthenticated(
    `Authentication scheme ${JSON.stringify(scheme ?? null).slice(0, 200)} is not supported: use ${USER_PASS}, ${SESSION_ID} or ${SAML_BEARER}.`,
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
