import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { errors, VapiError } from '../errors.ts';
import { entryOf } from '../journal/journal.ts';
import { noteError } from '../vapi/trace.ts';

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
export async function handleError(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  let e = err instanceof VapiError ? err : fromFastify(err);
  if (!e) {
    req.log.error({ err }, 'unexpected error');
    e = errors.internal();
  }
  const entry = entryOf(req);
  if (entry) entry.error = e.kind;
  noteError(req, e.kind);
  await drainBody(req.raw, reply);
  if (e.kind === 'UNAUTHENTICATED') reply.header('www-authenticate', e.challenge ?? 'Basic realm="snapservice"');
  return reply.code(e.status).type('application/json').send(JSON.stringify(e.toBody()));
}

/**
 * A request refused before its body was read (one over the size limit) still has the rest of
 * its body coming. Answering at once would leave it on the connection, and closing would reset
 * a client still sending it before it reads the answer: the rest is read and dropped first (the
 * request timeout bounds how long), so the answer follows the body and the connection goes on.
 */
export async function drainBody(req: IncomingMessage, reply: FastifyReply): Promise<void> {
  if (req.readableEnded || req.destroyed) return;
  const ended = await new Promise<boolean>((resolve) => {
    req.once('end', () => resolve(true));
    req.once('close', () => resolve(false));
    req.once('error', () => resolve(false));
    req.resume();
  });
  // Fastify asks to close after a body it could not parse, in case more of it follows: none does.
  if (ended && reply.getHeader('connection') === 'close') reply.removeHeader('connection');
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((req, reply) => {
    const e = errors.operationNotFound(`No operation at ${req.method} ${req.url.split('?')[0].slice(0, 200)}.`);
    noteError(req, e.kind);
    return reply.code(e.status).type('application/json').send(JSON.stringify(e.toBody()));
  });
}
