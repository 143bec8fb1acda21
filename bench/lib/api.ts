import { DEFAULT_ADMIN_PASSWORD } from '../../src/config/config.ts';
import { ADMIN_USER } from '../../src/runtime.ts';
import { HttpClient, mapLimit } from './http.ts';
import type { ServerHandle } from './server.ts';
import { nowMs } from './stats.ts';

/** The few Snapservice REST calls the benchmarks make, over one HttpClient. */

export const SESSION_HEADER = 'vmware-api-session-id';

export function basicAuth(user = ADMIN_USER, password = DEFAULT_ADMIN_PASSWORD): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** POST /api/session with Basic auth; the client then sends the token on every request. */
export async function login(client: HttpClient): Promise<string> {
  const res = await client.expect(201, '/api/session', { method: 'POST', headers: { authorization: basicAuth() } });
  const token = res.json<string>();
  client.headers[SESSION_HEADER] = token;
  return token;
}

export interface VmRef {
  id: string;
  name: string;
  cluster: string;
}

/** The server's VMs by name (from its ready line: this API has no inventory listing). */
export function vmsByName(server: ServerHandle): Map<string, VmRef> {
  return new Map((server.info.vms ?? []).map((v) => [v.name, v]));
}

export const revertPath = (vm: VmRef) => `/api/snapservice/clusters/${vm.cluster}/virtual-machines/${vm.id}?action=revert&vmw-task=true`;

/** Snapshot id by name for each VM, from GET .../virtual-machines/{vm}/snapshots. */
export async function snapshotIds(client: HttpClient, vms: readonly VmRef[], name: string): Promise<Map<string, string>> {
  const ids = await mapLimit(vms, 8, async (vm) => {
    const res = await client.expect(200, `/api/snapservice/clusters/${vm.cluster}/virtual-machines/${vm.id}/snapshots`);
    const s = res.json<{ items: Array<{ snapshot: string; info: { name: string } }> }>().items.find((x) => x.info.name === name);
    if (!s) throw new Error(`VM ${vm.name} has no snapshot '${name}'`);
    return [vm.id, s.snapshot] as const;
  });
  return new Map(ids);
}

/** Submits a revert; returns the task id (throws unless 202). */
export async function submitRevert(client: HttpClient, vm: VmRef, snapshot: string): Promise<string> {
  const res = await client.expect(202, revertPath(vm), { method: 'POST', body: { snapshot } });
  return res.json<string>();
}

export interface TaskInfo {
  status: 'PENDING' | 'RUNNING' | 'BLOCKED' | 'SUCCEEDED' | 'FAILED';
  progress?: { total: number; completed: number };
  error?: unknown;
  [k: string]: unknown;
}

/**
 * Polls GET /api/snapservice/tasks/{task} back to back until the task has ended; throws if it
 * FAILED or takes longer than `timeoutMs`.
 */
export async function waitTask(client: HttpClient, task: string, timeoutMs = 30_000): Promise<{ info: TaskInfo; polls: number }> {
  const deadline = nowMs() + timeoutMs;
  for (let polls = 1; ; polls++) {
    const info = (await client.expect(200, `/api/snapservice/tasks/${task}`)).json<TaskInfo>();
    if (info.status === 'SUCCEEDED') return { info, polls };
    if (info.status === 'FAILED') throw new Error(`task ${task} FAILED: ${JSON.stringify(info.error)}`);
    if (nowMs() > deadline) throw new Error(`task ${task} still ${info.status} after ${timeoutMs} ms`);
  }
}

/**
 * The task GET benchmarks' subject: a session token and a finished task, the revert of the demo
 * inventory's web-01 to its snapshot daily-1.
 */
export async function finishedDemoTask(client: HttpClient, server: ServerHandle): Promise<{ token: string; task: string }> {
  const token = await login(client);
  const vm = vmsByName(server).get('web-01');
  if (!vm) throw new Error('demo VM web-01 missing');
  const snap = (await snapshotIds(client, [vm], 'daily-1')).get(vm.id)!;
  const task = await submitRevert(client, vm, snap);
  await waitTask(client, task);
  return { token, task };
}

/** A guest write through the simulation plane (the VM must be powered on). */
export async function guestWrite(client: HttpClient, vm: VmRef, diskKey: number, block: number, text: string): Promise<void> {
  await client.expect(204, `/api/sim/vms/${vm.id}/disks/${diskKey}?action=write`, {
    method: 'POST',
    body: { block, data: Buffer.from(text).toString('base64') },
  });
}
