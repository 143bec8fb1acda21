import type { Api, ApiOperation, Rng } from './schema.ts';

/** One fuzz request: the exact bytes to send on a fresh connection. */
export interface Case {
  kind: string;
  bytes: Buffer;
  /** The answer to a HEAD request has no body. */
  head?: boolean;
  /** What the report shows: the request line, cut short. */
  summary: string;
  /** The request is incomplete on purpose: whatever follows on the connection is its body. */
  incomplete?: boolean;
}

/** What the generator knows about the server under test. */
export interface Target {
  api: Api;
  /** Credentials that work: a session token and Basic headers. */
  session: string;
  /** Sessions for DELETE requests, which may end the session they carry (DELETE /api/session). */
  expendable: string[];
  basicAdmin: string;
  basicReadonly: string;
  /** Real object ids by path parameter name (cluster, vm, pg, ...), so that requests get past 404. */
  ids: Record<string, string[]>;
  /** Whether bodies shorter than their Content-Length may be sent (the server's request timeout is short). */
  slow: boolean;
  bodyLimit: number;
}

type Header = [string, string];

/** Percent-encoding of any string; lone surrogates (which encodeURIComponent refuses) become U+FFFD. */
const enc = (s: string) => encodeURIComponent(Buffer.from(s, 'utf8').toString('utf8'));

/** A request as bytes; Content-Length follows the body unless a header sets it. */
export function request(method: string, target: string, headers: Header[], body?: string | Buffer): Buffer {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...headers.map(([k, v]) => `${k}: ${v}`)];
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  if (body !== undefined && !headers.some(([k]) => /^(content-length|transfer-encoding)$/i.test(k))) lines.push(`Content-Length: ${payload.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
}

const JSON_TYPE: Header = ['Content-Type', 'application/json'];

function auth(t: Target, r: Rng, method: string): Header[] {
  const session = method.toUpperCase() === 'DELETE' ? r.pick(t.expendable) : t.session;
  const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
  return r.pick<Header[]>([
    [['vmware-api-session-id', session]],
    [['vmware-api-session-id', session]],
    [['vmware-api-session-id', session]],
    [['vmware-api-session-id', session]],
    [['Cookie', `vmware-api-session-id=${session}`]],
    [['Authorization', t.basicAdmin]],
    [['Authorization', t.basicReadonly]],
    [],
    [['Authorization', basic('administrator@vsphere.local', r.oddString())]],
    [['Authorization', `Basic ${r.pick(['', '!!!', '%%%', 'A'.repeat(3000), Buffer.from('no-colon').toString('base64')])}`]],
    [['vmware-api-session-id', r.pick(['', 'x', '0'.repeat(64), 'é', 'a'.repeat(4000)])]],
    [['Cookie', `vmware-api-session-id=${r.pick(['%E0%A4%A', '%', '%zz', '%00', 'a'.repeat(4000), ''])}`]],
    [['Cookie', r.pick(['=', ';;;', 'vmware-api-session-id', 'a=b; vmware-api-session-id=%FF; c'])]],
  ]);
}

function fillPath(t: Target, op: ApiOperation, r: Rng): string {
  return op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const known = t.ids[name] ?? [];
    if (known.length > 0 && r.chance(0.75)) return enc(r.pick(known));
    return r.chance(0.8) ? enc(r.oddString()) : r.pick(['%', '%zz', '%E0%A4%A', '..', '%2F', 'a/b', '']);
  });
}

function query(t: Target, op: ApiOperation, r: Rng, wrong: boolean): string {
  const parts = op.fixedQuery ? op.fixedQuery.split('&') : [];
  for (const p of op.params.filter((x) => x.in === 'query')) {
    if (!r.chance(0.4)) continue;
    const v = wrong && r.chance(0.6) ? r.oddValue() : t.api.valid(p.schema, r);
    for (const item of Array.isArray(v) ? v : [v]) parts.push(`${enc(p.name)}=${enc(typeof item === 'string' ? item : JSON.stringify(item) ?? '')}`);
  }
  if (wrong && r.chance(0.3)) parts.push(`${enc(r.oddString())}=${enc(r.oddString())}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

function operationCase(t: Target, r: Rng, wrong: boolean): Case {
  const op = r.pick(t.api.operations);
  const target = fillPath(t, op, r) + query(t, op, r, wrong);
  let body: string | undefined;
  if (op.body) body = JSON.stringify(wrong ? t.api.invalid(op.body, r) : t.api.valid(op.body, r)) ?? 'null';
  else if (wrong && r.chance(0.3)) body = JSON.stringify(r.oddValue()) ?? '';
  return make(wrong ? 'wrong types and values' : 'operations', op.method, target, [...auth(t, r, op.method), JSON_TYPE], body);
}

function make(kind: string, method: string, target: string, headers: Header[], body?: string | Buffer): Case {
  return { kind, bytes: request(method, target, headers, body), head: method === 'HEAD', summary: `${method} ${target}`.slice(0, 160) };
}

function wrongMethod(t: Target, r: Rng): Case {
  const op = r.pick(t.api.operations);
  const used = new Set(t.api.operations.filter((o) => o.path === op.path).map((o) => o.method));
  const method = r.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'get', 'SEARCH'].filter((m) => !used.has(m)));
  return make('wrong methods', method, fillPath(t, op, r) + (op.fixedQuery ? `?${op.fixedQuery}` : ''), [...auth(t, r, method), JSON_TYPE], r.chance(0.5) ? '{}' : undefined);
}

