import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../context.ts';
import { SSO_DOMAIN } from '../../sts/assertion.ts';
import { originOf, STS_PATH } from '../../access/saml.ts';
import { envelope, faultEnvelope, StsFault } from '../../sts/faults.ts';
import { parseRequest, type StsRequest } from '../../sts/request.ts';
import type { VapiError } from '../../errors.ts';
import type { CallPoint } from '../../faults/rules.ts';
import { attachEntry } from '../../journal/journal.ts';
import { summarize } from '../../journal/redact.ts';
import { answer } from './service.ts';

const XML_TYPE = 'text/xml; charset=utf-8';

/**
 * How fault rules and the journal name STS calls: a pseudo service whose operations are the
 * WS-Trust request types, at the STS paths.
 */
export const STS_SERVICE = 'com.vmware.cis.sts';
const STS_OPERATIONS = ['issue', 'renew', 'validate'];
export const STS_CALL_POINTS: CallPoint[] = STS_OPERATIONS.flatMap((operation) =>
  [STS_PATH, `${STS_PATH}/{domain}`].map((path) => ({ service: STS_SERVICE, operation, method: 'POST', path, task: false, objects: [] })));

/**
 * vCenter Single Sign-On's Security Token Service: SOAP 1.1 WS-Trust 1.3 at /sts/STSService
 * and /sts/STSService/vsphere.local. Every refusal is a SOAP fault with HTTP 500, as SOAP 1.1
 * wants; a domain other than vsphere.local is 404, as on vCenter.
 */
export function registerSts(app: FastifyInstance, deps: Deps): void {
  app.register(async (scope) => {
    // SOAP bodies are XML whatever content type a client names; this scope reads them as text.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err, req, reply) => {
      const status = (err as { statusCode?: number }).statusCode ?? 500;
      if (status === 413) return fault(reply, new StsFault('wst:InvalidRequest', 'The request body is larger than the server accepts.'));
      if (status >= 400 && status < 500) return fault(reply, new StsFault('wst:InvalidRequest', err instanceof Error ? err.message : 'The HTTP request is malformed.'));
      req.log.error({ err }, 'sts: unexpected error');
      return fault(reply, new StsFault('wst:RequestFailed'));
    });
    scope.post(STS_PATH, { config: { protocol: 'sts' } }, (req, reply) => deps.inflight.run(() => handle(deps, req, reply)));
    scope.post(`${STS_PATH}/:domain`, { config: { protocol: 'sts' } }, (req, reply) => {
      const { domain } = req.params as { domain: string };
      if (domain.toLowerCase() !== SSO_DOMAIN) {
        return reply.code(404).type('text/plain; charset=utf-8').send(`No SSO domain '${domain.slice(0, 100)}': this STS serves ${SSO_DOMAIN}.\n`);
      }
      return deps.inflight.run(() => handle(deps, req, reply));
    });
  });
}

async function handle(deps: Deps, req: FastifyRequest, reply: FastifyReply) {
  const entry = deps.journal.enabled
    ? attachEntry(req, deps.journal.begin({ time: deps.clock.now(), protocol: 'STS', method: req.method, path: req.url.split('?')[0] }))
    : undefined;
  try {
    const body = typeof req.body === 'string' ? req.body : '';
    if (body.trim() === '') throw new StsFault('wst:InvalidRequest', 'The request has no body: send a SOAP envelope with a wst:RequestSecurityToken.');
    const request = parseRequest(body);
    const operation = request.type.toLowerCase();
    if (entry) {
      entry.operation = `${STS_SERVICE}.${operation}`;
      entry.user = request.username?.user;
      // Never the envelope: it holds the password or the assertion.
      entry.input = summarize({ request_type: request.type, renewable: request.renewable, delegatable: request.delegatable });
    }
    await injectFaults(deps, req, request, operation);
    const xml = await answer(deps, request, originOf(req), req.ip);
    return reply.code(200).type(XML_TYPE).send(envelope(xml));
  } catch (err) {
    if (err instanceof StsFault) {
      req.log.info({ fault: err.code, reason: err.message }, 'sts: request refused');
      if (entry) entry.error = err.code;
      return fault(reply, err);
    }
    req.log.error({ err }, 'sts: unexpected error');
    if (entry) entry.error = 'wst:RequestFailed';
    return fault(reply, new StsFault('wst:RequestFailed'));
  }
}

/**
 * Fault rules for the STS. Its user is the one the request names (the check of the password
 * comes after): an injected error is answered as the SOAP fault closest to its vAPI kind.
 */
async function injectFaults(deps: Deps, req: FastifyRequest, request: StsRequest, operation: string): Promise<void> {
  if (deps.faults.empty) return;
  const path = req.url.split('?')[0].toLowerCase() === STS_PATH.toLowerCase() ? STS_PATH : `${STS_PATH}/{domain}`;
  const decided = deps.faults.onCall({ service: STS_SERVICE, operation, method: 'POST', path, task: false, user: request.username?.user, objects: [] });
  if (decided.delayMs > 0) {
    deps.faults.delayStarted();
    await deps.clock.sleep(decided.delayMs);
  }
  if (decided.error) throw stsFaultOf(decided.error);
}

function stsFaultOf(e: VapiError): StsFault {
  if (e.kind === 'UNAUTHENTICATED' || e.kind === 'UNAUTHORIZED') return new StsFault('wst:FailedAuthentication', e.message);
  if (e.kind === 'INVALID_ARGUMENT' || e.kind === 'INVALID_REQUEST') return new StsFault('wst:InvalidRequest', e.message);
  return new StsFault('wst:RequestFailed', e.message);
}

function fault(reply: FastifyReply, f: StsFault) {
  return reply.code(500).type(XML_TYPE).send(faultEnvelope(f));
}
