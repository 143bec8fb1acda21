import { readFile } from 'node:fs/promises';
import pino, { type Logger } from 'pino';
import { ManualClock, realTime, ServiceClock, SystemClock, type Clock, type WallClock } from './clock/clock.ts';
import type { Config } from './config/config.ts';
import { InFlight, type Deps } from './context.ts';
import type { Role } from './domain/model.ts';
import { BUILTIN_ROLES, ROLE_ADMIN } from './domain/privileges.ts';
import { hostname } from 'node:os';
import { seedStore, type SeedProgress } from './seed/apply.ts';
import { seedInWorker, seedsInWorker } from './seed/in-worker.ts';
import { BUILT_IN_SEEDS, isLineSeed, lineRecords, loadWholeSeed, seedRecords } from './seed/records.ts';
import { LoginThrottle } from './security/login-throttle.ts';
import { hashPassword, verifyPassword, VerifiedCache } from './security/passwords.ts';
import { createRootFolder } from './engine/inventory.ts';
import { createMetrics } from './metrics/metrics.ts';
import { openStore } from './store/open.ts';
import type { Store } from './store/store.ts';
import { allOperations, everyOperation } from './modules/index.ts';
import { FaultInjector } from './faults/injector.ts';
import { LinkTable } from './faults/links.ts';
import { Journal } from './journal/journal.ts';
import { parseRules } from './modules/sim/fault-rules.ts';
import { STS_CALL_POINTS } from './modules/sts/route.ts';
import { callPoint } from './vapi/invoke.ts';
import { TaskRunner } from './tasks/runner.ts';
import { executorsOf } from './tasks/task.ts';
import { Scheduler } from './scheduler/scheduler.ts';
import { Replicator } from './modules/replication/replicator.ts';
import { stsKeys } from './sts/keys.ts';

export const ADMIN_USER = 'administrator@vsphere.local';

export interface Runtime {
  deps: Deps;
  runner: TaskRunner;
  scheduler: Scheduler;
  replicator: Replicator;
  clock: Clock;
  /** Stops the runner (leaving unfinished tasks for recovery) and closes the store. */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  clock?: Clock;
  /** Real elapsed time (tests inject a ManualClock to expire sessions). */
  wall?: WallClock;
  log?: Logger;
  /** Open the store but start neither the task runner nor the scheduler (tools, some tests). */
  noRunner?: boolean;
  /** Aborting it stops a seed in progress between two batches (SeedInterrupted). */
  signal?: AbortSignal;
  /** Where seeding progress lines go (default: stderr), at most every config.seedProgressMs. */
  progress?: (line: string) => void;
  /** Seed in a worker thread (default: for seed files of a few MB and more; see seed/in-worker.ts). */
  seedInWorker?: boolean;
}

/** config -> store -> migrations -> first-start initialisation -> task recovery. */
export async function createRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  const clock = opts.clock ?? makeClock(config);
  const log = opts.log ?? pino({ level: config.logLevel });
  const metrics = createMetrics(config.metrics);
  const store = openStore(config, { onQuery: metrics.enabled ? (kind, s, failed) => metrics.storeQuery(kind, s, failed) : undefined });
  try {
    await store.migrate();
    const rootFolderId = await initialise(store, config, clock, opts);
    const roles = new Map<string, Role>((await store.repos.roles.list()).map((r) => [r.id, r]));
    const site = { id: (await store.repos.meta.get('siteId')) as string, vcenterId: (await store.repos.meta.get('vcenterId')) as string };
    const deps: Deps = {
      config, store, clock, log, metrics, roles, rootFolderId, site, wall: opts.wall ?? realTime,
      tasks: { notify: () => undefined },
      scheduler: { notify: () => undefined },
      verified: new VerifiedCache(60_000, () => (opts.wall ?? realTime).now()),
      sts: stsKeys({ dataDir: config.dataDir, now: () => (opts.wall ?? realTime).now(), log }),
      logins: new LoginThrottle(config, () => (opts.wall ?? realTime).now()),
      inflight: new InFlight(),
      faults: await loadFaults(config),
      journal: new Journal(config.journalSize),
      links: new LinkTable(),
    };
    // Every task kind a stored task may have, also of operations not served with this config.
    const runner = new TaskRunner(deps, executorsOf(everyOperation()));
    const scheduler = new Scheduler(deps);
    const replicator = new Replicator(deps);
    deps.tasks = runner;
    // Group changes and new snapshots wake the replicator too (runThenApply and the group operations nudge this).
    deps.scheduler = { notify: () => { scheduler.notify(); replicator.notify(); } };
    if (clock instanceof ServiceClock) {
      clock.settle = async () => {
        await runner.idle();
        await scheduler.idle();
        await runner.idle();
        await replicator.idle();
      };
    }
    if (!opts.noRunner) {
      await runner.start();
      scheduler.start();
      replicator.start();
    }
    return {
      deps, runner, scheduler, replicator, clock,
      async close() {
        await deps.inflight.drain();
        await replicator.stop();
        await scheduler.stop();
        await runner.stop();
        await store.close();
      },
    };
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
}

