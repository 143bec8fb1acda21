import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors, VapiError } from '../errors.ts';

/** Fastify's own 4xx errors (body too large, bad URL...) as vAPI errors. */
function fromFastify(err: FastifyError): VapiError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.invalidRequest('The request body is larger than the server accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.invalidRequest(err.message);
    case 'FST_ERR_BAD_URL':
      return errors.invalidRequest('The request URL is malformed.');
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return errors.invalidRequest(err.message);
  return undefined;
}

/**
 * The one place where errors become responses. A VapiError keeps its kind; anything else that
 * reaches here is our fault: logged with its stack, answered as a bare ERROR with no detail.
 */
export function handleError(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  let e = err instanceof VapiError ? err : fromFastify(err);
  if (!e) {
    req.log.error({ err }, 'unexpected error');
    e = errors.internal();
  }
  if (e.kind === 'UNAUTHENTICATED') reply.header('www-authenticate', e.challenge ?? 'Basic realm="snapservice"');
  return reply.code(e.status).type('application/json').send(JSON.stringify(e.toBody()));
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((req, reply) => {
    const e = errors.operationNotFound(`No operation at ${req.method} ${req.url.split('?')[0].slice(0, 200)}.`);
    return reply.code(e.status).type('application/json').send(JSON.stringify(e.toBody()));
  });
}
