import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';
import { contractSkipReason, getContract, takeViolations, type Contract, type ObservedResponse } from '../helpers/contract.ts';

/**
 * The response checker itself: it must reject what breaks the documents, or the automatic
 * check on every test response proves nothing. Real responses are taken from the app and then
 * spoiled one way at a time.
 */
const contract = getContract();
const skip = contractSkipReason();

let t: TestApp;
let cluster: string;
let vm: string;
beforeAll(async () => {
  t = await makeApp();
  const d = await ids(t);
  cluster = d.clusterA;
  vm = d.vms.find((v) => v.clusterId === cluster)?.id ?? d.vms[0].id;
});
afterAll(() => t.close());

const json = (v: unknown) => JSON.stringify(v);
const JSON_TYPE = 'application/json; charset=utf-8';

function check(c: Contract, r: Partial<ObservedResponse> & Pick<ObservedResponse, 'url' | 'status'>) {
  return c.check({ method: 'GET', contentType: JSON_TYPE, body: '', ...r });
}

async function real(url: string) {
  const r = await t.req({ method: 'GET', url });
  expect(r.statusCode, r.payload).toBe(200);
  return r.json();
}

describe('the contract checker', () => {
  it('accepts real responses and names the operation they answer', async (ctx) => {
    ctx.skip(!contract, skip);
    const c = contract as Contract;
    const list = await real(`/api/snapservice/clusters/${cluster}/virtual-machines`);
    const res = check(c, { url: `/api/snapservice/clusters/${cluster}/virtual-machines`, status: 200, body: json(list) });
    expect(res.violations).toEqual([]);
    expect(res.op?.operationId).toBe('Snapservice.Clusters.VirtualMachines_list');
    expect(takeViolations()).toEqual([]);
  });

  it('rejects a member the structure does not have, a missing required one, and a wrong type', async (ctx) => {
    ctx.skip(!contract, skip);
    const c = contract as Contract;
    const url = `/api/snapservice/clusters/${cluster}/virtual-machines`;
    const list = await real(url);
    const extra = structuredClone(list);
    extra.items[0].info.bogus = 1;
    expect(check(c, { url, status: 200, body: json(extra) }).violations.join()).toMatch(/must NOT have additional properties 'bogus'/);
    const missing = structuredClone(list);
    delete missing.items[0].vm;
    expect(check(c, { url, status: 200, body: json(missing) }).violations.join()).toMatch(/must have required property 'vm'/);
    const wrong = { items: 'none' };
    expect(check(c, { url, status: 200, body: json(wrong) }).violations.join()).toMatch(/Snapservice\.Clusters\.VirtualMachines_list.*must be array/);
  });

  it('applies the unions the documents describe: no progress or start_time on a PENDING task', (ctx) => {
    ctx.skip(!contract, skip);
    const c = contract as Contract;
    const url = '/api/snapservice/tasks/t-1';
    const task = {
      description: { id: 'x', default_message: 'x', args: [] }, service: 's', operation: 'o', status: 'RUNNING', cancelable: false,
      progress: { total: 1, completed: 0, message: { id: 'x', default_message: 'x', args: [] } }, start_time: '2026-01-01T00:00:00.000Z',
    };
    expect(check(c, { url, status: 200, body: json(task) }).violations).toEqual([]);
    const { progress: _p, start_time: _s, ...bare } = task;
    expect(check(c, { url, status: 200, body: json({ ...bare, status: 'PENDING' }) }).violations).toEqual([]);
    expect(check(c, { url, status: 200, body: json({ ...task, status: 'PENDING' }) }).violations.join()).toMatch(/progress is present while status is PENDING/);
    expect(check(c, { url: '/api/cis/tasks/t-1', status: 200, body: json({ ...bare, status: 'PENDING', end_time: '2026-01-01T00:00:00.000Z' }) }).violations.join())
      .toMatch(/end_time is present while status is PENDING/);
  });

  it('checks error bodies by their discriminator: a 404 declared NotFound must say NOT_FOUND', (ctx) => {
    ctx.skip(!contract, skip);
    const c = contract as Contract;
    const url = `/api/snapservice/clusters/${cluster}/virtual-machines`;
    const err = (kind: string) => json({ error_type: kind, messages: [{ id: 'x', default_message: 'x', args: [] }] });
    expect(check(c, { url, status: 404, body: err('NOT_FOUND') }).violations).toEqual([]);
    expect(check(c, { url, status: 404, body: err('INVALID_ARGUMENT') }).violations.join()).toMatch(/error_type must be equal to one of the allowed values \["NOT_FOUND"\]/);
    expect(check(c, { url, status: 404, body: json({ messages: [] }) }).violations.join()).toMatch(/required property 'error_type'/);
  });

  it('rejects undeclared statuses, bodies where none is declared, and empty bodies where one is', (ctx) => {
    ctx.skip(!contract, skip);
    const c = contract as Contract;
    const url = `/api/snapservice/clusters/${cluster}/virtual-machines`;
    expect(check(c, { url, status: 409, body: json({ error_type: 'CONCURRENT_CHANGE', messages: [] }) }).violations.join()).toMatch(/status 409 is not declared/);
    expect(check(c, { url, status: 200 }).violations.join()).toMatch(/response is empty/);
    expect(check(c, { url, status: 200, body: '{"items":[]}', contentType: 'text/plain' }).violations.join()).toMatch(/not application\/json/);
    const del = `/api/snapservice/clusters/${cluster}/protection-groups/pg/snapshots/s`;
    expect(check(c, { method: 'DELETE', url: del, status: 204 }).violations).toEqual([]);
    expect(check(c, { method: 'DELETE', url: del, status: 204, body: '""' }).violations.join()).toMatch(/declares no content/);
    const revert = `/api/snapservice/clusters/${cluster}/virtual-machines/${vm}?action=revert&vmw-task=true`;
    expect(check(c, { method: 'POST', url: revert, status: 202, body: '"task-1"' }).violations).toEqual([]);
    expect(check(c, { method: 'POST', url: revert, status: 202, body: '{"task":"task-1"}' }).violations.join()).toMatch(/must be string/);
  });

  it('matches action, vmw-task and other fixed query values; unknown requests must be OPERATION_NOT_FOUND', (ctx) => {
    ctx.skip(!contract, skip);
    const c = contract as Contract;
    const nf = json({ error_type: 'OPERATION_NOT_FOUND', messages: [{ id: 'x', default_message: 'x', args: [] }] });
    const base = `/api/snapservice/clusters/${cluster}/virtual-machines/${vm}`;
    expect(check(c, { method: 'POST', url: `${base}?action=revert&vmw-task=true`, status: 202, body: '"t"' }).op?.operationId).toBe('Snapservice.Clusters.VirtualMachines_revert$Task');
    expect(check(c, { method: 'POST', url: `${base}?action=revert`, status: 404, body: nf }).deviation).toBe('unknownOperation');
    expect(check(c, { method: 'POST', url: `${base}?action=revert`, status: 202, body: '"t"' }).violations.join()).toMatch(/matches no operation/);
    expect(check(c, { url: '/api/no/such/thing', status: 200, body: '{}' }).violations.join()).toMatch(/no such path/);
    const report = '/api/snapservice/reports/clusters/c/protection-groups/snapshot-status-counts';
    expect(check(c, { url: `${report}?aggregateBy=protection-group`, status: 400, body: '' }).op?.operationId).toMatch(/AggregatedByProtectionGroup$/);
    expect(check(c, { url: `${report}?aggregateBy=time-slice`, status: 400, body: '' }).op?.operationId).toMatch(/AggregatedByTimeSlice$/);
    // Static segments win over parameters.
    expect(check(c, { url: '/api/snapservice/virtual-machines/snapshots', status: 401, body: '' }).op?.operationId).toBe('Snapservice.VirtualMachines.Snapshots_list');
  });

  it('admits the listed deviations only as narrowly as they are described', (ctx) => {
    ctx.skip(!contract, skip);
    const c = contract as Contract;
    const err = (kind: string) => json({ error_type: kind, messages: [{ id: 'x', default_message: 'x', args: [] }] });
    // info/about declares only 200; we require a session.
    expect(check(c, { url: '/api/snapservice/info/about', status: 401, body: err('UNAUTHENTICATED') }).deviation).toBe('sessionRequired');
    expect(check(c, { url: '/api/snapservice/info/about', status: 403, body: err('UNAUTHORIZED') }).violations.length).toBe(1);
    // RESOURCE_INACCESSIBLE at 400 where tasks list names it under 500; not on an operation that never names it.
    expect(check(c, { url: '/api/snapservice/tasks', status: 400, body: err('RESOURCE_INACCESSIBLE') }).deviation).toBe('runtimeStatus');
    expect(check(c, { url: `/api/snapservice/clusters/${cluster}/virtual-machines`, status: 400, body: err('RESOURCE_INACCESSIBLE') }).violations.length).toBe(1);
    // INVALID_ARGUMENT where none is declared, only for query input.
    expect(check(c, { url: '/api/snapservice/tasks/t1?bogus=1', status: 400, body: err('INVALID_ARGUMENT') }).deviation).toBe('queryValidation');
    expect(check(c, { url: '/api/snapservice/tasks/t1', status: 400, body: err('INVALID_ARGUMENT') }).violations.length).toBe(1);
    // Later operations: UNSUPPORTED, also where they declare no 400; nothing else.
    // (The later operations left all declare a generic 400, which UNSUPPORTED meets without the deviation.)
    const ransomware = '/api/snapservice/protection-groups/pg-1?action=start-ransomware-recovery&vmw-task=true';
    expect(check(c, { method: 'POST', url: ransomware, status: 400, body: err('UNSUPPORTED') }).violations).toEqual([]);
    expect(check(c, { url: `/api/snapservice/clusters/${cluster}/virtual-machines`, status: 400, body: err('UNSUPPORTED') }).violations.length).toBe(1);
  });

  it('leaves alone what neither document covers', (ctx) => {
    ctx.skip(!contract, skip);
    const c = contract as Contract;
    expect(check(c, { url: '/api/sim/clock', status: 200, body: '{}' }).exempt).toMatch(/simulation/);
    expect(check(c, { url: '/api/openapi.json', status: 200, body: '{}' }).exempt).toBeDefined();
    expect(check(c, { method: 'POST', url: '/api', status: 200, body: '{}' }).exempt).toMatch(/JSON-RPC/);
    expect(check(c, { url: '/docs', status: 200, body: '<html>' }).exempt).toBeDefined();
  });
});
