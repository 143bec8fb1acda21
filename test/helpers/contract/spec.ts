/**
 * Where the vendor's OpenAPI documents are, and the operations each declares.
 *
 * The documents live beside the repository (`../shared/spec/`, or the directory named by
 * CONTRACT_SPEC_DIR, absolute or relative to the repository root).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sinceOf, type Json, type SpecOperation, type SpecParameter, type SpecResponse } from './model.ts';

// Three levels up from test/helpers/contract/.
export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../../../', import.meta.url)));
/** Directory holding both spec files; absolute, or relative to the repository root. */
export const SPEC_DIR_ENV = 'CONTRACT_SPEC_DIR';
export const SPEC_FILES = { snapservice: 'vsan-data-protection-openapi.yaml', vcenter: 'vcenter-subset.yaml', tagging: 'vcenter-tagging.yaml' } as const;
export type SpecName = keyof typeof SPEC_FILES;
/** The vendor release whose surface this server serves. */
export const SERVED_RELEASE = '8.0.3.0';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function specDir(): string {
  return path.resolve(REPO_ROOT, process.env[SPEC_DIR_ENV] ?? '../shared/spec');
}

export function specPath(name: SpecName): string {
  return path.join(specDir(), SPEC_FILES[name]);
}

/** The operations of one parsed document, in the document's order. */
export function readOperations(spec: SpecName, doc: Json): SpecOperation[] {
  const operations: SpecOperation[] = [];
  for (const [key, itemRaw] of Object.entries((doc.paths ?? {}) as Json)) {
    const item = itemRaw as Json;
    const [p, q] = key.split('?');
    const query = new URLSearchParams(q ?? '');
    const action = query.get('action') ?? undefined;
    const task = query.get('vmw-task') === 'true';
    query.delete('action');
    query.delete('vmw-task');
    const select = Object.fromEntries(query);
    for (const m of METHODS) {
      const o = item[m] as Json | undefined;
      if (!o) continue;
      const parameters = [...((item.parameters ?? []) as SpecParameter[]), ...((o.parameters ?? []) as SpecParameter[])];
      const responses: Record<string, SpecResponse> = {};
      for (const [code, r] of Object.entries((o.responses ?? {}) as Json)) {
        const rr = r as Json;
        const schema = ((rr.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema as Json | undefined;
        responses[code] = { schema, description: String(rr.description ?? '') };
      }
      operations.push({
        spec,
        operationId: String(o.operationId),
        method: m.toUpperCase(),
        key,
        path: `/api${p}`,
        action,
        task,
        select,
        since: sinceOf(o.description, 'operation'),
        parameters,
        responses,
      });
    }
  }
  return operations;
}