function makeClock(config: Config): Clock {
  const start = config.clockStart ? Date.parse(config.clockStart) : undefined;
  if (config.clock === 'manual') return new ManualClock(start ?? realTime.now());
  return new SystemClock(start);
}

/**
 * A new store gets the root folder, the built-in roles and the administrator in one
 * transaction under a lock, which also marks the store as being seeded; the seed follows in
 * bounded transactions, and the mark gives way to `rootFolder` once the seed is whole. A store
 * with the mark and no `rootFolder` holds an interrupted seed: another process still seeding
 * it is waited for, anything else is refused with what to do. On every start the
 * administrator's password is set to the configured one.
 */
async function initialise(store: Store, config: Config, clock: Clock, opts: RuntimeOptions): Promise<string> {
  const ready = await store.repos.meta.get('rootFolder');
  if (ready) {
    await syncAdminPassword(store, config);
    return ready;
  }
  const adminHash = await hashPassword(config.adminPassword, config.scryptCost);
  const now = clock.now();
  const claimed = await store.transaction(async (tx) => {
    await tx.locks.acquire('admission');
    const root = await tx.meta.get('rootFolder');
    if (root) return { root };
    const mark = await tx.meta.get('seeding');
    if (mark) return { mark };
    const rootFolder = await createRootFolder(tx, now);
    for (const r of BUILTIN_ROLES) await tx.roles.upsert(r);
    await tx.users.insert({ name: ADMIN_USER, passwordHash: adminHash, createdAt: now });
    await tx.permissions.upsert({ principal: ADMIN_USER, entityId: rootFolder.id, roleId: ROLE_ADMIN.id, propagate: true });
    await tx.meta.set('seeding', JSON.stringify({ pid: process.pid, host: hostname(), startedAt: opts.wall?.now() ?? realTime.now(), rootFolder: rootFolder.id }));
    return { seed: rootFolder.id };
  });
  let root: string;
  if ('root' in claimed) root = claimed.root as string;
  else if ('mark' in claimed) root = await awaitOtherSeeder(store, claimed.mark as string, opts.wall ?? realTime);
  else {
    root = claimed.seed as string;
    await runSeed(store, config, root, now, opts);
    await store.transaction(async (tx) => {
      await tx.meta.set('rootFolder', root);
      await tx.meta.set('seed', config.seed);
      await tx.meta.delete('seeding');
    });
  }
  await syncAdminPassword(store, config);
  return root;
}

/** How often a start that found another process seeding looks again. */
const SEED_POLL_MS = 200;

