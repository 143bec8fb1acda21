import { readFile } from 'node:fs/promises';
import pino, { type Logger } from 'pino';
import { ManualClock, realTime, ServiceClock, SystemClock, type Clock, type WallClock } from './clock/clock.ts';
import type { Config } from './config/config.ts';
import { InFlight, type Deps } from './context.ts';
import type { Role } from './domain/model.ts';
import { BUILTIN_ROLES, ROLE_ADMIN } from './domain/privileges.ts';
import { applySeed, hashSeedPasswords, parseSeed } from './seed/apply.ts';
import { demoSeed } from './seed/demo.ts';
import type { Seed } from './seed/format.ts';
import { LoginThrottle } from './security/login-throttle.ts';
import { hashPassword, verifyPassword, VerifiedCache } from './security/passwords.ts';
import { createRootFolder } from './engine/inventory.ts';
import { openStore } from './store/open.ts';
import type { Store } from './store/store.ts';
import { allOperations, everyOperation } from './modules/index.ts';
import { FaultInjector } from './faults/injector.ts';
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
}

/** config -> store -> migrations -> first-start initialisation -> task recovery. */
export async function createRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  const clock = opts.clock ?? makeClock(config);
  const log = opts.log ?? pino({ level: config.logLevel });
  const store = openStore(config);
  try {
    await store.migrate();
    const rootFolderId = await initialise(store, config, clock);
    const roles = new Map<string, Role>((await store.repos.roles.list()).map((r) => [r.id, r]));
    const site = { id: (await store.repos.meta.get('siteId')) as string, vcenterId: (await store.repos.meta.get('vcenterId')) as string };
    const deps: Deps = {
      config, store, clock, log, roles, rootFolderId, site, wall: opts.wall ?? realTime,
      tasks: { notify: () => undefined },
      scheduler: { notify: () => undefined },
      verified: new VerifiedCache(60_000, () => (opts.wall ?? realTime).now()),
      sts: stsKeys({ dataDir: config.dataDir, now: () => (opts.wall ?? realTime).now(), log }),
      logins: new LoginThrottle(config, () => (opts.wall ?? realTime).now()),
      inflight: new InFlight(),
      faults: await loadFaults(config),
      journal: new Journal(config.journalSize),
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
 * A new store gets the root folder, the built-in roles, the administrator and the seed, in
 * one transaction under a lock, so that two processes starting on one new store seed it once.
 * On every start the administrator's password is set to the configured one.
 */
async function initialise(store: Store, config: Config, clock: Clock): Promise<string> {
  const ready = await store.repos.meta.get('rootFolder');
  if (ready) {
    await syncAdminPassword(store, config);
    return ready;
  }
  const seed = await loadSeed(config.seed);
  const hashes = await hashSeedPasswords(seed, config.scryptCost);
  const adminHash = await hashPassword(config.adminPassword, config.scryptCost);
  const now = clock.now();
  const root = await store.transaction(async (tx) => {
    await tx.locks.acquire('admission');
    const existing = await tx.meta.get('rootFolder');
    if (existing) return existing;
    const rootFolder = await createRootFolder(tx, now);
    for (const r of BUILTIN_ROLES) await tx.roles.upsert(r);
    await tx.users.insert({ name: ADMIN_USER, passwordHash: adminHash, createdAt: now });
    await tx.permissions.upsert({ principal: ADMIN_USER, entityId: rootFolder.id, roleId: ROLE_ADMIN.id, propagate: true });
    await applySeed(tx, seed, { now, rootFolderId: rootFolder.id, scryptCost: config.scryptCost, maxSnapshotsPerVm: config.limits.snapshotsPerVm, historyMs: config.reportRetentionMs }, hashes);
    await tx.meta.set('rootFolder', rootFolder.id);
    await tx.meta.set('seed', config.seed);
    return rootFolder.id;
  });
  await syncAdminPassword(store, config);
  return root;
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
    const seed = await loadSeed(config.seed);
    if (seed.faults) sources.push([`seed file '${config.seed}'`, seed.faults]);
  }
  for (const [source, json] of sources) for (const spec of parseRules(faults, json, source)) faults.add(spec);
  return faults;
}

const BUILT_IN_SEEDS = new Set(['empty', 'demo', 'demo-inventory']);

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

async function loadSeed(name: string): Promise<Seed> {
  if (name === 'empty') return {};
  if (name === 'demo') return demoSeed();
  if (name === 'demo-inventory') return demoSeed({ groups: false });
  let text: string;
  try {
    text = await readFile(name, 'utf8');
  } catch (err) {
    throw new Error(`cannot read seed file '${name}': ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`seed file '${name}' is not valid JSON: ${(err as Error).message}`);
  }
  return parseSeed(json);
}
