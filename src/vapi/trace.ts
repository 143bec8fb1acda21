import type { FastifyRequest } from 'fastify';
import type { Protocol } from '../metrics/metrics.ts';

/**
 * What the protocol layers learn about a request that its HTTP route alone does not say: the
 * vAPI operation it ran (several share one REST path, all JSON-RPC shares one) and how it
 * ended. Set only when something reads it (metrics on); otherwise each note is one check.
 */
export interface RequestTrace {
  operation?: string;
  /** vAPI error kind, or 'fault' for a JSON-RPC protocol error. */
  error?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    snapTrace?: RequestTrace;
  }
  /** Each route says which protocol it serves; routes that do not are plain HTTP. */
  interface FastifyContextConfig {
    protocol?: Protocol;
  }
}

export function noteOperation(req: FastifyRequest, operation: string): void {
  if (req.snapTrace) req.snapTrace.operation = operation;
}

export function noteError(req: FastifyRequest, kind: string): void {
  if (req.snapTrace) req.snapTrace.error = kind;
}
