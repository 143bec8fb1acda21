import type { FastifyRequest } from 'fastify';
import type { Protocol } from '../metrics/metrics.ts';

/**
 * What the protocol layers learn about a request that its HTTP route alone does not say: the
 * vAPI operation it ran (several share one REST path, all JSON-RPC shares one) and how it
 * ended. The request carries these fields only when something reads them (metrics on: the
 * app decorates requests with them, '' until noted); otherwise each note is one check.
 */
declare module 'fastify' {
  interface FastifyRequest {
    /** vAPI `service.operation`. */
    vapiOperation?: string;
    /** The protocol that noted `vapiOperation` (its route's `protocol`). */
    vapiProtocol?: Protocol | '';
    /** vAPI error kind, or 'fault' for a JSON-RPC protocol error. */
    vapiError?: string;
  }
  /** Each route says which protocol it serves; routes that do not are plain HTTP. */
  interface FastifyContextConfig {
    protocol?: Protocol;
  }
}

export function noteOperation(req: FastifyRequest, protocol: Protocol, operation: string): void {
  if (req.vapiOperation === undefined) return;
  req.vapiOperation = operation;
  req.vapiProtocol = protocol;
}

export function noteError(req: FastifyRequest, kind: string): void {
  if (req.vapiError !== undefined) req.vapiError = kind;
}
