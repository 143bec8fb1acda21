import { isLoopback } from '../src/cli/flags.ts';
import { ERROR_STATUS } from '../src/errors.ts';
import { nextCase, request, type Case, type Target } from './cases.ts';
import { RawConnection, type Next, type RawResponse } from './raw-http.ts';
import { Api, Rng } from './schema.ts';

/**
 * The fuzzer: cases generated from the served OpenAPI document (fuzz/cases.ts) sent to a
 * server on this machine, each on its own connection, and four things checked: no answer is
 * 5xx (but the vendor's 503 for a remote site that cannot be reached), every 4xx is a vAPI error body whose status matches its kind, every request gets an
 * answer in time (and a keep-alive connection that was not told to close still serves the
 * next request), and the server stays alive throughout.
 */
export interface FuzzOptions {
  url: string;
  /** Stop after this many cases... */
  count: number;
  /** ...or after this long, whichever comes first. */
  seconds: number;
  seed: number;
  concurrency: number;
  /** A request without an answer after this long is a hang. */
  caseTimeoutMs: number;
  adminPassword: string;
  /** Send bodies shorter than their Content-Length (the server's request timeout must be below caseTimeoutMs). */
  slow?: boolean;
  bodyLimit?: number;
}

export interface Finding {
  kind: string;
  problem: string;
  request: string;
  answer?: string;
}

export interface Report {
  seed: number;
  sent: number;
  elapsedMs: number;
  byKind: Record<string, number>;
  statuses: Record<string, number>;
  /** vAPI errors by message id. */
  errors: Record<string, number>;
  fiveXx: number;
  notVapi: number;
  hangs: number;
  unanswered: number;
  brokenKeepAlive: number;
  aliveChecks: number;
  alive: boolean;
  findings: Finding[];
}

const MAX_FINDINGS = 25;

export async function fuzz(opts: FuzzOptions): Promise<Report> {
  const base = new URL(opts.url);
  if (!isLoopback(base.hostname)) throw new Error(`the fuzzer only targets this machine (a loopback address), not ${base.hostname}`);
  const url = base.origin;
  const target = await discover(url, opts);
  const r = new Rng(opts.seed);
  const report: Report = {
    seed: opts.seed, sent: 0, elapsedMs: 0, byKind: {}, statuses: {}, errors: {}, fiveXx: 0, notVapi: 0, hangs: 0, unanswered: 0, brokenKeepAlive: 0,
    aliveChecks: 0, alive: true, findings: [],
  };
  const watcher = await login(url, opts.adminPassword);
  const start = performance.now();
  const deadline = start + opts.seconds * 1000;
  let issued = 0;
  const note = (f: Finding) => report.findings.length < MAX_FINDINGS && report.findings.push(f);

  const worker = async () => {
    while (issued < opts.count && performance.now() < deadline && report.alive) {
      const c = nextCase(target, r);
      issued++;
      report.byKind[c.kind] = (report.byKind[c.kind] ?? 0) + 1;
      await runCase(url, c, opts, report, note, watcher);
      report.sent++;
      if (report.sent % 250 === 0) await checkAlive(url, watcher, report, opts);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  await checkAlive(url, watcher, report, opts);
  report.elapsedMs = performance.now() - start;
  return report;
}

async function runCase(url: string, c: Case, opts: FuzzOptions, report: Report, note: (f: Finding) => void, session: string): Promise<void> {
  let conn: RawConnection;
  try {
    conn = await RawConnection.open(url);
  } catch (err) {
    report.unanswered++;
    note({ kind: c.kind, problem: `cannot connect: ${(err as Error).message}`, request: c.summary });
    return;
  }
  try {
    conn.send(c.bytes);
    const answer = await conn.next(opts.caseTimeoutMs, { head: c.head });
    if (!judge(answer, c, report, note)) return;
    const res = answer as RawResponse;
    if (/close/i.test(res.headers.connection ?? '') || c.incomplete) return;
    // Not told to close: the connection must serve the next request as it should.
    conn.send(request('GET', '/api/snapservice/info/about', [['vmware-api-session-id', session]]));
    const next = await conn.next(opts.caseTimeoutMs);
    if (typeof next === 'string' || next.status !== 200) {
      report.brokenKeepAlive++;
      note({ kind: c.kind, problem: 'the next request on the kept-alive connection failed', request: c.summary, answer: describe(next) });
    }
  } finally {
    conn.destroy();
  }
}

/**
 * The vendor's documented 503 for a remote site that cannot be reached (a probe of a host
 * name that does not resolve): the server works, the remote does not.
 */
function remoteUnreachable(answer: { status: number; body: string }): boolean {
  return answer.status === 503 && /"error_type":"SERVICE_UNAVAILABLE"/.test(answer.body)
    && /"id":"com\.vmware\.snapservice\.site\.(unreachable|callback_unreachable)"/.test(answer.body);
}

/** Records one answer; false if there was none to go on with. */
function judge(answer: Next, c: Case, report: Report, note: (f: Finding) => void): boolean {
  if (answer === 'timeout') {
    report.hangs++;
    note({ kind: c.kind, problem: 'no answer in time (hang)', request: c.summary });
    return false;
  }
  if (answer === 'closed') {
    report.unanswered++;
    note({ kind: c.kind, problem: 'connection closed without an answer', request: c.summary });
    return false;
  }
  report.statuses[answer.status] = (report.statuses[answer.status] ?? 0) + 1;
  if ((answer.status >= 500 && !remoteUnreachable(answer)) || Number.isNaN(answer.status)) {
    report.fiveXx++;
    note({ kind: c.kind, problem: `status ${answer.status}`, request: c.summary, answer: describe(answer) });
  } else if (answer.status >= 400) {
    const id = /"id":"([^"]*)"/.exec(answer.body)?.[1] ?? '(none)';
    report.errors[id] = (report.errors[id] ?? 0) + 1;
    const why = vapiProblem(answer, c.head ?? false);
    if (why) {
      report.notVapi++;
      note({ kind: c.kind, problem: why, request: c.summary, answer: describe(answer) });
    }
  }
  return true;
}


