import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { allOperations } from '../../src/modules/index.ts';
import { operationIdOf, pathKeyOf } from '../../src/vapi/openapi.ts';
import { operationKey } from '../../src/vapi/operation.ts';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';

// The document is generated from the same operation definitions REST dispatches on; these
// tests hold it to the OpenAPI 3.0 schema and rules, to the routes actually registered, and
// to real responses of the app.

type Json = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

async function fetchDoc(t: TestApp): Promise<Json> {
  const res = await t.req({ method: 'GET', url: '/api/openapi.json', as: null });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return res.json();
}

function operationsOf(doc: Json): Array<{ key: string; method: string; op: Json }> {
  return Object.entries(doc.paths as Record<string, Json>).flatMap(([key, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ key, method, op: item[method] })),
  );
}

/** Every `$ref` in the document, with the JSON pointer it names. */
function refsOf(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refsOf(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsOf(v, out);
    }
  }
  return out;
}

function resolvePointer(doc: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<any>((node, part) => (node === undefined ? undefined : node[part]), doc);
}

/** Ajv over the document's components: OpenAPI 3.0 schemas are JSON Schema plus x- keywords. */
function responseValidator(doc: Json) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('password', true);
  ajv.addSchema({ $id: 'openapi.json', components: doc.components });
  const cache = new Map<string, ValidateFunction>();
  const compile = (schema: Json) => {
    const key = JSON.stringify(schema);
    let fn = cache.get(key);
    if (!fn) {
      fn = ajv.compile({ $id: `s${cache.size}`, ...rebase(schema) });
      cache.set(key, fn);
    }
    return fn;
  };
  const rebase = (s: Json): Json => JSON.parse(JSON.stringify(s).replaceAll('"#/components/', '"openapi.json#/components/'));

  /** The documented operation a request reaches: method, path template, action and vmw-task. */
  const matchOperation = (method: string, url: string) => {
    const u = new URL(url, 'http://x');
    const action = u.searchParams.get('action');
    const task = u.searchParams.get('vmw-task') === 'true';
    const path = u.pathname.replace(/^\/api/, '');
    for (const { key, method: m, op } of operationsOf(doc)) {
      if (m !== method.toLowerCase()) continue;
      const [template, query = ''] = key.split('?');
      const q = new URLSearchParams(query);
      if (q.get('action') !== action || (q.get('vmw-task') === 'true') !== task) continue;
      const re = new RegExp(`^${template.replace(/[.$]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}$`);
      if (re.test(path)) return { key, op };
    }
    return undefined;
  };

  return {
    compile,
    matchOperation,
    /** The response is one the document lists for that operation, and its body fits the schema. */
    check(method: string, url: string, res: { statusCode: number; body: string }) {
      const found = matchOperation(method, url);
      expect(found, `${method} ${url} is not in the document`).toBeDefined();
      const response = found!.op.responses[String(res.statusCode)];
      expect(response, `${method} ${url}: status ${res.statusCode} is not documented (${res.body.slice(0, 200)})`).toBeDefined();
      const schema = response.content?.['application/json']?.schema;
      if (!schema) {
        expect(res.body, `${method} ${url}: documented without content`).toBe('');
        return found!;
      }
      const validate = compile(schema);
      const body = JSON.parse(res.body);
      expect(validate(body), `${method} ${url} -> ${res.statusCode}: ${ajv.errorsText(validate.errors)}\n${res.body.slice(0, 500)}`).toBe(true);
      return found!;
    },
  };
}

