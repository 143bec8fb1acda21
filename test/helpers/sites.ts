import type { TestApp } from './app.ts';
import { USERS } from './app.ts';

/** Helpers for two in-process sites (makeApp with `https: true`). */
export const json = { 'content-type': 'application/json' };

export async function task(t: TestApp, id: string): Promise<any> {
  await t.advance(0);
  return (await t.req({ method: 'GET', url: `/api/snapservice/tasks/${id}` })).json();
}

export function hostPortOf(t: TestApp): { host: string; port: number } {
  const u = new URL(t.runtime.deps.site.url as string);
  return { host: u.hostname, port: Number(u.port) };
}

export function certOf(t: TestApp): string {
  return t.runtime.deps.site.certificate as string;
}

export function addSpec(remote: TestApp, extra: Record<string, unknown> = {}) {
  return {
    vcenter_connection_spec: hostPortOf(remote),
    vcenter_creds: { user: USERS.admin.user, password: USERS.admin.password },
    vcenter_certificate: certOf(remote),
    ...extra,
  };
}

/** Pairs `local` with `remote` and returns the remote's site id. */
export async function pair(local: TestApp, remote: TestApp): Promise<string> {
  const r = await local.req({ method: 'POST', url: '/api/snapservice/sites?action=add&vmw-task=true', headers: json, payload: addSpec(remote) });
  if (r.statusCode !== 202) throw new Error(`add: ${r.statusCode} ${r.payload}`);
  const info = await task(local, r.json());
  if (info.status !== 'SUCCEEDED') throw new Error(`add task: ${JSON.stringify(info)}`);
  return info.result;
}

export async function setLicense(t: TestApp, state: string): Promise<void> {
  const r = await t.req({ method: 'PUT', url: '/api/sim/license', headers: json, payload: { state } });
  if (r.statusCode !== 204) throw new Error(`license: ${r.statusCode} ${r.payload}`);
}
