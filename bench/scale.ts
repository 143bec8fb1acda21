/**
 * Scale figure for the scheduler: 200 VMs in one protection group with 3 policies, one
 * simulated month of clock advance, guest writes every day. Prints the wall time, the
 * snapshots taken and alive, and the store size. Run with `npm run scale` (not part of
 * `npm run bench`: it takes minutes and has no baseline to compare with). `npm run scale -- seed`
 * measures seeding 100,000 VMs with a million snapshots instead (bench/seed-scale.ts).
 */
import { mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ManualClock } from '../src/clock/clock.ts';
import { testConfig } from '../src/config/config.ts';
import { createRuntime } from '../src/runtime.ts';
import { writeBlock } from '../src/engine/disks.ts';
import { createCluster, createDatacenter, createHost, createVm } from '../src/engine/inventory.ts';

const VMS = Number(process.env.SCALE_VMS ?? 200);
const DAYS = Number(process.env.SCALE_DAYS ?? 30);
const DAY = 24 * 3600_000;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'snapservice-scale-'));
  const start = Date.UTC(2026, 0, 1);
  const clock = new ManualClock(start);
  const rt = await createRuntime(testConfig({ dataDir: dir, seed: 'empty', taskDelayMs: 0, taskQueueMs: 0, logLevel: 'warn' }), { clock });
  const { store } = rt.deps;
  const vmIds = await store.transaction(async (tx) => {
    const { dc, vmFolder } = await createDatacenter(tx, 'DC', start);
    const c = await createCluster(tx, { name: 'C', datacenterId: dc.id, drsEnabled: true, haEnabled: true }, start);
    const hosts = [];
    for (let i = 0; i < 4; i++) hosts.push(await createHost(tx, `esx-${i}`, c.id, start));
    const out: string[] = [];
    for (let i = 0; i < VMS; i++) {
      const vm = await createVm(tx, {
        name: `vm-${String(i).padStart(3, '0')}`, clusterId: c.id, hostId: hosts[i % 4].id, folderId: vmFolder.id, resourcePoolId: c.resourcePoolId,
        powerState: 'POWERED_ON', cpuCount: 2, memoryMib: 4096, guestOs: 'OTHER_LINUX_64',
        disks: [{ diskKey: 2000, label: 'Hard disk 1', capacityBytes: 40 * 1024 ** 3, blockSize: 4096 }],
      }, start);
      out.push(vm.id);
    }
    await tx.groups.insert({
      id: 'scale-pg', clusterId: c.id, name: 'everything', status: 'ACTIVE', locked: false, createdAt: start, scheduleAnchor: start,
      targetEntities: { vmNamePatterns: ['vm-*'] },
      policies: [
        { name: 'hourly', schedule: { unit: 'HOUR', interval: 1 }, retention: { unit: 'DAY', duration: 1 } },
        { name: 'every-4h', schedule: { unit: 'HOUR', interval: 4 }, retention: { unit: 'WEEK', duration: 1 } },
        { name: 'daily', schedule: { unit: 'DAY', interval: 1 }, retention: { unit: 'MONTH', duration: 1 } },
      ],
    });
    return out;
  });
  rt.scheduler.notify();

  const t0 = performance.now();
  let writes = 0;
  for (let day = 0; day < DAYS; day++) {
    // Each VM's guest rewrites 8 blocks a day, so that snapshots differ and storage grows.
    await store.transaction(async (tx) => {
      for (const id of vmIds) {
        const disk = (await tx.disks.get(id, 2000))!;
        for (let b = 0; b < 8; b++) await writeBlock(tx, disk, (day * 8 + b) % 4096, Buffer.from(`${id} day ${day} block ${b}`));
        writes += 8;
      }
    });
    await clock.advance(DAY);
    process.stderr.write(`day ${day + 1}/${DAYS}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const seconds = (performance.now() - t0) / 1000;
  const pgSnaps = await store.repos.groupSnapshots.list('scale-pg');
  let alive = 0;
  for (const id of vmIds) alive += await store.repos.snapshots.countForVm(id);
  const layers = await store.repos.layers.stats();
  await rt.close();
  const bytes = readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  // Runs of the three policies over the month times the members (every run reached all VMs:
  // the alive counts below match the retention arithmetic exactly).
  const taken = VMS * (24 * DAYS + 6 * DAYS + DAYS);
  console.log(JSON.stringify({
    vms: VMS, policies: 3, simulatedDays: DAYS, wallSeconds: Number(seconds.toFixed(1)),
    vmSnapshotsScheduled: taken, pgSnapshotsAlive: pgSnaps.length, vmSnapshotsAlive: alive,
    guestBlockWrites: writes, layers: layers.layers, storedBlocks: layers.blocks, storeBytes: bytes,
  }, null, 2));
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv.includes('seed')) await import('./seed-scale.ts');
else await main();