describe('GET /api/openapi.json', () => {
  let t: TestApp;
  let doc: Json;
  beforeAll(async () => {
    t = await makeApp();
    doc = await fetchDoc(t);
  });
  afterAll(() => t.close());

  it('is public, and a valid OpenAPI 3.0 document (schema and semantic validation)', async () => {
    expect(doc.openapi).toBe('3.0.3');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(doc.info.version).toBe(pkg.version);
    expect(doc.info['x-vsphere-api-release']).toBe('9.1.0.0');
    expect(doc.info.description).toContain('9.1.0.0');
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/api' })]);
    // swagger-parser validates against the official 3.0 schema, then resolves every $ref and
    // checks path parameters and operationIds.
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  it('has every $ref resolving, responses on every operation and unique operationIds', () => {
    for (const ref of refsOf(doc)) expect(resolvePointer(doc, ref), ref).toBeDefined();
    const ops = operationsOf(doc);
    const seen = new Set<string>();
    for (const { key, method, op } of ops) {
      expect(seen.has(op.operationId), op.operationId).toBe(false);
      seen.add(op.operationId);
      const statuses = Object.keys(op.responses ?? {});
      expect(statuses.some((s) => /^2\d\d$/.test(s)), `${method} ${key}`).toBe(true);
      expect(statuses, `${method} ${key}`).toContain('401');
      const placeholders = [...key.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const pathParams = (op.parameters ?? []).filter((p: Json) => p.in === 'path').map((p: Json) => p.name).sort();
      expect(pathParams, `${method} ${key}`).toEqual(placeholders);
      expect(op.security?.length, `${method} ${key}`).toBeGreaterThan(0);
      expect(doc.tags.map((tg: Json) => tg.name)).toContain(op.tags[0]);
    }
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['api_key_auth', 'basic_auth']);
    expect(doc.components.securitySchemes.api_key_auth).toMatchObject({ type: 'apiKey', in: 'header', name: 'vmware-api-session-id' });
  });

  it('uses only OpenAPI 3.0 schema keywords (no const, no type arrays, no TypeBox extensions)', () => {
    const text = JSON.stringify(doc);
    for (const bad of ['"const"', '"patternProperties"', '"vapi"', '"set"', '"secret"', '"opaque"', '"vapi_map"', '"$id"', '"$schema"']) {
      expect(text.includes(`${bad}:`), bad).toBe(false);
    }
    const walk = (schema: Json): void => {
      if (schema.type !== undefined) expect(typeof schema.type, JSON.stringify(schema)).toBe('string');
      Object.values((schema.properties ?? {}) as Record<string, Json>).forEach(walk);
      for (const k of ['items', 'not'] as const) if (schema[k]) walk(schema[k]);
      if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties);
      for (const k of ['anyOf', 'oneOf', 'allOf'] as const) (schema[k] ?? []).forEach(walk);
    };
    Object.values(doc.components.schemas as Record<string, Json>).forEach(walk);
    // Sets are uniqueItems arrays; named structures are shared components.
    expect(doc.components.schemas['Snapservice.Clusters.VirtualMachines.Info'].properties.protection_groups).toMatchObject({ type: 'array', uniqueItems: true });
    expect(doc.components.schemas['Snapservice.Tasks.Info']['x-vapi-type']).toBe('com.vmware.snapservice.tasks.info');
    expect(Object.keys(doc.components.schemas).filter((n) => /_\d+$/.test(n))).toEqual([]);
  });

  it('lists every served operation exactly once, each at a route the server registers', () => {
    const listed = operationsOf(doc).flatMap(({ op }) => [op['x-vapi-operation'], ...(op['x-vapi-also'] ?? [])]);
    const notServed = (doc['x-not-served'] ?? []).map((o: Json) => o.operation);
    const expected = allOperations(t.runtime.deps.config).map(operationKey);
    expect([...listed, ...notServed].sort()).toEqual([...expected].sort());
    for (const op of allOperations(t.runtime.deps.config)) {
      const key = pathKeyOf(op);
      const documented = doc.paths[key]?.[op.rest.method.toLowerCase()];
      if (notServed.includes(operationKey(op))) continue;
      expect(documented, `${op.rest.method} ${key}`).toBeDefined();
      expect(t.app.hasRoute({ method: op.rest.method, url: op.rest.path.replace(/\{(\w+)\}/g, ':$1') }), op.rest.path).toBe(true);
      if (documented['x-vapi-operation'] === operationKey(op)) expect(documented.operationId).toBe(operationIdOf(op));
    }
    // Simulation operations are there with --sim, tagged as such.
    const simTags = doc.tags.filter((tg: Json) => tg.name.startsWith('Snapservice.Sim'));
    expect(simTags.length).toBeGreaterThan(0);
    for (const tg of simTags) expect(tg['x-simulation']).toBe(true);
    expect(doc.paths['/sim/clock?action=advance']?.post?.tags).toEqual(['Snapservice.Sim.Clock']);
  });

  it('describes revert: action and task in the path key, path ids, the spec body, 202 + task id, 400/401/403/404', () => {
    const op = doc.paths['/snapservice/clusters/{cluster}/virtual-machines/{vm}?action=revert&vmw-task=true'].post;
    expect(op.operationId).toBe('Snapservice.Clusters.VirtualMachines_revert$Task');
    expect(op.tags).toEqual(['Snapservice.Clusters.VirtualMachines']);
    expect(op.parameters).toEqual([
      expect.objectContaining({ name: 'cluster', in: 'path', required: true, schema: { type: 'string' } }),
      expect.objectContaining({ name: 'vm', in: 'path', required: true, schema: { type: 'string' } }),
    ]);
    expect(op.requestBody).toMatchObject({ required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Snapservice.Clusters.VirtualMachines.RevertSpec' } } } });
    expect(doc.components.schemas['Snapservice.Clusters.VirtualMachines.RevertSpec']).toMatchObject({ required: ['snapshot'], properties: { snapshot: { type: 'string' } } });
    expect(op.responses['202'].content['application/json'].schema).toEqual({ type: 'string' });
    expect(Object.keys(op.responses).sort()).toEqual(['202', '400', '401', '403', '404', '500']);
    expect(op.responses['404'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Vapi.Std.Errors.Error' });
    expect(op.security).toEqual([{ basic_auth: [] }, { api_key_auth: [] }]);
  });

  it('describes tasks list: filter members as form/explode query parameters, 200 ListResult', () => {
    const op = doc.paths['/snapservice/tasks'].get;
    expect(op.operationId).toBe('Snapservice.Tasks_list');
    expect(op.requestBody).toBeUndefined();
    const byName = Object.fromEntries(op.parameters.map((p: Json) => [p.name, p]));
    expect(Object.keys(byName).sort()).toEqual(['operations', 'services', 'status', 'tasks', 'users']);
    expect(byName.status).toMatchObject({
      in: 'query', required: false, style: 'form', explode: true,
      schema: { type: 'array', uniqueItems: true, items: { $ref: '#/components/schemas/Snapservice.Tasks.Status' } },
    });
    expect(doc.components.schemas['Snapservice.Tasks.Status'].enum).toEqual(['PENDING', 'RUNNING', 'BLOCKED', 'SUCCEEDED', 'FAILED']);
    expect(op.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Snapservice.Tasks.ListResult' });
    expect(op.responses['404']).toBeUndefined();
  });

  it('describes protection group delete: DELETE with vmw-task=true, spec members in the query, 202', () => {
    const op = doc.paths['/snapservice/clusters/{cluster}/protection-groups/{pg}?vmw-task=true'].delete;
    expect(op.operationId).toBe('Snapservice.Clusters.ProtectionGroups_delete$Task');
    expect(op.parameters.map((p: Json) => `${p.in}:${p.name}`)).toEqual(['path:cluster', 'path:pg', 'query:force']);
    expect(op.parameters[2]).toMatchObject({ required: false, schema: { type: 'boolean' } });
    expect(op.requestBody).toBeUndefined();
    expect(Object.keys(op.responses).sort()).toEqual(['202', '400', '401', '403', '404', '500']);
    // Its PATCH sibling (update) shares the path key.
    expect(doc.paths['/snapservice/clusters/{cluster}/protection-groups/{pg}?vmw-task=true'].patch.operationId).toBe('Snapservice.Clusters.ProtectionGroups_update$Task');
  });

  it('describes session create: Basic only, 201 with the token', () => {
    for (const [key, id] of [['/session', 'Cis.Session_create'], ['/snapservice/sessions', 'Snapservice.Sessions_create']]) {
      const op = doc.paths[key].post;
      expect(op.operationId).toBe(id);
      expect(op.security).toEqual([{ basic_auth: [] }]);
      expect(op.parameters).toBeUndefined();
      expect(op.requestBody).toBeUndefined();
      expect(op.responses['201'].content['application/json'].schema).toEqual({ type: 'string', format: 'password' });
      expect(Object.keys(op.responses).sort()).toEqual(['201', '401', '500']);
      expect(doc.paths[key].get.security).toEqual([{ api_key_auth: [] }]);
      expect(doc.paths[key].delete.responses['204']).toBeDefined();
    }
  });

  it('leaves the simulation operations out without --sim', async () => {
    const plain = await makeApp({ sim: false });
    try {
      const d = await fetchDoc(plain);
      expect(Object.keys(d.paths).filter((k) => k.startsWith('/sim/'))).toEqual([]);
      expect(d.tags.filter((tg: Json) => tg.name.startsWith('Snapservice.Sim'))).toEqual([]);
      const served = allOperations(plain.runtime.deps.config).length;
      const listed = operationsOf(d).reduce((n, { op }) => n + 1 + (op['x-vapi-also']?.length ?? 0), 0) + (d['x-not-served']?.length ?? 0);
      expect(listed).toBe(served);
      await expect(SwaggerParser.validate(structuredClone(d) as never)).resolves.toBeDefined();
    } finally {
      await plain.close();
    }
  });
});

describe('the document against real responses', () => {
  let t: TestApp;
  let I: Awaited<ReturnType<typeof ids>>;
  let v: ReturnType<typeof responseValidator>;
  beforeEach(async () => {
    t = await makeApp({ taskDelayMs: 1000, taskQueueMs: 0 });
    I = await ids(t);
    v = responseValidator(await fetchDoc(t));
  });
  afterEach(() => t.close());

  /** Sends the request and checks the response against the document. */
  async function call(method: string, url: string, opts: { payload?: unknown; as?: 'admin' | 'readonly' | null; headers?: Record<string, string> } = {}) {
    const res = await t.req({ method: method as never, url, payload: opts.payload as never, as: opts.as === undefined ? 'admin' : opts.as, headers: opts.headers });
    v.check(method, url, res);
    return res;
  }

  it('VM, snapshot, group, task and session responses validate against their schemas', async () => {
    const A = I.clusterA;
    const vm = I.vm('web-01');
    const session = await call('POST', '/api/session');
    expect(session.statusCode).toBe(201);
    const token = session.json() as string;
    await call('GET', '/api/session', { as: null, headers: { 'vmware-api-session-id': token } });
    await call('POST', '/api/snapservice/sessions');
    await call('GET', '/api/snapservice/info/about');

    expect((await call('GET', `/api/snapservice/clusters/${A}/virtual-machines`)).json().items.length).toBeGreaterThan(0);
    await call('GET', `/api/snapservice/clusters/${A}/virtual-machines?local_protection_enabled=true`);
    await call('GET', `/api/snapservice/clusters/${A}/virtual-machines/${vm}`);
    const snaps = (await call('GET', `/api/snapservice/clusters/${A}/virtual-machines/${vm}/snapshots`)).json().items;
    await call('GET', `/api/snapservice/clusters/${A}/virtual-machines/${vm}/snapshots/${snaps[0].snapshot}`);
    const pgs = (await call('GET', `/api/snapservice/clusters/${A}/protection-groups`)).json().items;
    if (pgs.length > 0) {
      await call('GET', `/api/snapservice/clusters/${A}/protection-groups/${pgs[0].pg}`);
      const pgSnaps = (await call('GET', `/api/snapservice/clusters/${A}/protection-groups/${pgs[0].pg}/snapshots`)).json().items;
      if (pgSnaps.length > 0) await call('GET', `/api/snapservice/clusters/${A}/protection-groups/${pgs[0].pg}/snapshots/${pgSnaps[0].snapshot}`);
    }

    // A task through its states: PENDING/RUNNING/SUCCEEDED infos all fit Snapservice.Tasks.Info.
    const revert = await call('POST', `/api/snapservice/clusters/${A}/virtual-machines/${vm}?action=revert&vmw-task=true`, { payload: { snapshot: snaps[0].snapshot } });
    expect(revert.statusCode).toBe(202);
    const task = revert.json() as string;
    await call('GET', `/api/snapservice/tasks/${task}`);
    await t.advance(300);
    await call('GET', `/api/snapservice/tasks/${task}`);
    await t.advance(5000);
    expect((await call('GET', `/api/snapservice/tasks/${task}`)).json().status).toBe('SUCCEEDED');
    await call('GET', `/api/snapservice/tasks?tasks=${task}&status=SUCCEEDED`);
    await call('GET', `/api/cis/tasks/${task}?return_all=true`);
    await call('POST', '/api/cis/tasks?action=list', { payload: { filter_spec: { tasks: [task] } } });

    // A task with a result: the result fits x-vapi-task-result.
    const create = await call('POST', `/api/snapservice/clusters/${A}/protection-groups?vmw-task=true`, {
      payload: { name: 'docs', target_entities: { vms: [vm] }, snapshot_policies: [{ name: 'h', schedule: { unit: 'HOUR', interval: 1 }, retention: { unit: 'HOUR', duration: 3 } }] },
    });
    expect(create.statusCode, create.body).toBe(202);
    await t.advance(5000);
    const info = (await call('GET', `/api/snapservice/tasks/${create.json()}`)).json();
    expect(info.status, JSON.stringify(info)).toBe('SUCCEEDED');
    const createOp = v.matchOperation('POST', `/api/snapservice/clusters/${A}/protection-groups?vmw-task=true`)!.op;
    expect(v.compile(createOp['x-vapi-task-result'])(info.result)).toBe(true);
    await call('GET', `/api/snapservice/clusters/${A}/protection-groups/${info.result}`);
    const del = await call('DELETE', `/api/snapservice/clusters/${A}/protection-groups/${info.result}?vmw-task=true&force=true`);
    expect(del.statusCode, del.body).toBe(202);
  });

  it('vCenter and simulation responses validate against their schemas', async () => {
    const vm = I.vm('web-01');
    await call('GET', '/api/vcenter/datacenter');
    const clusters = (await call('GET', '/api/vcenter/cluster')).json();
    await call('GET', `/api/vcenter/cluster/${clusters[0].cluster}`);
    await call('GET', '/api/vcenter/folder');
    await call('GET', '/api/vcenter/host');
    await call('GET', '/api/vcenter/resource-pool');
    await call('GET', '/api/vcenter/vm?power_states=POWERED_ON');
    await call('GET', `/api/vcenter/vm/${vm}`);
    await call('GET', `/api/vcenter/vm/${vm}/power`);
    await call('POST', `/api/vcenter/vm/${vm}/power?action=stop`);
    await call('GET', '/api/sim/clock');
    await call('GET', `/api/sim/vms/${vm}/disks/2001`);
  });

  it('error responses use the documented statuses and the error schema', async () => {
    const A = I.clusterA;
    const vm = I.vm('web-01');
    const revert = (cluster: string, id: string) => `/api/snapservice/clusters/${cluster}/virtual-machines/${id}?action=revert&vmw-task=true`;
    expect((await call('POST', revert(A, vm), { payload: { snapshot: 'x' }, as: null })).statusCode).toBe(401);
    expect((await call('POST', revert(A, vm), { payload: { snapshot: 'x' }, as: 'readonly' })).statusCode).toBe(403);
    expect((await call('POST', revert(A, 'vm-99999'), { payload: { snapshot: 'x' } })).statusCode).toBe(404);
    expect((await call('POST', revert(A, vm), { payload: { snapshot: 7 } })).statusCode).toBe(400);
    expect((await call('GET', '/api/snapservice/tasks?status=NOPE')).statusCode).toBe(400);
    expect((await call('GET', '/api/snapservice/tasks/nope')).statusCode).toBe(404);
    expect((await call('GET', '/api/session', { as: null })).statusCode).toBe(401);
  });
});

describe('GET /docs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeApp();
  });
  afterAll(() => t.close());

  it('serves Swagger UI from the installed package, loading our document, with no outside origin', async () => {
    const page = await t.req({ method: 'GET', url: '/docs', as: null });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const urls = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(urls.length).toBeGreaterThan(2);
    for (const url of urls) {
      expect(url.startsWith('/docs/'), url).toBe(true);
      const asset = await t.req({ method: 'GET', url, as: null });
      expect(asset.statusCode, url).toBe(200);
      expect(asset.rawPayload.length, url).toBeGreaterThan(0);
    }
    const init = await t.req({ method: 'GET', url: '/docs/init.js', as: null });
    expect(init.body).toContain('"/api/openapi.json"');
    expect(init.body).toContain('validatorUrl: null');
    expect((await t.req({ method: 'GET', url: '/docs/', as: null })).statusCode).toBe(200);
  });

  it('serves only the listed files; anything else under /docs is a vAPI not-found', async () => {
    for (const url of ['/docs/../package.json', '/docs/%2e%2e/package.json', '/docs/index.html', '/docs/swagger-ui-bundle.js.map', '/docs/nope']) {
      const res = await t.req({ method: 'GET', url, as: null });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error_type, url).toBe('OPERATION_NOT_FOUND');
    }
  });
});
