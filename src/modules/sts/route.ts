import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../context.ts';
import { SSO_DOMAIN } from '../../sts/assertion.ts';
import { originOf, STS_PATH } from '../../access/saml.ts';
import { envelope, faultEnvelope, StsFault } from '../../sts/faults.ts';
import { parseRequest } from '../../sts/request.ts';
import { answer } from './service.ts';

const XML_TYPE = 'text/xml; charset=utf-8';

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
    scope.post(STS_PATH, { config: { protocol: 'sts' } }, (req, reply) => handle(deps, req, reply));
    scope.post(`${STS_PATH}/:domain`, { config: { protocol: 'sts' } }, (req, reply) => {
      const { domain } = req.params as { domain: string };
      if (domain.toLowerCase() !== SSO_DOMAIN) {
        return reply.code(404).type('text/plain; charset=utf-8').send(`No SSO domain '${domain.slice(0, 100)}': this STS serves ${SSO_DOMAIN}.\n`);
      }
      return handle(deps, req, reply);
    });
  });
}

async function handle(deps: Deps, req: FastifyRequest, reply: FastifyReply) {
  try {
    const body = typeof req.body === 'string' ? req.body : '';
    if (body.trim() === '') throw new StsFault('wst:InvalidRequest', 'The request has no body: send a SOAP envelope with a wst:RequestSecurityToken.');
    const xml = await answer(deps, parseRequest(body), originOf(req), req.ip);
    return reply.code(200).type(XML_TYPE).send(envelope(xml));
  } catch (err) {
    if (err instanceof StsFault) {
      req.log.info({ fault: err.code, reason: err.message }, 'sts: request refused');
      return fault(reply, err);
    }
    req.log.error({ err }, 'sts: unexpected error');
    return fault(reply, new StsFault('wst:RequestFailed'));
  }
}

function fault(reply: FastifyReply, f: StsFault) {
  return reply.code(500).type(XML_TYPE).send(faultEnvelope(f));
}
