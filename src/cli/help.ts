import type { FlagSpec } from './flags.ts';

/** Placeholder and one-line description of each Config field's flag, by Config path. A field
 * missing here still gets a flag; its help line then just names its type and default. */
export const FIELD_HELP: Record<string, [placeholder: string, text: string]> = {
  host: ['HOST', 'address to listen on; beyond loopback only with a non-default --admin-password'],
  port: ['N', 'TCP port; 0 picks a free one'],
  dataDir: ['DIR', "store and TLS material, created if missing; ':memory:' keeps nothing"],
  store: ['sqlite|URL', "'sqlite' (embedded, in the data dir) or a postgres:// URL"],
  durability: ['normal|full', "SQLite commits: 'full' syncs each to disk before answering (survives power loss), 'normal' survives a killed process"],
  seed: ['demo|empty|FILE', 'inventory given to a new store (ignored once the store exists)'],
  seedProgressMs: ['MS', 'a long seed prints how far it got on stderr this often'],
  release: ['8.0.3|9.0|9.1', 'vSphere API release to serve: its operations, fields and enum values; later ones answer as that release does'],
  http: ['', 'serve plain HTTP instead of HTTPS'],
  certFile: ['FILE', 'TLS certificate (PEM); without it a self-signed one is made and kept in the data dir'],
  keyFile: ['FILE', 'private key (PEM) of --cert'],
  adminPassword: ['PASSWORD', 'password of administrator@vsphere.local, set on every start'],
  maxConcurrentReverts: ['N', 'revert tasks running at once'],
  maxConcurrentRestores: ['N', 'restore tasks running at once'],
  maxConcurrentClones: ['N', 'clone tasks running at once'],
  taskDelayMs: ['MS', 'minimum time a task stays RUNNING; 0 = as fast as possible'],
  taskQueueMs: ['MS', 'time a task stays PENDING before it runs; 0 = started at admission'],
  taskMsPerBlock: ['MS', 'extra RUNNING time per block a revert/restore rewrites'],
  taskLeaseMs: ['MS', 'a runner that stops renewing its claim this long is presumed dead'],
  taskRetentionMs: ['MS', 'how long finished tasks are kept'],
  sim: ['', 'enable the simulation API'],
  clock: ['system|manual', "service time: real time, or time that moves only through the simulation API"],
  clockStart: ['RFC3339', 'service time at start (default: now); with the system clock, time then runs on from there'],
  sessionIdleMs: ['MS', 'a session unused this long expires'],
  sessionMaxMs: ['MS', 'maximum lifetime of a session'],
  systemSnapshotRetentionMs: ['MS', 'lifetime of the snapshots the system takes before a revert'],
  reportRetentionMs: ['MS', 'how long snapshot history is kept for the reports (default 90 days)'],
  bodyLimit: ['BYTES', 'largest request body accepted'],
  replicationChunkBytes: ['BYTES', "replication sends changed blocks in chunks of at most this many bytes (keep 3/4 of the peer's --body-limit)"],
  maxDigestBytes: ['BYTES', 'disks larger than this get no whole-content digest'],
  scryptCost: ['N', "log2 of scrypt's N for new password hashes (10-20)"],
  logLevel: ['LEVEL', 'fatal, error, warn, info, debug, trace or silent (logs go to stderr)'],
  logRequests: ['', 'log every request (costs throughput)'],
  metrics: ['', 'serve GET /metrics (Prometheus text format) and measure requests, tasks and store queries for it'],
  'limits.snapshotsPerVm': ['N', 'most snapshots one VM may have'],
  'limits.policiesPerGroup': ['N', 'snapshot policies per protection group'],
  'limits.groupsPerCluster': ['N', 'protection groups per cluster'],
  'limits.minIntervalMinutes': ['N', 'shortest snapshot schedule interval, in minutes'],
};

export function renderServeHelp(specs: FlagSpec[]): string {
  const rows = specs.map((s) => {
    const [placeholder, text] = FIELD_HELP[s.path.join('.')] ?? [s.kind === 'boolean' ? '' : s.kind.toUpperCase(), `Config field ${s.path.join('.')}`];
    const left = s.kind === 'boolean' ? `--[no-]${s.flag}` : `--${s.flag} ${placeholder}`;
    const def = s.default === undefined || (s.kind === 'boolean' && s.default === false) ? '' : ` [default: ${String(s.default)}]`;
    return { left, right: `${text}${def}`, env: s.env };
  });
  const width = Math.max(...rows.map((r) => r.left.length)) + 2;
  const lines = rows.map((r) => `  ${r.left.padEnd(width)}${r.right}\n  ${''.padEnd(width)}env ${r.env}`);
  return [
    'Usage: snapservice serve [options]',
    '',
    'Starts the Snapservice API server. When it is ready it prints one line to stdout,',
    "'listening on <url>'; logs go to stderr. SIGTERM or SIGINT stops it cleanly.",
    'Every option can also be given as an environment variable; flags win over them.',
    '',
    'Options:',
    ...lines,
    `  ${'-h, --help'.padEnd(width)}show this help`,
    '',
    'Exit codes: 0 stopped cleanly, 1 could not start (or stop), 2 bad usage or refused configuration.',
    '',
  ].join('\n');
}

export const MAIN_HELP = `Usage: snapservice <command> [options]

Commands:
  serve     run the Snapservice API server ('snapservice serve --help' lists its options)
  help      show this help, or 'help serve'
  version   print the version

`;