/** Why a 4xx is not a vAPI error body, or undefined if it is one. */
function vapiProblem(res: RawResponse, head: boolean): string | undefined {
  if (!(res.headers['content-type'] ?? '').startsWith('application/json')) return `${res.status} with content type ${res.headers['content-type']}`;
  if (head) return undefined; // the answer to HEAD has the headers of the GET answer and no body
  let body: { error_type?: string; messages?: unknown };
  try {
    body = JSON.parse(res.body);
  } catch {
    return `${res.status} whose body is not JSON`;
  }
  const kind = body?.error_type as keyof typeof ERROR_STATUS | undefined;
  if (!kind || !(kind in ERROR_STATUS)) return `${res.status} without a known error_type`;
  if (ERROR_STATUS[kind] !== res.status) return `${kind} answered with status ${res.status}`;
  const messages = body.messages;
  const ok = Array.isArray(messages) && messages.every((m) =>
    typeof m?.id === 'string' && typeof m?.default_message === 'string' && Array.isArray(m?.args) && m.args.every((a: unknown) => typeof a === 'string'));
  return ok ? undefined : `${kind} with malformed messages`;
}

function describe(a: Next): string {
  return typeof a === 'string' ? a : `${a.status} ${a.body.slice(0, 300)}`;
}

async function checkAlive(url: string, session: string, report: Report, opts: FuzzOptions): Promise<void> {
  report.aliveChecks++;
  const res = await call(url, request('GET', '/api/snapservice/info/about', [['vmware-api-session-id', session]]), opts.caseTimeoutMs).catch(() => 'closed' as const);
  if (typeof res === 'string' || res.status !== 200) {
    report.alive = false;
    report.findings.push({ kind: 'alive', problem: 'the server stopped answering', request: 'GET /api/snapservice/info/about', answer: describe(res) });
  }
}

async function call(url: string, bytes: Buffer, timeoutMs: number): Promise<Next> {
  const c = await RawConnection.open(url);
  try {
    c.send(bytes);
    return await c.next(timeoutMs);
  } finally {
    c.destroy();
  }
}