/** Waits for the process seeding this store to finish; refuses if it is gone. */
async function awaitOtherSeeder(store: Store, markText: string, wall: WallClock): Promise<string> {
  const mark = JSON.parse(markText) as { pid: number; host: string; startedAt: number };
  for (;;) {
    const root = await store.repos.meta.get('rootFolder');
    if (root) return root;
    if (mark.host !== hostname() || !alive(mark.pid)) throw new UnfinishedSeed(mark);
    await new Promise<void>((resolve) => {
      const stop = wall.every(SEED_POLL_MS, () => {
        stop();
        resolve();
      });
    });
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A store whose seed was interrupted (stopped, failed or killed): it cannot be served. */
export class UnfinishedSeed extends Error {
  constructor(mark: { pid: number; host: string; startedAt: number }) {
    super(
      `the store holds an unfinished seed (started ${new Date(mark.startedAt).toISOString()} by process ${mark.pid} on ${mark.host}, ` +
        'which stopped before the seed was whole): remove the data directory (on PostgreSQL, drop the database\'s tables) and start again',
    );
  }
}

async function runSeed(store: Store, config: Config, rootFolderId: string, now: number, opts: RuntimeOptions): Promise<void> {
  const wall = opts.wall ?? realTime;
  const started = wall.now();
  const every = config.seedProgressMs;
  let last = started;
  let printed = false;
  const say = opts.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  let total = { vms: 0, snapshots: 0 };
  const progress = (p: SeedProgress) => {
    total = p;
    const t = wall.now();
    if (t - last < every) return;
    last = t;
    printed = true;
    say(`seeding: ${p.vms} VMs, ${p.snapshots} VM snapshots so far (${((t - started) / 1000).toFixed(1)} s)`);
  };
  const ctx = {
    now, rootFolderId, scryptCost: config.scryptCost, maxSnapshotsPerVm: config.limits.snapshotsPerVm, historyMs: config.reportRetentionMs,
    wallNow: started,
  };
  if (opts.seedInWorker ?? seedsInWorker(config)) {
    await seedInWorker({ seed: config.seed, store: { store: config.store, dataDir: config.dataDir, durability: config.durability }, ctx }, opts.signal, progress);
  } else {
    await seedStore(store, seedRecords(config.seed), { ...ctx, signal: opts.signal, progress });
  }
  if (printed) say(`seeded: ${total.vms} VMs, ${total.snapshots} VM snapshots in ${((wall.now() - started) / 1000).toFixed(1)} s`);
}

async function syncAdminPassword(store: Store, config: Config): Promise<void> {
  const admin = await store.repos.users.get(ADMIN_USER);
  if (admin && !(await verifyPassword(config.adminPassword, admin.passwordHash))) {
    await store.repos.users.setPassword(ADMIN_USER, await hashPassword(config.adminPassword, config.scryptCost));
  }
}

/**
 * The injector with what rules may name (every call this configuration serves, bar the
 * control plane's own) and the rules of `--faults FILE` and of the seed file, read at every
 * start: rules live in memory, not in the store.
 */
async function loadFaults(config: Config): Promise<FaultInjector> {
  const faults = new FaultInjector();
  faults.catalogue = [...allOperations(config).filter((op) => !op.control).map((op) => callPoint(op, undefined, {})), ...STS_CALL_POINTS];
  const sources: Array<[string, unknown]> = [];
  if (config.faults) sources.push([config.faults, await readJson(config.faults, 'fault rules file')]);
  if (!BUILT_IN_SEEDS.has(config.seed)) {
    const faults = await seedFaults(config.seed);
    if (faults) sources.push([`seed file '${config.seed}'`, faults]);
  }
  for (const [source, json] of sources) for (const spec of parseRules(faults, json, source)) faults.add(spec);
  return faults;
}

async function readJson(name: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(name, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${what} '${name}': ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} '${name}' is not valid JSON: ${(err as Error).message}`);
  }
}

/** A seed file's fault rules; a line seed is read without parsing its inventory lines. */
async function seedFaults(name: string): Promise<unknown[] | undefined> {
  if (!isLineSeed(name)) return (await loadWholeSeed(name)).faults;
  for await (const r of lineRecords(name, new Set(['fault']))) if ('rest' in r) return r.rest.faults;
  return undefined;
}
