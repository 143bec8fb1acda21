import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { demoSeed } from '../../src/seed/demo.ts';
import type { Seed } from '../../src/seed/format.ts';
import { toLines } from '../../src/seed/records.ts';
import { makeApp } from '../helpers/app.ts';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/**
 * Every table in insertion order, with random values (UUIDs, password hashes) replaced by the
 * order in which they first appear: two stores built alike dump alike.
 */
function dump(dir: string): Record<string, unknown[]> {
  const db = new Database(join(dir, 'snapservice.db'), { readonly: true });
  try {
    const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name").all() as Array<{ name: string }>;
    const seen = new Map<string, string>();
    const out: Record<string, unknown[]> = {};
    for (const { name } of tables) {
      out[name] = (db.prepare(`select * from "${name}" order by rowid`).all() as Array<Record<string, unknown>>).map((row) => {
        const r: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(row)) {
          if (k === 'password_hash' || (name === 'meta' && k === 'value' && row.key === 'seed')) continue;
          r[k] = typeof v === 'string' ? v.replace(UUID, (u) => seen.get(u) ?? (seen.set(u, `uuid#${seen.size}`), `uuid#${seen.size - 1}`)) : Buffer.isBuffer(v) ? v.toString('base64') : v;
        }
        return r;
      });
    }
    return out;
  } finally {
    db.close();
  }
}

function seedWithEverything(): Seed {
  const seed = demoSeed();
  seed.datacenters![0].clusters![0].vms!.push({
    name: 'multi-disk', disks: [{ capacity_mib: 1, block_size: 512 }, { capacity_mib: 2 }],
    history: [
      { write: { disk: 2000, block: 0, text: 'a' } }, { write: { disk: 2000, block: 0, text: 'b' } },
      { snapshot: { name: 's1', age_minutes: 90, expires_in_minutes: 60 } },
      { write: { disk: 2001, block: 3, base64: 'Yg==' } }, { snapshot: { name: 's2' } }, { write: { disk: 2000, block: 1, text: 'c' } },
    ],
  });
  seed.datacenters!.push({ name: 'DC2', folders: ['F'], clusters: [{ name: 'C', hosts: ['h'], resource_pools: ['P'], vms: [{ name: 'x', folder: 'F', resource_pool: 'P' }] }] });
  seed.roles = [{ name: 'Reader', privileges: ['System.Read'] }];
  seed.users = [{ name: 'u@local', password: 'pw', permissions: [{ role: 'Reader', on: 'DC2/C/x' }, { role: 'Reader', on: 'Datacenter/Cluster-A/multi-disk' }] }];
  return seed;
}

describe('streamed seed files', () => {
  it('a line seed read a line at a time builds the same store as the same seed read whole as JSON', async () => {
    const seed = seedWithEverything();
    const files = mkdtempSync(join(tmpdir(), 'seed-stream-'));
    writeFileSync(join(files, 'seed.json'), JSON.stringify(seed));
    writeFileSync(join(files, 'seed.jsonl'), `${[...toLines(seed)].join('\n')}\n`);
    const dumps = [];
    for (const file of ['seed.json', 'seed.jsonl']) {
      const dataDir = join(files, `data-${file}`);
      const t = await makeApp({ seed: join(files, file), dataDir });
      await t.close();
      dumps.push(dump(dataDir));
    }
    const [whole, streamed] = dumps;
    expect(whole.vms.length).toBe(18);
    expect(whole.vm_snapshots.length).toBeGreaterThan(34);
    expect(whole.tag_attachments.length).toBeGreaterThan(0);
    expect(whole.protection_groups.length).toBe(4);
    expect(streamed).toEqual(whole);
  });

  it('names the line of a bad record and the field', async () => {
    const files = mkdtempSync(join(tmpdir(), 'seed-stream-'));
    writeFileSync(join(files, 'bad.jsonl'), '{"datacenter":{"name":"D"}}\n{"cluster":{"name":"C","hosts":["h"]}}\n{"vm":{"name":"v","cpu":"two"}}\n');
    await expect(makeApp({ seed: join(files, 'bad.jsonl') })).rejects.toThrow(/line 3: \/vm\/cpu/);
    writeFileSync(join(files, 'broken.jsonl'), '{"datacenter":{"name":"D"}}\n{"cluster":\n');
    await expect(makeApp({ seed: join(files, 'broken.jsonl') })).rejects.toThrow(/line 2 is not valid JSON/);
    writeFileSync(join(files, 'orphan.jsonl'), '{"vm":{"name":"v"}}\n');
    await expect(makeApp({ seed: join(files, 'orphan.jsonl') })).rejects.toThrow(/VM v comes before any cluster/);
    writeFileSync(join(files, 'odd.jsonl'), '{"datacenter":{"name":"D"},"vm":{"name":"v"}}\n');
    await expect(makeApp({ seed: join(files, 'odd.jsonl') })).rejects.toThrow(/line 1: a record is an object with one key of datacenter, cluster, vm/);
  });
});
