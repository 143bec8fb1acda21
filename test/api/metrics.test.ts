import { afterEach, describe, expect, it, vi } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';
import { parseMetrics, samples, value } from '../helpers/prometheus.ts';
import { callError, userPass } from '../jsonrpc/client.ts';

let t: TestApp;
afterEach(() => t?.close());

const scrape = async () => {
  const res = await t.req({ method: 'GET', url: '/metrics', as: null });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(res.body);
};
const TASK_GET = 'com.vmware.snapservice.tasks.get';
const REVERT = 'com.vmware.snapservice.clusters.virtual_machines.revert$task';

describe('GET /metrics', () => {
  it('counts requests by operation id (not path), protocol, status and result, with latency histograms', async () => {
    t = await makeApp();
    await t.req({ method: 'GET', url: '/api/snapservice/tasks/no-such-task' });
    await t.req({ method: 'GET', url: '/api/snapservice/tasks/other-task' });
    await t.req({ method: 'GET', url: '/api/snapservice/tasks/x', as: null });
    await t.req({ method: 'GET', url: '/api/snapservice/tasks/x', as: 'readonly' });
    await t.req({ method: 'GET', url: '/api/nothing-here' });
    await callError(t, 'com.vmware.snapservice.tasks', 'get', { task: 'missing' }, userPass('admin'), 'NOT_FOUND');

    const m = await scrape();
    expect(m.get('snapservice_requests_total')?.type).toBe('COUNTER');
    const rest = { protocol: 'rest', operation: TASK_GET };
    expect(value(m, 'snapservice_requests_total', { ...rest, status: '404', result: 'NOT_FOUND' })).toBe(3);
    expect(value(m, 'snapservice_requests_total', { ...rest, status: '401', result: 'UNAUTHENTICATED' })).toBe(1);
    expect(value(m, 'snapservice_requests_total', { protocol: 'jsonrpc', operation: TASK_GET, status: '200', result: 'NOT_FOUND' })).toBe(1);
    expect(value(m, 'snapservice_requests_total', { protocol: 'http', operation: 'unknown', status: '404', result: 'OPERATION_NOT_FOUND' })).toBe(1);
    // Raw paths never become labels.
    expect(m.get('snapservice_requests_total')!.metrics.some((s) => Object.values(s.labels ?? {}).some((v) => v.includes('no-such-task')))).toBe(false);

    expect(m.get('snapservice_request_duration_seconds')?.type).toBe('HISTOGRAM');
    const total = (name: string, labels: Record<string, string>) => samples(m, name, labels).reduce((n, s) => n + Number(s.value), 0);
    expect(total('snapservice_request_duration_seconds_count', rest)).toBe(4);
    const notFound = { ...rest, status: '404', result: 'NOT_FOUND' };
    expect(value(m, 'snapservice_request_duration_seconds_count', notFound)).toBe(3);
    expect(value(m, 'snapservice_request_duration_seconds_bucket', { ...notFound, le: '+Inf' })).toBe(3);
    expect(value(m, 'snapservice_request_duration_seconds_bucket', { ...notFound, le: '10' })).toBe(3);
    expect(value(m, 'snapservice_request_duration_seconds_sum', notFound)).toBeGreaterThan(0);
    // Buckets are cumulative.
    const buckets = samples(m, 'snapservice_request_duration_seconds_bucket', notFound).map((s) => Number(s.value));
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
  });

  it('reports tasks by kind and state, reverts against the cap, sessions and store query latency', async () => {
    t = await makeApp({ taskDelayMs: 2000, taskQueueMs: 500, maxConcurrentReverts: 3 });
    const I = await ids(t);
    const vm = I.vm('web-01');
    const snaps = (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}/snapshots` })).json().items;
    const login = await t.req({ method: 'POST', url: '/api/session' });
    expect(login.statusCode).toBe(201);
    const res = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}?action=revert&vmw-task=true`, payload: { snapshot: snaps[0].snapshot } });
    expect(res.statusCode).toBe(202);

    let m = await scrape();
    // Queued for --task-queue-ms (500) of service time.
    expect(value(m, 'snapservice_tasks', { kind: 'vm.revert', state: 'PENDING' })).toBe(1);
    expect(value(m, 'snapservice_reverts', { state: 'PENDING' })).toBe(1);
    expect(value(m, 'snapservice_reverts', { state: 'RUNNING' })).toBe(0);
    expect(value(m, 'snapservice_reverts_max')).toBe(3);
    expect(value(m, 'snapservice_sessions')).toBe(1);
    expect(value(m, 'snapservice_requests_total', { protocol: 'rest', operation: REVERT, status: '202', result: 'success' })).toBe(1);
    expect(value(m, 'snapservice_store_query_duration_seconds_count', { statement: 'select' })).toBeGreaterThan(0);
    expect(value(m, 'snapservice_store_query_duration_seconds_count', { statement: 'insert' })).toBeGreaterThan(0);

    await t.advance(600);
    m = await scrape();
    expect(value(m, 'snapservice_tasks', { kind: 'vm.revert', state: 'RUNNING' })).toBe(1);
    expect(value(m, 'snapservice_tasks', { kind: 'vm.revert', state: 'PENDING' })).toBe(0);
    expect(value(m, 'snapservice_reverts', { state: 'RUNNING' })).toBe(1);

    await t.advance(5000);
    m = await scrape();
    expect(value(m, 'snapservice_tasks', { kind: 'vm.revert', state: 'SUCCEEDED' })).toBe(1);
    expect(value(m, 'snapservice_reverts', { state: 'RUNNING' })).toBe(0);

    // Sessions idle past --session-idle-ms no longer count.
    await t.wall.advance(31 * 60_000);
    m = await scrape();
    expect(value(m, 'snapservice_sessions')).toBe(0);
  });

  it('observes scheduler lag when a scheduled snapshot is taken', async () => {
    t = await makeApp({ taskDelayMs: 0, taskQueueMs: 0 });
    const I = await ids(t);
    const res = await t.req({
      method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/protection-groups?vmw-task=true`,
      payload: { name: 'web', target_entities: { vm_name_patterns: ['web-*'] }, snapshot_policies: [{ name: 'hourly', schedule: { unit: 'HOUR', interval: 1 }, retention: { unit: 'HOUR', duration: 4 } }] },
    });
    expect(res.statusCode).toBe(202);
    await t.advance(0);
    expect(value(await scrape(), 'snapservice_scheduler_lag_seconds_count')).toBe(0);
    await t.advance(2 * 3600_000);
    const m = await scrape();
    expect(value(m, 'snapservice_scheduler_lag_seconds_count')).toBe(2);
    // The manual clock fires each run at its due time: no lag.
    expect(value(m, 'snapservice_scheduler_lag_seconds_bucket', { le: '0.001' })).toBe(2);
  });

  it('still serves what memory holds while the store does not answer, with snapservice_store_up 0', async () => {
    t = await makeApp();
    await t.req({ method: 'POST', url: '/api/session' });
    expect(value(await scrape(), 'snapservice_store_up')).toBe(1);
    const spy = vi.spyOn(t.runtime.deps.store.repos.tasks, 'countByKindAndStatus').mockRejectedValue(new Error('connect ECONNREFUSED'));
    const m = await scrape();
    expect(value(m, 'snapservice_store_up')).toBe(0);
    expect(value(m, 'snapservice_sessions')).toBeNaN();
    expect(m.get('snapservice_tasks')?.metrics ?? []).toEqual([]);
    expect(value(m, 'snapservice_requests_total', { protocol: 'rest', operation: 'com.vmware.cis.session.create', status: '201', result: 'success' })).toBe(1);
    spy.mockRestore();
    expect(value(await scrape(), 'snapservice_sessions')).toBe(1);
  });

  it('is absent with metrics off, and nothing is measured', async () => {
    t = await makeApp({ metrics: false });
    const res = await t.req({ method: 'GET', url: '/metrics', as: null });
    expect(res.statusCode).toBe(404);
    expect(res.json().error_type).toBe('OPERATION_NOT_FOUND');
    expect(t.runtime.deps.metrics.enabled).toBe(false);
    expect((await t.req({ method: 'GET', url: '/healthz', as: null })).statusCode).toBe(200);
  });

  it('counts STS and other HTTP routes by their route, not their raw path', async () => {
    t = await makeApp();
    await t.req({ method: 'POST', url: '/sts/STSService/vsphere.local', payload: 'not xml', headers: { 'content-type': 'text/xml' }, as: null });
    await t.req({ method: 'GET', url: '/healthz', as: null });
    const m = await scrape();
    expect(value(m, 'snapservice_requests_total', { protocol: 'sts', operation: '/sts/STSService/:domain', status: '500', result: 'fault' })).toBe(1);
    expect(value(m, 'snapservice_requests_total', { protocol: 'http', operation: '/healthz', status: '200', result: 'success' })).toBe(1);
  });
});

describe('health and readiness', () => {
  it('GET /healthz answers without credentials', async () => {
    t = await makeApp();
    const res = await t.req({ method: 'GET', url: '/healthz', as: null });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 while the store answers and 503 while it fails', async () => {
    t = await makeApp();
    expect((await t.req({ method: 'GET', url: '/readyz', as: null })).json()).toEqual({ status: 'ready' });
    const spy = vi.spyOn(t.runtime.deps.store.repos.meta, 'get').mockRejectedValue(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    const down = await t.req({ method: 'GET', url: '/readyz', as: null });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ status: 'unavailable', store: 'unreachable' });
    spy.mockRestore();
    expect((await t.req({ method: 'GET', url: '/readyz', as: null })).statusCode).toBe(200);
  });

  it('GET /readyz gives up on a store that does not answer within 2 s (real time)', async () => {
    t = await makeApp();
    vi.spyOn(t.runtime.deps.store.repos.meta, 'get').mockReturnValue(new Promise(() => undefined));
    const pending = t.req({ method: 'GET', url: '/readyz', as: null });
    await new Promise((r) => setImmediate(r));
    await t.wall.advance(2000);
    const res = await pending;
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable', store: 'timeout' });
  });
});
