import type { FastifyInstance } from 'fastify';
import { MAX_DEPTH, nestsDeeperThan } from './depth.ts';
import { errors, type VapiError } from '../errors.ts';

export const MALFORMED = Symbol('malformed-body');
export type MalformedBody = { [MALFORMED]: VapiError };

/**
 * Body parsing never fails the request on its own: a body that is not JSON becomes a marker
 * that the operation pipeline reports as INVALID_ARGUMENT in its place (after authentication
 * and privilege checks, as the vendor orders them). Any content type is read, so clients that
 * send JSON without the header (the vAPI runtime does, on GETs) still work.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  // A GET body is read too (Fastify ignores it by default): it is honoured or refused, never
  // silently dropped (rest.ts).
  app.addHttpMethod('GET', { hasBody: true, overrideExisting: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== '' && type !== 'application/json' && !type.endsWith('+json')) {
      return done(null, { [MALFORMED]: errors.invalidRequest(`Unsupported content type '${type}': send application/json.`) });
    }
    if (nestsDeeperThan(text, MAX_DEPTH)) {
      return done(null, { [MALFORMED]: errors.invalidArgument('body', `is nested more than ${MAX_DEPTH} levels deep`) });
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      done(null, { [MALFORMED]: errors.invalidArgument('body', 'is not valid JSON') });
    }
  });
}