function bodyOp(t: Target, r: Rng): ApiOperation {
  return r.pick(t.api.operations.filter((o) => o.body));
}

function malformedJson(t: Target, r: Rng): Case {
  const op = bodyOp(t, r);
  const body = r.pick<string | Buffer>([
    '{', '{"spec":', '[1,2', '{"a":1,}', 'NaN', 'undefined', "{'a':1}", '\ufeff{}', '{"a":"\\u12"}', '"unterminated', '{"a":1}{"b":2}',
    Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), Buffer.from([0xc0, 0xaf]), '\u0000', '1e999999', '-', '[]', 'null', 'true',
  ]);
  return make('malformed JSON', op.method, fillPath(t, op, r) + (op.fixedQuery ? `?${op.fixedQuery}` : ''), [...auth(t, r, op.method), JSON_TYPE], body);
}

function deepJson(t: Target, r: Rng): Case {
  const op = bodyOp(t, r);
  const levels = r.pick([10, 63, 64, 65, 1000, 10_000, 100_000]);
  const [open, close] = r.pick([['[', ']'], ['{"a":', '}'], ['{"spec":[', ']}']]);
  const inner = `${open.repeat(levels)}${r.chance(0.5) ? '1' : ''}${close.repeat(levels)}`;
  const body = r.chance(0.5) ? inner : `{"spec":${inner}}`;
  if (op.path.endsWith('/cis/tasks') || r.chance(0.2)) return make('deep JSON', 'POST', `${t.api.base}/cis/tasks?action=list`, [...auth(t, r, 'POST'), JSON_TYPE], body);
  return make('deep JSON', op.method, fillPath(t, op, r) + (op.fixedQuery ? `?${op.fixedQuery}` : ''), [...auth(t, r, op.method), JSON_TYPE], body);
}

