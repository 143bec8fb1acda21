import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseServeArgs } from '../../src/cli/flags.ts';
import { openStore } from '../../src/store/open.ts';

/** --durability picks SQLite's synchronous mode: FULL syncs every commit before it returns. */
describe('--durability', () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function synchronousOf(durability: 'normal' | 'full' | undefined): Promise<string[]> {
    const pragma = vi.spyOn(Database.prototype, 'pragma');
    const dir = mkdtempSync(join(tmpdir(), 'snapservice-durability-'));
    dirs.push(dir);
    const store = openStore({ store: 'sqlite', dataDir: dir, durability });
    await store.repos.meta.get('x').catch(() => undefined);
    await store.close();
    const calls = pragma.mock.calls.map((c) => String(c[0])).filter((s) => s.startsWith('synchronous'));
    pragma.mockRestore();
    return calls;
  }

  it('is normal unless asked, and full syncs every commit', async () => {
    expect(parseServeArgs([], {}).config.durability).toBe('normal');
    expect(parseServeArgs(['--durability', 'full'], {}).config.durability).toBe('full');
    expect(parseServeArgs([], { SNAPSERVICE_DURABILITY: 'full' }).config.durability).toBe('full');
    expect(() => parseServeArgs(['--durability', 'paranoid'], {})).toThrow("--durability must be one of normal, full; got 'paranoid'");
    expect(await synchronousOf(undefined)).toEqual(['synchronous = NORMAL']);
    expect(await synchronousOf('normal')).toEqual(['synchronous = NORMAL']);
    expect(await synchronousOf('full')).toEqual(['synchronous = FULL']);
  });
});
