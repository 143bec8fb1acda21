/**
 * The top level of the document: paths in a stable order (snapservice first, simulation last),
 * one tag per vAPI service, operations that have a route but are not served, and the shared
 * components and security schemes.
 */
import { operationKey, type Operation } from '../operation.ts';
import { ErrorSchema } from '../wire.ts';
import { API_PREFIX, buildOperation, operationIdOf, pathKeyOf } from './operations.ts';
import { SchemaRegistry, vapiTypeName, type Json } from './schemas.ts';

export const OPENAPI_VERSION = '3.0.3';
const SIM_TAG_PREFIX = 'Snapservice.Sim';

export interface OpenApiOptions {
  /** Version of this server (package.json). */
  serverVersion: string;
  /** vSphere API release whose surface is served. */
  apiRelease: string;
  /**
   * Operations that have a route but are not served (placeholders answering UNSUPPORTED):
   * listed under `x-not-served`, not as paths.
   */
  notServed?: (op: Operation) => boolean;
}

/** Snapservice first, then the cis and vCenter operations its clients use, simulation last. */
function groupRank(op: Operation): number {
  if (op.service.startsWith('com.vmware.snapservice.sim.')) return 3;
  if (op.service.startsWith('com.vmware.snapservice.')) return 0;
  if (op.service.startsWith('com.vmware.cis.')) return 1;
  return 2;
}

/** The OpenAPI document of `operations` (what allOperations(config) serves). */
export function buildOpenApi(operations: readonly Operation[], opts: OpenApiOptions): Json {
  const schemas = new SchemaRegistry();
  schemas.convert(ErrorSchema);

  const paths: Record<string, Record<string, Json>> = {};
  const tags = new Map<string, Json>();
  const notServed: Json[] = [];
  const ordered = operations.map((op, i) => ({ op, i })).sort((a, b) => groupRank(a.op) - groupRank(b.op) || a.i - b.i);
  for (const { op } of ordered) {
    const key = pathKeyOf(op);
    const method = op.rest.method.toLowerCase();
    if (opts.notServed?.(op)) {
      notServed.push({ operation: operationKey(op), operationId: operationIdOf(op), since: op.since, method: op.rest.method, path: key });
      continue;
    }
    const item = (paths[key] ??= {});
    const existing = item[method];
    if (existing) {
      // One route, one action, one task flag: REST reaches both through the same request and
      // the operation itself tells them apart. Document the route once, naming both.
      existing['x-vapi-also'] = [...((existing['x-vapi-also'] as string[] | undefined) ?? []), operationKey(op)];
      existing.description = `${existing.description as string}\n\nThe same request also reaches \`${operationKey(op)}\`, which other query values select.`;
      continue;
    }
    item[method] = buildOperation(op, schemas);
    const tag = vapiTypeName(op.service);
    if (!tags.has(tag)) {
      tags.set(tag, {
        name: tag,
        description: tag.startsWith(SIM_TAG_PREFIX)
          ? `Simulation controls (\`${op.service}\`), served only with \`--sim\`: not part of the vendor API.`
          : `Operations of the vAPI service \`${op.service}\`.`,
        ...(tag.startsWith(SIM_TAG_PREFIX) ? { 'x-simulation': true } : {}),
      });
    }
  }

  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'Snapservice',
      version: opts.serverVersion,
      description:
        `A stateful server of the vSphere Snapservice API (vSAN Data Protection), serving the vSphere API ${opts.apiRelease} surface ` +
        'and the vCenter and session operations its clients use. This document is generated from the operation definitions the ' +
        'server dispatches on, and is public: `GET /api/openapi.json`; a browsable page is at `/docs`.\n\n' +
        'Authenticate with HTTP Basic, or create a session (`POST /api/session` or `POST /api/snapservice/sessions`) and send its ' +
        'token in the `vmware-api-session-id` header. Errors are vAPI standard errors: a JSON body with `error_type` and `messages`.',
      'x-vsphere-api-release': opts.apiRelease,
    },
    servers: [{ url: API_PREFIX, description: 'This server' }],
    tags: [...tags.values()],
    paths,
    ...(notServed.length ? { 'x-not-served': notServed } : {}),
    components: {
      schemas: schemas.components,
      securitySchemes: {
        basic_auth: { type: 'http', scheme: 'basic', description: 'HTTP Basic with a vSphere user name and password.' },
        api_key_auth: { type: 'apiKey', in: 'header', name: 'vmware-api-session-id', description: 'A session token from a session create operation.' },
      },
    },
  };
}
