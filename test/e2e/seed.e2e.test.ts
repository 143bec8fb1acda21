import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { writeScaleSeed } from '../../bench/lib/seed-file.ts';
import { BIN, Client, killAll, running, serve, stop } from '../helpers/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'snapservice-seed-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(killAll);

const args = (data: string, seed: string) => ['--port', '0', '--data', data, '--http', '--seed', seed, '--seed-progress-ms', '1', '--scrypt-cost', '10'];

describe('seeding a large line seed', () => {
  it('prints progress on stderr, then serves the whole seed', async () => {
    const seed = join(root, 'small.jsonl');
    await writeScaleSeed(seed, 3000, 3);
    const cli = await serve(args(join(root, 'small'), seed));
    expect(cli.url, cli.stderr()).toBeDefined();
    expect(cli.stderr()).toMatch(/^seeding: \d+ VMs, \d+ VM snapshots so far \(\d+\.\d s\)$/m);
    expect(cli.stderr()).toMatch(/^seeded: 3000 VMs, 9000 VM snapshots in \d+\.\d s$/m);
    const c = await Client.login(cli.url!);
    const [vm] = await c.ok('GET', '/api/vcenter/vm?names=vm-002999');
    const [cl] = await c.ok('GET', '/api/vcenter/cluster?names=Scale-C0');
    const snaps = await c.ok('GET', `/api/snapservice/clusters/${cl.cluster}/virtual-machines/${vm.vm}/snapshots`);
    expect(snaps.items.map((s: any) => s.info.name).sort()).toEqual(['daily-1', 'daily-2', 'daily-3']);
    expect((await stop(cli)).code).toBe(0);
  });

  it('SIGTERM mid-seed stops cleanly between batches; the next start refuses the half-seeded store, saying what to do', async () => {
    const seed = join(root, 'large.jsonl');
    await writeScaleSeed(seed, 60_000, 2);
    const data = join(root, 'large');
    const proc = spawn(process.execPath, [BIN, 'serve', ...args(data, seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(proc);
    let err = '';
    const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
    const lines = createInterface({ input: proc.stderr! });
    await new Promise<void>((resolve) => {
      lines.on('line', (line) => {
        err += `${line}\n`;
        if (line.startsWith('seeding: ')) resolve();
      });
      void exited.then(() => resolve());
    });
    proc.kill('SIGTERM');
    expect(await exited, err).toBe(0);
    expect(err).toMatch(/stopped while seeding, after \d+ VMs and \d+ VM snapshots; the store is marked as not seeded/);
    expect(err).not.toMatch(/^seeded: /m);
    expect(proc.stdout!.read()?.toString() ?? '').not.toMatch(/listening on/);

    const again = await serve(args(data, seed));
    expect(again.url).toBeUndefined();
    expect((await again.exited).code).toBe(1);
    expect(again.stderr()).toMatch(/the store holds an unfinished seed \(started .* by process \d+ on .*\): remove the data directory/);
  });
});