function hugeBody(t: Target, r: Rng): Case {
  const op = bodyOp(t, r);
  const size = r.pick([t.bodyLimit - 100, t.bodyLimit + 1, t.bodyLimit * 2 + 7]);
  const body = r.chance(0.5) ? `{"name":"${'x'.repeat(Math.max(0, size - 11))}"}` : `[${'1,'.repeat(Math.floor(size / 2) - 1)}1]`;
  const target = fillPath(t, op, r) + (op.fixedQuery ? `?${op.fixedQuery}` : '');
  if (t.slow && r.chance(0.3)) {
    // Declared too large and never sent: answered when the request timeout ends it.
    return {
      kind: 'huge bodies', incomplete: true, summary: `${op.method} ${target} (Content-Length ${t.bodyLimit * 50}, no body)`,
      bytes: request(op.method, target, [...auth(t, r, op.method), JSON_TYPE, ['Content-Length', String(t.bodyLimit * 50)]]),
    };
  }
  return make('huge bodies', op.method, target, [...auth(t, r, op.method), JSON_TYPE], body);
}

function oddHeaders(t: Target, r: Rng): Case {
  const op = r.pick(t.api.operations);
  const headers: Header[] = [...auth(t, r, op.method)];
  const extra = r.pick<Header[]>([
    [['Content-Type', r.pick(['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', '', ';;', 'application/vnd.x+json', 'a'.repeat(2000)])]],
    [['Accept', r.pick(['text/html', '*/*;q=0', 'application/xml', 'x'.repeat(3000)])]],
    [['Content-Encoding', 'gzip'], JSON_TYPE],
    [['Expect', '100-continue'], JSON_TYPE],
    [['Transfer-Encoding', 'gzip, chunked'], JSON_TYPE],
    [['Connection', 'Upgrade'], ['Upgrade', 'websocket']],
    [['X-HTTP-Method-Override', 'DELETE']],
    Array.from({ length: 100 }, (_, i): Header => [`X-Many-${i}`, String(i)]),
    [['vmware-api-session-id', t.session], ['vmware-api-session-id', 'other']],
    [['Authorization', t.basicAdmin], ['Authorization', t.basicReadonly]],
    [JSON_TYPE, ['Content-Type', 'text/plain']],
    [['X-Big', 'a'.repeat(15_000)]],
    [['vmw-task', 'true'], ['vapi-service', r.oddString().replace(/[\r\n\0]/g, '')]],
    [['Host', 'evil.example'], ['X-Forwarded-For', '1.2.3.4, ::1']],
  ]);
  headers.push(...extra);
  const target = fillPath(t, op, r) + (op.fixedQuery ? `?${op.fixedQuery}` : '');
  const body = op.body ? JSON.stringify(t.api.valid(op.body, r)) : undefined;
  const chunked = extra.some(([k, v]) => k === 'Transfer-Encoding' && v.endsWith('chunked'));
  if (chunked) {
    const data = body ?? '{}';
    const bytes = request(op.method, target, headers, `${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n0\r\n\r\n`);
    return { kind: 'odd headers', bytes, summary: `${op.method} ${target} (chunked)`.slice(0, 160) };
  }
  return make('odd headers', op.method, target, headers, body);
}

function encodings(t: Target, r: Rng): Case {
  const op = r.pick(t.api.operations);
  const path = fillPath(t, op, r);
  const target = r.pick([
    `${path}?${op.fixedQuery}&names=%zz`,
    `${path}?${op.fixedQuery}&%E0%A4%A=1`,
    `${path}%`,
    `${path}/%C0%AF`,
    `${path}%00`,
    `${path}/../../..${t.api.base}/session`,
    `${path.replace(/\//g, '//')}`,
    `${path}/`,
    `${path}?${op.fixedQuery}&action=a&action=b`,
    `${path}?vmw-task=TRUE&action=`,
    `${path}?${'a='.repeat(3000)}`,
    `${path}?filter.names=${enc(r.oddString())}&names[]=x&spec.x.y.z=1`,
    `${path};jsessionid=1`,
    `${path}#frag`,
    `/${'x/'.repeat(2000)}`,
    `http://127.0.0.1${path}`,
    '*',
  ]);
  return make('encodings', op.method, target, [...auth(t, r, op.method), JSON_TYPE], op.body ? '{}' : undefined);
}

