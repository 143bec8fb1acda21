import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** The default password of administrator@vsphere.local; the server refuses to listen beyond
 * loopback while it is in use. */
export const DEFAULT_ADMIN_PASSWORD = 'VMware1!';

export const ConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8443 }),
    /** Directory of the embedded store and the TLS material; ':memory:' keeps nothing. */
    dataDir: Type.String({ default: './data' }),
    /** 'sqlite' (embedded, default) or a postgres:// URL. */
    store: Type.String({ default: 'sqlite' }),
    /**
     * SQLite's commit durability: 'normal' loses nothing when the process dies, but an OS crash
     * or power loss may drop the last commits; 'full' syncs every commit to disk first.
     */
    durability: Type.Union([Type.Literal('normal'), Type.Literal('full')], { default: 'normal' }),
    seed: Type.String({ default: 'demo' }),
    /** At most this often, a long seed prints how far it got on stderr. */
    seedProgressMs: Type.Integer({ minimum: 1, default: 5000 }),
    /** vSphere API release served: its operations, fields and enum values, none added later. */
    release: Type.Union([Type.Literal('8.0.3'), Type.Literal('9.0'), Type.Literal('9.1')], { default: '9.1' }),
    /** This site's name, as its peer and the sites API show it. */
    siteName: Type.String({ minLength: 1, maxLength: 80, default: 'local-site' }),
    /**
     * How a paired site reaches this server (https://host:port); defaults to the listen address
     * (the machine's host name when listening on every interface).
     */
    siteUrl: Type.Optional(Type.String()),
    /** A call to a paired site that has not answered within this time fails as unreachable. */
    siteTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
    /**
     * Replication sends a snapshot's changed blocks in chunks of at most this many bytes (before
     * base64): one chunk per request, under the recovery site's body limit (1 MiB by default).
     */
    replicationChunkBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 512 * 1024 }),
    http: Type.Boolean({ default: false }),
    certFile: Type.Optional(Type.String()),
    keyFile: Type.Optional(Type.String()),
    adminPassword: Type.String({ minLength: 1, default: DEFAULT_ADMIN_PASSWORD }),
    maxConcurrentReverts: Type.Integer({ minimum: 1, default: 4 }),
    maxConcurrentRestores: Type.Integer({ minimum: 1, default: 4 }),
    maxConcurrentClones: Type.Integer({ minimum: 1, default: 4 }),
    /** Minimum time a task stays RUNNING. */
    taskDelayMs: Type.Integer({ minimum: 0, default: 2000 }),
    /** Time a task stays PENDING before a runner takes it; 0 = started at admission. */
    taskQueueMs: Type.Integer({ minimum: 0, default: 0 }),
    /** Extra RUNNING time per block a revert/restore rewrites (the proportional model). */
    taskMsPerBlock: Type.Number({ minimum: 0, default: 0 }),
    /** A runner that stops renewing its claim for this long is presumed dead. */
    taskLeaseMs: Type.Integer({ minimum: 100, default: 15000 }),
    taskRetentionMs: Type.Integer({ minimum: 0, default: 24 * 3600_000 }),
    sim: Type.Boolean({ default: false }),
    /** A JSON file of fault rules loaded at start (docs/testing-with-snapservice.md). */
    faults: Type.Optional(Type.String()),
    /** Calls kept by the request journal (GET /api/sim/requests); 0 keeps none. */
    journalSize: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 1000 }),
    clock: Type.Union([Type.Literal('system'), Type.Literal('manual')], { default: 'system' }),
    /** Service time at start (RFC 3339); defaults to the real time. The system clock runs on from it. */
    clockStart: Type.Optional(Type.String()),
    sessionIdleMs: Type.Integer({ minimum: 1000, default: 30 * 60_000 }),
    sessionMaxMs: Type.Integer({ minimum: 1000, default: 24 * 3600_000 }),
    /** Longest lifetime of a SAML bearer token the STS issues (vCenter's token policy: 300 s). */
    stsMaxTokenLifetimeMs: Type.Integer({ minimum: 1000, default: 300_000 }),
    /** Clock skew allowed when checking token and request times (vCenter's policy: 600 s). */
    stsClockToleranceMs: Type.Integer({ minimum: 0, default: 600_000 }),
    systemSnapshotRetentionMs: Type.Integer({ minimum: 0, default: 7 * 24 * 3600_000 }),
    /** How long snapshot history is kept for the reports (service time); the vendor's default is 90 days. */
    reportRetentionMs: Type.Integer({ minimum: 3600_000, default: 90 * 24 * 3600_000 }),
    bodyLimit: Type.Integer({ minimum: 1024, default: 1024 * 1024 }),
    /** The whole request, headers and body, must arrive within this time (0: no limit). */
    requestTimeoutMs: Type.Integer({ minimum: 0, default: 30_000 }),
    /** The request line and headers must arrive within this time (never more than the above). */
    headersTimeoutMs: Type.Integer({ minimum: 1, default: 10_000 }),
    /** A keep-alive connection with no request in progress is closed after this time. */
    keepAliveTimeoutMs: Type.Integer({ minimum: 1, default: 5_000 }),
    /** Connections beyond this many are closed as they arrive. */
    maxConnections: Type.Integer({ minimum: 1, default: 1000 }),
    /** Disks larger than this get no whole-content digest (hashing 1 TiB takes minutes). */
    maxDigestBytes: Type.Integer({ minimum: 0, default: 16 * 1024 ** 3 }),
    /** Distinct wrong passwords for one user from one address, within the window, that lock the user there. */
    loginMaxFailures: Type.Integer({ minimum: 1, default: 5 }),
    /** Distinct failed logins from one address (any user names), within the window, that lock the address. */
    loginMaxFailuresPerAddress: Type.Integer({ minimum: 1, default: 20 }),
    loginFailureWindowMs: Type.Integer({ minimum: 1000, default: 180_000 }),
    /** How long a lock refuses password logins (existing sessions keep working). */
    loginLockoutMs: Type.Integer({ minimum: 1000, default: 300_000 }),
    /** log2 of scrypt's N for new password hashes (tests lower it to keep seeding fast). */
    scryptCost: Type.Integer({ minimum: 10, maximum: 20, default: 15 }),
    /**
     * Stop when the parent process goes away. Unset: only when started through npm (`npm
     * start`, `npx snapservice serve`), whose SIGTERM ends npm but never reaches the server.
     */
    stopWithParent: Type.Optional(Type.Boolean()),
    logLevel: Type.String({ default: 'info' }),
    /** GET /metrics (Prometheus text) and the per-request and per-statement measurements behind it. */
    metrics: Type.Boolean({ default: true }),
    /** Per-request logging costs ~40% of throughput, so it is off unless asked for. */
    logRequests: Type.Boolean({ default: false }),
    limits: Type.Object(
      {
        snapshotsPerVm: Type.Integer({ minimum: 1, default: 200 }),
        policiesPerGroup: Type.Integer({ minimum: 1, default: 10 }),
        groupsPerCluster: Type.Integer({ minimum: 1, default: 100 }),
        /** Shortest schedule interval a policy may have (tests lower it to 1). */
        minIntervalMinutes: Type.Integer({ minimum: 1, default: 30 }),
      },
      { default: {} },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
export type ConfigInput = Partial<Omit<Config, 'limits'>> & { limits?: Partial<Config['limits']> };

/** Fills defaults and validates; throws a readable error listing every bad option. */
export function makeConfig(input: ConfigInput = {}): Config {
  const value = Value.Default(ConfigSchema, structuredClone(input)) as Config;
  const problems = [...Value.Errors(ConfigSchema, value)];
  if (problems.length > 0) {
    const lines = problems.map((p) => `  ${p.path || '/'}: ${p.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  return value;
}

/** Config for tests: in-memory store, no seed, instant tasks, manual clock. */
export function testConfig(input: ConfigInput = {}): Config {
  return makeConfig({
    dataDir: ':memory:',
    seed: 'empty',
    http: true,
    taskDelayMs: 0,
    taskQueueMs: 0,
    clock: 'manual',
    sim: true,
    logLevel: 'silent',
    scryptCost: 10,
    ...input,
  });
}
