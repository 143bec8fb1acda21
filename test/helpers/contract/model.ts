/**
 * The spec model the checks work on: what an operation of the documents is, what a test
 * observed, and how operations are keyed, named and dated.
 */
import type { DEVIATIONS } from './deviations.ts';
import type { SpecName } from './spec.ts';

export type Json = Record<string, unknown>;

export const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export const COMPONENTS = '#/components/schemas/';

export function componentName(ref: string): string | undefined {
  return ref.startsWith(COMPONENTS) ? ref.slice(COMPONENTS.length) : undefined;
}

export interface SpecResponse {
  /** The JSON schema as written in the document (component refs unresolved), if the response has a body. */
  schema?: Record<string, unknown>;
  description: string;
}

export interface SpecParameter {
  name: string;
  in: string;
  description?: string;
  schema?: Record<string, unknown>;
}

/** One operation of a spec document (or of the extension allow-list, deviations.ts). */
export interface SpecOperation {
  spec: SpecName;
  operationId: string;
  method: string;
  /** The path key as the document writes it, e.g. `/snapservice/tasks/{task}`. */
  key: string;
  /** Path template under the server base: `/api/...`, no query. */
  path: string;
  action?: string;
  task: boolean;
  /** Other fixed query values in the path key (e.g. `aggregateBy=time-slice`). */
  select: Record<string, string>;
  /** "This operation was added in vSphere API X", when the document says. */
  since?: string;
  parameters: SpecParameter[];
  responses: Record<string, SpecResponse>;
  /** Set for operations we serve that the document lacks: why they are served anyway. */
  extension?: string;
}

export interface ObservedResponse {
  method: string;
  /** Path and query as sent, e.g. `/api/snapservice/tasks?status=RUNNING`. */
  url: string;
  status: number;
  contentType?: string;
  body: string;
  /** The request carried a body (a GET's body is query input: src/vapi/rest.ts). */
  requestBody?: boolean;
}

export interface CheckResult {
  op?: SpecOperation;
  /** Why the request is outside the contract, when it is. */
  exempt?: string;
  /** The DEVIATIONS entry that admitted the response, if one had to. */
  deviation?: keyof typeof DEVIATIONS;
  violations: string[];
}

/** vSphere release strings compare component by component ("8.0.3.0" < "9.0.0.0"). */
export function compareRelease(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function sinceOf(description: unknown, what: 'operation' | 'property' | 'schema'): string | undefined {
  if (typeof description !== 'string') return undefined;
  const re = new RegExp(`This ${what} was added in __vSphere API ([\\d.]+)__`);
  return re.exec(description.replace(/\s+/g, ' '))?.[1];
}

/** `METHOD /api/path?action=..&vmw-task=true` with query pairs in a fixed order: one key per endpoint. */
export function endpointKey(method: string, pathTemplate: string, query: { action?: string; task?: boolean; select?: Record<string, string> } = {}): string {
  const pairs: string[] = [];
  if (query.action !== undefined) pairs.push(`action=${query.action}`);
  for (const [k, v] of Object.entries(query.select ?? {}).sort()) pairs.push(`${k}=${v}`);
  if (query.task) pairs.push('vmw-task=true');
  return `${method.toUpperCase()} ${pathTemplate}${pairs.length ? `?${pairs.join('&')}` : ''}`;
}

export function opEndpoint(op: Pick<SpecOperation, 'method' | 'path' | 'action' | 'task' | 'select'>): string {
  return endpointKey(op.method, op.path, op);
}

/** `Snapservice.Sites_list` -> `Snapservice.Sites.list`, as messages and tables name operations. */
export function displayName(operationId: string): string {
  return operationId.replace('_', '.');
}
