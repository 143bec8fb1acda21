import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { parse } from 'yaml';
import type { Task, TaskKind } from '../../src/domain/model.ts';
import { ERROR_STATUS, type ErrorKind } from '../../src/errors.ts';
import { vcenterOperations } from '../../src/modules/vcenter/operations.ts';
import { hashPassword } from '../../src/security/passwords.ts';
import { basic, type TestApp } from '../helpers/app.ts';

const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

type Res = { statusCode: number; json(): any; body: string };

/** A vAPI error answer of this kind, with the status the server's table gives it. */
export function expectError(res: Res, kind: ErrorKind, text?: string): void {
  expect(res.statusCode, res.body).toBe(ERROR_STATUS[kind]);
  const body = res.json();
  expect(body.error_type).toBe(kind);
  expect(body.messages.length).toBeGreaterThan(0);
  for (const m of body.messages) {
    expect(typeof m.id).toBe('string');
    expect(typeof m.default_message).toBe('string');
    expect(Array.isArray(m.args)).toBe(true);
  }
  if (text) expect(JSON.stringify(body.messages)).toContain(text);
}

export function expectOk(res: Res, status = 200): any {
  expect(res.statusCode, res.body).toBe(status);
  return status === 204 ? undefined : res.json();
}

// ---- our own output schemas: every answer fits the operation's declared wire schema ----

const ours = addFormats(new Ajv({ strict: false, allErrors: true }));
const outputs = new Map<string, ValidateFunction>();
for (const op of vcenterOperations) {
  if (op.output) outputs.set(`${op.service}.${op.name}`, ours.compile(op.output as TSchema));
}

export function expectOwnSchema(operation: string, body: unknown): void {
  const fn = outputs.get(operation);
  if (!fn) throw new Error(`no output schema for ${operation}`);
  expect(fn(body), JSON.stringify(fn.errors)).toBe(true);
}

// ---- the vendor's contract (vcenter-subset.yaml), when it is at hand ----

/** Where the vendor's vCenter OpenAPI cut lives; the conformance checks skip without it. */
export const SPEC_PATH = process.env.SNAPSERVICE_VCENTER_SPEC ?? '/work/shared/spec/vcenter-subset.yaml';
export const haveSpec = existsSync(SPEC_PATH);

let vendor: Ajv | undefined;

/**
 * Validates against the vendor's component schema, made strict: objects the spec describes
 * may not carry members it does not list (the spec itself leaves them open).
 */
export function expectSpecSchema(component: string, body: unknown): void {
  if (!vendor) {
    const doc = parse(readFileSync(SPEC_PATH, 'utf8'));
    const close = (s: any): any => {
      if (Array.isArray(s)) return s.map(close);
      if (s && typeof s === 'object') {
        const out: any = {};
        for (const [k, v] of Object.entries(s)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, x]) => [p, close(x)])) : close(v);
        if (out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
        return out;
      }
      return s;
    };
    vendor = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    vendor.addSchema({ $id: 'spec', components: close(doc.components) });
  }
  const fn = vendor.getSchema(`spec#/components/schemas/${component}`);
  if (!fn) throw new Error(`no component ${component} in the spec`);
  expect(fn(body), `${component}: ${JSON.stringify(fn.errors)}`).toBe(true);
}

let taskNo = 0;

/** Stores a recovery task on the VM, PENDING far in the future so the runner leaves it be. */
export async function activeTask(t: TestApp, vmId: string, kind: TaskKind = 'vm.revert', status: 'PENDING' | 'RUNNING' = 'PENDING'): Promise<Task> {
  const now = t.clock.now();
  const task: Task = {
    id: `test-task-${++taskNo}`,
    kind,
    service: 'com.vmware.snapservice.clusters.virtual_machines',
    operation: kind.slice(3),
    description: { id: 'test', defaultMessage: 'test', args: [] },
    status,
    cancelable: false,
    user: 'administrator@vsphere.local',
    targetType: 'VirtualMachine',
    targetId: vmId,
    clusterId: null,
    vmId,
    input: {},
    progressTotal: 0,
    progressCompleted: 0,
    progressMessage: null,
    result: null,
    error: null,
    createdAt: now,
    notBefore: now + 365 * 24 * 3600_000,
    startTime: status === 'RUNNING' ? now : null,
    endTime: null,
    owner: status === 'RUNNING' ? 'nobody' : null,
    step: 0,
  };
  await t.runtime.deps.store.repos.tasks.insert(task);
  return task;
}

/** Ends a task stored by activeTask. */
export async function finishTask(t: TestApp, task: Task): Promise<void> {
  await t.runtime.deps.store.repos.tasks.update(task.id, { status: 'FAILED', endTime: t.clock.now(), owner: null }, null);
}

/** Odd path ids: traversal, unicode, a 10 KB string, wrong-type ids. */
export const ODD_IDS = ['..%2Fx', '..%2F..%2Fetc%2Fpasswd', '%E2%98%83', encodeURIComponent('vm-1\u0000'), 'x'.repeat(10_000), 'domain-c1', 'vm-', 'VM-1'];

/** The demo inventory, by name. */
export async function demo(t: TestApp) {
  const inv = t.runtime.deps.store.repos.inventory;
  const [dcs, clusters, hosts, pools, folders, vms] = await Promise.all([
    inv.listDatacenters(), inv.listClusters(), inv.listHosts(), inv.listResourcePools(), inv.listFolders(), t.runtime.deps.store.repos.vms.list(),
  ]);
  const one = <T extends { name: string }>(list: T[], name: string, what: string): T => {
    const x = list.find((i) => i.name === name);
    if (!x) throw new Error(`no ${what} ${name}`);
    return x;
  };
  const A = one(clusters, 'Cluster-A', 'cluster');
  const B = one(clusters, 'Cluster-B', 'cluster');
  return {
    dc: dcs[0].id,
    A: A.id,
    B: B.id,
    rootPoolA: A.resourcePoolId,
    rootPoolB: B.resourcePoolId,
    production: one(pools, 'Production', 'pool').id,
    rootFolder: t.runtime.deps.rootFolderId,
    vmFolder: folders.find((f) => f.type === 'VIRTUAL_MACHINE')!.id,
    hostFolder: folders.find((f) => f.type === 'HOST')!.id,
    host: (name: string) => one(hosts, name, 'host').id,
    hostsOf: (cluster: string) => hosts.filter((h) => h.clusterId === cluster).map((h) => h.id),
    vm: (name: string) => one(vms, name, 'VM').id,
    vmsOf: (cluster: string) => vms.filter((v) => v.clusterId === cluster).map((v) => v.id),
    vms,
  };
}

let userNo = 0;

/**
 * A user holding a role made of exactly `privileges` on each listed entity (propagating).
 * Returns the Authorization header to send.
 */
export async function addUser(t: TestApp, grants: Array<{ on: string; privileges: string[]; propagate?: boolean }>): Promise<string> {
  const repos = t.runtime.deps.store.repos;
  const name = `custom${++userNo}@vsphere.local`;
  const password = 'Custom1!';
  await repos.users.insert({ name, passwordHash: await hashPassword(password, t.runtime.deps.config.scryptCost), createdAt: t.clock.now() });
  for (const [i, g] of grants.entries()) {
    const roleId = `${9000 + userNo * 10 + i}`;
    await repos.roles.upsert({ id: roleId, name: `role-${roleId}`, privileges: g.privileges, system: false });
    await repos.permissions.upsert({ principal: name, entityId: g.on, roleId, propagate: g.propagate ?? true });
  }
  return basic(name, password);
}
