import { expect } from 'vitest';
import { getContract } from '../helpers/contract.ts';
import type { TestApp, Who } from '../helpers/app.ts';
import { expectOk } from './vcenter-helpers.ts';

/** REST calls of vCenter tagging, as scripts make them. */
export function tagging(t: TestApp) {
  const post = (url: string, payload?: unknown, as: Who | null = 'admin', headers: Record<string, string> = {}) =>
    t.req({ method: 'POST', url, payload: payload === undefined ? undefined : JSON.stringify(payload), headers: payload === undefined ? headers : { 'content-type': 'application/json', ...headers }, as });
  const vm = (id: string) => ({ type: 'VirtualMachine', id });
  return {
    post,
    vm,
    async category(name: string, cardinality: 'SINGLE' | 'MULTIPLE' = 'MULTIPLE', associable: string[] = []): Promise<string> {
      return expectOk(await post('/api/cis/tagging/category', { name, description: `${name} category`, cardinality, associable_types: associable }), 201);
    },
    async tag(categoryId: string, name: string): Promise<string> {
      return expectOk(await post('/api/cis/tagging/tag', { name, description: '', category_id: categoryId }), 201);
    },
    async attach(tagId: string, vmId: string): Promise<void> {
      expectOk(await post(`/api/cis/tagging/tag-association/${encodeURIComponent(tagId)}?action=attach`, { object_id: vm(vmId) }), 204);
    },
    async detach(tagId: string, vmId: string): Promise<void> {
      expectOk(await post(`/api/cis/tagging/tag-association/${encodeURIComponent(tagId)}?action=detach`, { object_id: vm(vmId) }), 204);
    },
    async tagsOf(vmId: string): Promise<string[]> {
      return expectOk(await post('/api/cis/tagging/tag-association?action=list-attached-tags', { object_id: vm(vmId) }));
    },
  };
}

export const enc = encodeURIComponent;

/** A body against a component of the tagging document (t.req checks whole responses already). */
export function expectTaggingSchema(component: string, body: unknown): void {
  const c = getContract();
  if (!c) return;
  const fn = c.componentValidator('tagging', component);
  expect(fn(body), `${component}: ${JSON.stringify(fn.errors)}`).toBe(true);
}
