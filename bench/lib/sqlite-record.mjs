/**
 * Records every SQLite call a server makes, so that `bench/sqlite-replay.mjs` can run the same
 * calls again with nothing else in the process: what the store's own statements cost, without
 * Kysely, our code, HTTP or the load generator. Loaded into the app server with
 *
 *   BENCH_SERVER_NODE_ARGS='--import ./bench/lib/sqlite-record.mjs' npm run bench -- revert-submit --store sqlite
 *
 * it appends one JSON line per call (milliseconds since start, method, SQL, parameters) to
 * $SQLITE_RECORD_DIR (default: the system's temp dir)/sqlite-record-<pid>.jsonl, from the
 * first statement on (migrations and seed included), so that a replay on an empty file builds
 * the same database. In-memory databases are not recorded. Plain JavaScript so that it loads
 * before tsx.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const Database = createRequire(import.meta.url)('better-sqlite3');
const probe = new Database(':memory:');
const statementProto = Object.getPrototypeOf(probe.prepare('select 1'));
const databaseProto = Object.getPrototypeOf(probe);
probe.close();

const fd = openSync(join(process.env.SQLITE_RECORD_DIR ?? tmpdir(), `sqlite-record-${process.pid}.jsonl`), 'w');
const start = process.hrtime.bigint();
let lines = [];
// A pragma runs a statement of its own: recorded as the pragma alone, which is what replays it.
let inPragma = false;

const flush = () => {
  if (lines.length > 0) writeSync(fd, `${lines.join('\n')}\n`);
  lines = [];
};
const record = (method, sql, params) => {
  lines.push(JSON.stringify({ t: Number(process.hrtime.bigint() - start) / 1e6, m: method, s: sql, p: params }));
  if (lines.length >= 2000) flush();
};
// JSON keeps neither blobs nor bigints: tagged, and untagged by the replay.
const encodeValue = (v) => (v instanceof Uint8Array ? { $b: Buffer.from(v).toString('base64') } : typeof v === 'bigint' ? { $n: String(v) } : v);
const encodeArg = (a) => {
  if (Array.isArray(a)) return a.map(encodeValue);
  if (a !== null && typeof a === 'object' && !(a instanceof Uint8Array)) {
    return { $o: Object.fromEntries(Object.entries(a).map(([k, v]) => [k, encodeValue(v)])) };
  }
  return encodeValue(a);
};

for (const method of ['all', 'get', 'run', 'iterate']) {
  const original = statementProto[method];
  statementProto[method] = function recorded(...args) {
    if (!inPragma && !this.database.memory) record(method, this.source, args.map(encodeArg));
    return original.apply(this, args);
  };
}
for (const method of ['exec', 'pragma']) {
  const original = databaseProto[method];
  databaseProto[method] = function recorded(sql, options) {
    if (!this.memory) record(method, sql, options === undefined ? [] : [options]);
    inPragma = method === 'pragma';
    try {
      return original.call(this, sql, options);
    } finally {
      inPragma = false;
    }
  };
}

process.on('exit', () => {
  flush();
  closeSync(fd);
});