function rawMalformed(t: Target, r: Rng): Case {
  const p = `${t.api.base}/session`;
  const raw = r.pick<string | Buffer>([
    `GET ${p} HTTP/9.9\r\nHost: x\r\n\r\n`,
    `GET ${p} HTTP/1.2\r\nHost: x\r\n\r\n`,
    `GET ${p}\r\n\r\n`,
    `GET ${p} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n`,
    `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n`,
    `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab`,
    `POST ${p} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
    `GE\x01T ${p} HTTP/1.1\r\nHost: x\r\n\r\n`,
    `GET ${p}\x00 HTTP/1.1\r\nHost: x\r\n\r\n`,
    `GET ${p} HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n`,
    `GET ${p} HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n`,
    `GET ${p} HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n`,
    `GET ${p} HTTP/1.1\r\nHost: x\r\nX-A: a\r\n folded\r\n\r\n`,
    `GET ${p} HTTP/1.1\nHost: x\n\n`,
    `GET /${'a'.repeat(17_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    `GET ${p} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17_000)}\r\n\r\n`,
    'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
    `CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n`,
    Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]),
    Buffer.from(Array.from({ length: 64 }, () => r.int(0, 255))),
    `\r\n\r\nGET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`,
  ]);
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'latin1');
  return { kind: 'raw malformed HTTP', bytes, summary: JSON.stringify(bytes.subarray(0, 60).toString('latin1')) };
}

function jsonRpc(t: Target, r: Rng): Case {
  const envelope = {
    jsonrpc: r.pick(['2.0', '1.0', 2]),
    id: r.pick([1, 'x', null, {}]),
    method: r.pick(['invoke', 'other', '']),
    params: r.chance(0.8) ? {
      serviceId: r.pick(['com.vmware.snapservice.tasks', 'com.vmware.vcenter.vm', 'com.vmware.cis.session', r.oddString()]),
      operationId: r.pick(['list', 'get', 'create', 'revert$task', r.oddString()]),
      input: r.chance(0.5) ? { STRUCTURE: { operation_input: r.chance(0.5) ? {} : { x: r.oddValue() } } } : r.oddValue(),
      ctx: { appCtx: {}, securityCtx: r.pick([{ schemeId: 'com.vmware.vapi.std.security.session_id', sessionId: t.session }, { schemeId: r.oddString() }, {}]) },
    } : r.oddValue(),
  };
  return make('JSON-RPC', 'POST', t.api.base, [JSON_TYPE], JSON.stringify(envelope));
}

function slowBody(t: Target, r: Rng): Case {
  const op = bodyOp(t, r);
  const target = fillPath(t, op, r) + (op.fixedQuery ? `?${op.fixedQuery}` : '');
  return { kind: 'short bodies', incomplete: true, bytes: request(op.method, target, [...auth(t, r, op.method), JSON_TYPE, ['Content-Length', '1000']], '{"a":'), summary: `${op.method} ${target} (5 of 1000 bytes)` };
}

const GENERATORS: Array<[number, (t: Target, r: Rng) => Case]> = [
  [22, (t, r) => operationCase(t, r, false)],
  [18, (t, r) => operationCase(t, r, true)],
  [8, wrongMethod],
  [8, malformedJson],
  [6, deepJson],
  [4, hugeBody],
  [10, oddHeaders],
  [10, encodings],
  [8, rawMalformed],
  [6, jsonRpc],
];

/** The next case: every class of the mix, weighted as listed. */
export function nextCase(t: Target, r: Rng): Case {
  const gens: Array<[number, (t: Target, r: Rng) => Case]> = t.slow ? [...GENERATORS, [1, slowBody]] : GENERATORS;
  let x = r.next() * gens.reduce((s, [w]) => s + w, 0);
  for (const [w, g] of gens) {
    if ((x -= w) < 0) return g(t, r);
  }
  return gens[0][1](t, r);
}
