/**
 * 4. Revert cost vs disk size: reverts of a 1 GiB disk and of a 1 TiB disk, each with 10 blocks
 * written after the snapshot (spread from the first block to the last), timed from submit to
 * SUCCEEDED. Disks are sparse block maps, so the two should cost the same: the ratio of the
 * medians should be ~1.0. The 1 GiB disk is the baseline, measured in the same run,
 * interleaved with the 1 TiB one (GiB, TiB, GiB, TiB, ...).
 *
 * Each round, untimed: power the VM on (a revert leaves it off, and only a running guest
 * writes), write the 10 blocks through the simulation plane; then the timed revert.
 */
import { guestWrite, login, revertPath, snapshotIds, vmsByName, waitTask, type VmRef } from './lib/api.ts';
import { HttpClient } from './lib/http.ts';
import { log, type Benchmark, type Row } from './lib/report.ts';
import { benchSeed, GIB_MIB, spreadBlocks, TIB_MIB } from './lib/seed.ts';
import { startServer } from './lib/server.ts';
import { ms, nowMs, ratio, summarize, times } from './lib/stats.ts';

const N = 200;
const WARMUP = 5;
const CHANGED = 10;
const DISK = 2000;

interface Size {
  label: string;
  prefix: string;
  capacityMib: number;
  blocks: number[];
  samples: number[];
  vm?: VmRef;
}

export const revertDiskSize: Benchmark = {
  name: 'revert-disk-size',
  title: 'Revert cost vs disk size (1 GiB vs 1 TiB, 10 changed blocks)',
  async run(): Promise<Row[]> {
    const sizes: Size[] = [
      { label: '1 GiB', prefix: 'gib', capacityMib: GIB_MIB, blocks: spreadBlocks(GIB_MIB, CHANGED), samples: [] },
      { label: '1 TiB', prefix: 'tib', capacityMib: TIB_MIB, blocks: spreadBlocks(TIB_MIB, CHANGED), samples: [] },
    ];
    const app = await startServer('app', {
      seed: benchSeed(sizes.map((s) => ({ prefix: s.prefix, count: 1, capacityMib: s.capacityMib }))),
      config: { taskDelayMs: 0, taskQueueMs: 0 },
    });
    const client = new HttpClient(app.url, { maxSockets: 1 });
    try {
      await login(client);
      const byName = vmsByName(app);
      for (const s of sizes) s.vm = byName.get(`${s.prefix}-0`);
      const snaps = await snapshotIds(client, sizes.map((s) => s.vm!), 'base');
      log(`  one VM per size, ${N} reverts each (+${WARMUP} warm-up), interleaved; before each, untimed: power on, write ${CHANGED} blocks (up to block ${sizes[1].blocks.at(-1)} on the 1 TiB disk)`);

      for (let i = 0; i < WARMUP + N; i++) {
        for (const s of sizes) {
          const vm = s.vm!;
          if (i > 0) await client.expect(204, `/api/vcenter/vm/${vm.id}/power?action=start`, { method: 'POST' });
          for (const block of s.blocks) await guestWrite(client, vm, DISK, block, `${vm.name} round ${i} block ${block}\n`);
          const t0 = nowMs();
          const res = await client.expect(202, revertPath(vm), { method: 'POST', body: { snapshot: snaps.get(vm.id) } });
          const done = await waitTask(client, res.json<string>(), 10_000);
          const elapsed = nowMs() - t0;
          if (done.info.progress?.total !== CHANGED) {
            throw new Error(`revert of ${vm.name} (${s.label}) reported ${done.info.progress?.total} changed blocks, expected ${CHANGED}`);
          }
          if (i >= WARMUP) s.samples.push(elapsed);
        }
      }

      // The reverted disks read back the snapshot's content: block 0 as seeded, the rest zeros.
      // (Block reads only: the whole-disk digest of a 1 TiB disk is skipped by design.)
      for (const s of sizes) {
        const vm = s.vm!;
        const last = s.blocks[s.blocks.length - 1];
        const read = async (b: number) => Buffer.from((await client.expect(200, `/api/sim/vms/${vm.id}/disks/${DISK}/blocks/${b}`)).json<{ data: string }>().data, 'base64');
        const first = (await read(0)).toString('utf8').replace(/\0+$/, '');
        if (first !== `${vm.name} boot sector\n`) throw new Error(`${vm.name}: block 0 after revert is '${first.slice(0, 60)}'`);
        if ((await read(last)).some((x) => x !== 0)) throw new Error(`${vm.name}: block ${last} is not zero after revert`);
      }

      const [g, t] = sizes.map((s) => summarize(s.samples));
      log(`  1 GiB disk: median ${ms(g.p50)}  p90 ${ms(g.p90)}  max ${ms(g.max)}`);
      log(`  1 TiB disk: median ${ms(t.p50)}  p90 ${ms(t.p90)}  max ${ms(t.max)}`);
      // Each revert leaves a system snapshot on its VM: does the next one get slower?
      const early = summarize(sizes.flatMap((s) => s.samples.slice(0, 20))).p50;
      const late = summarize(sizes.flatMap((s) => s.samples.slice(-20))).p50;
      log(`  drift: median of the first 20 rounds ${ms(early)}, of the last 20 ${ms(late)} (${N + WARMUP} system snapshots per VM by the end)`);
      log(`  ratio of medians (1 TiB / 1 GiB): ${times(ratio(t.p50, g.p50))} (expected ~1: revert is O(changed blocks), not O(disk size))`);
      const b = 'revert vs disk size';
      return [
        { benchmark: b, metric: 'median, 1 TiB vs 1 GiB', value: ms(t.p50), baseline: ms(g.p50), ratio: times(ratio(t.p50, g.p50)) },
        { benchmark: b, metric: 'p90, 1 TiB vs 1 GiB', value: ms(t.p90), baseline: ms(g.p90), ratio: times(ratio(t.p90, g.p90)) },
      ];
    } finally {
      client.close();
      await app.stop();
    }
  },
};