async function getJson(url: string, path: string, session: string): Promise<unknown> {
  const res = await call(url, request('GET', path, [['vmware-api-session-id', session]]), 10_000);
  if (typeof res === 'string' || res.status !== 200) throw new Error(`GET ${path}: ${describe(res)}`);
  return JSON.parse(res.body);
}

async function login(url: string, password: string): Promise<string> {
  const res = await call(url, request('POST', '/api/session', [['Authorization', basic('administrator@vsphere.local', password)]]), 10_000);
  if (typeof res === 'string' || res.status !== 201) throw new Error(`cannot log in as administrator@vsphere.local: ${describe(res)}`);
  return JSON.parse(res.body) as string;
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** The document, a session, and real ids to put in paths. */
async function discover(url: string, opts: FuzzOptions): Promise<Target> {
  const session = await login(url, opts.adminPassword);
  const api = new Api((await getJson(url, '/api/openapi.json', session)) as ConstructorParameters<typeof Api>[0]);
  const list = async (path: string, key: string) => ((await getJson(url, path, session)) as Array<Record<string, string>>).map((x) => x[key]);
  const clusters = await list('/api/vcenter/cluster', 'cluster');
  const vms = await list('/api/vcenter/vm', 'vm');
  const ids: Record<string, string[]> = { cluster: clusters, vm: vms, disk_key: ['2000', '2001'], block: ['0', '1'], pg: [], snapshot: [], task: [] };
  for (const cluster of clusters) {
    const groups = (await getJson(url, `/api/snapservice/clusters/${cluster}/protection-groups`, session)) as { items: Array<{ pg: string }> };
    ids.pg.push(...groups.items.map((g) => g.pg));
    if (vms[0]) {
      const snaps = await getJson(url, `/api/snapservice/clusters/${cluster}/virtual-machines/${vms[0]}/snapshots`, session).catch(() => ({ items: [] }));
      ids.snapshot.push(...(snaps as { items: Array<{ snapshot: string }> }).items.map((s) => s.snapshot));
    }
  }
  ids.task = ((await getJson(url, '/api/snapservice/tasks', session)) as { items: Array<{ task: string }> }).items.map((t) => t.task).slice(0, 5);
  const readonly = 'readonly@vsphere.local:ReadOnly1!';
  const expendable = await Promise.all(Array.from({ length: 8 }, () => login(url, opts.adminPassword)));
  return {
    api, session, expendable, ids, slow: opts.slow ?? false, bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    basicAdmin: basic('administrator@vsphere.local', opts.adminPassword),
    basicReadonly: `Basic ${Buffer.from(readonly).toString('base64')}`,
  };
}

/** One paragraph for a person: what was sent and what broke. */
export function summarize(r: Report): string {
  const kinds = Object.entries(r.byKind).sort().map(([k, n]) => `${k} ${n}`).join(', ');
  const statuses = Object.entries(r.statuses).sort().map(([s, n]) => `${s}: ${n}`).join(', ');
  const lines = [
    `seed ${r.seed}: ${r.sent} requests in ${(r.elapsedMs / 1000).toFixed(1)} s (${kinds})`,
    `statuses: ${statuses}`,
    `vAPI errors: ${Object.entries(r.errors).sort((a, b) => b[1] - a[1]).map(([id, n]) => `${id.replace('com.vmware.snapservice.', '')} ${n}`).join(', ')}`,
    `5xx: ${r.fiveXx}, 4xx not vAPI-shaped: ${r.notVapi}, hangs: ${r.hangs}, closed unanswered: ${r.unanswered}, broken keep-alive: ${r.brokenKeepAlive}, server alive: ${r.alive ? 'yes' : 'NO'} (${r.aliveChecks} checks)`,
    ...r.findings.map((f) => `  [${f.kind}] ${f.problem}: ${f.request}${f.answer ? ` -> ${f.answer}` : ''}`),
  ];
  return lines.join('\n');
}

export function clean(r: Report): boolean {
  return r.fiveXx === 0 && r.notVapi === 0 && r.hangs === 0 && r.unanswered === 0 && r.brokenKeepAlive === 0 && r.alive;
}
