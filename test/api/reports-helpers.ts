import { afterEach, beforeEach, expect } from 'vitest';
import type { ConfigInput } from '../../src/config/config.ts';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';

/** Shared by the report tests: an app per test (live bindings `t` and `I`), and small helpers. */

export const H = 3600_000;
export const DAY = 24 * H;
export let t: TestApp;
export let I: Awaited<ReturnType<typeof ids>>;

/** Starts (or restarts with `config`) the test's app. */
export async function restart(config: ConfigInput = {}): Promise<void> {
  await t?.close();
  t = await makeApp({ taskDelayMs: 0, taskQueueMs: 0, ...config });
  I = await ids(t);
}

export function useReportsApp(): void {
  beforeEach(async () => {
    t = undefined as unknown as TestApp;
    await restart();
  });
  afterEach(() => t.close());
}

export const R = () => `/api/snapservice/reports/clusters/${I.clusterA}`;
export const hourly = { name: 'hourly', schedule: { unit: 'HOUR', interval: 1 }, retention: { unit: 'DAY', duration: 1 } };

export async function createGroup(spec: Record<string, unknown>): Promise<string> {
  const res = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/protection-groups?vmw-task=true`, payload: spec });
  expect(res.statusCode, res.payload).toBe(202);
  await t.advance(0);
  return (await t.req({ method: 'GET', url: `/api/snapservice/tasks/${res.json()}` })).json().result;
}

export async function get(url: string, as: 'admin' | 'readonly' | null = 'admin') {
  const res = await t.req({ method: 'GET', url, as });
  expect(res.statusCode, res.payload).toBe(200);
  return res.json();
}

export function expectError(res: { statusCode: number; json(): any }, status: number, kind: string, text?: string) {
  expect(res.statusCode, JSON.stringify(res.json())).toBe(status);
  expect(res.json().error_type).toBe(kind);
  if (text) expect(JSON.stringify(res.json().messages)).toContain(text);
}

export async function deleteVm(id: string) {
  await t.req({ method: 'POST', url: `/api/vcenter/vm/${id}/power?action=stop` });
  expect((await t.req({ method: 'DELETE', url: `/api/vcenter/vm/${id}` })).statusCode).toBe(204);
}
