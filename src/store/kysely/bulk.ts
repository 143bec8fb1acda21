import { sql } from 'kysely';
import { PostgresAdapter } from 'kysely';
import type { Disk, DiskSnapshot, Vm, VmSnapshot } from '../../domain/model.ts';
import type { BulkRepo, SeedRows } from '../store.ts';
import { num, type Db } from './core.ts';
import type { DB } from './schema.ts';
import { attemptRow } from './history.ts';
import { changes, rows } from './prepared.ts';

/**
 * Bulk writes for large seeds: multi-row inserts of a fixed shape, compiled once per shape,
 * so that a million rows cost a few hundred statements' worth of building instead of a million.
 */

// Well under SQLite's 32766 bound parameters per statement (PostgreSQL allows 65535).
const MAX_PARAMS = 2000;

async function insertMany<T extends keyof DB>(db: Db, table: T, cols: ReadonlyArray<keyof DB[T] & string>, items: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  const per = 2 ** Math.floor(Math.log2(Math.max(1, MAX_PARAMS / cols.length)));
  let start = 0;
  while (start < items.length) {
    // Statements of a power-of-two row count only: every shape is compiled and cached once
    // (by Kysely here and by the driver), and a batch's odd tail adds no new shapes.
    let n = per;
    while (n > items.length - start) n /= 2;
    const chunk = items.slice(start, start + n);
    start += n;
    const args: unknown[] = new Array(chunk.length * cols.length);
    let k = 0;
    for (const item of chunk) for (const c of cols) args[k++] = item[c];
    await changes(db, `bulk:${table}:${n}`,
      (d, a) => d.insertInto(table).values(chunk.map((_, j) => Object.fromEntries(cols.map((c, i) => [c, a(j * cols.length + i)]))) as never),
      args);
  }
}

const VM_COLS: ReadonlyArray<keyof Vm & keyof DB['vms']> = [
  'id', 'name', 'clusterId', 'hostId', 'folderId', 'resourcePoolId', 'powerState', 'cpuCount', 'coresPerSocket',
  'memoryMib', 'guestOs', 'biosUuid', 'instanceUuid', 'createdAt', 'deletedAt', 'lastClusterId',
];
const DISK_COLS: ReadonlyArray<keyof Disk & keyof DB['disks']> = ['vmId', 'diskKey', 'label', 'capacityBytes', 'blockSize', 'headLayerId', 'sequenceUuid', 'epoch'];
const SNAPSHOT_COLS: ReadonlyArray<keyof VmSnapshot & keyof DB['vmSnapshots']> = [
  'id', 'vmId', 'clusterId', 'name', 'type', 'createdAt', 'expiresAt', 'pgId', 'pgSnapshotId', 'vmName', 'folderId',
  'resourcePoolId', 'cpuCount', 'coresPerSocket', 'memoryMib', 'guestOs',
];
const DISK_SNAPSHOT_COLS: ReadonlyArray<keyof DiskSnapshot & keyof DB['diskSnapshots']> = [
  'snapshotId', 'diskKey', 'label', 'capacityBytes', 'blockSize', 'layerId', 'sequenceUuid', 'epoch', 'uri',
];
const HISTORY_COLS: ReadonlyArray<keyof DB['snapshotHistory']> = [
  'id', 'kind', 'clusterId', 'pgId', 'pgName', 'pgSnapshotId', 'vmId', 'vmName', 'snapshotId', 'name', 'type', 'status', 'startedAt', 'expiresAt', 'reasons',
];

export function bulkRepo(db: Db): BulkRepo {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return {
    async reserveIds(n) {
      const [row] = await rows(db, 'bulk.reserveIds', (d, a) => d.updateTable('counters').set((eb) => ({ value: eb('value', '+', a(0)) }))
        .where('name', '=', 'moref').returning('value'), [n]);
      return num(row.value) - n + 1;
    },
    async reserveLayers(n) {
      // Explicit ids above every existing one; the caller holds the admission lock, and
      // PostgreSQL's sequence is moved past them so that later layers.create never collides.
      const [row] = await rows(db, 'bulk.maxLayer', (d) => d.selectFrom('layers').select((eb) => eb.fn.max('id').as('m')), []);
      const first = num(row?.m ?? 0) + 1;
      if (postgres) await sql`select setval(pg_get_serial_sequence('layers', 'id'), ${first + n - 1})`.execute(db);
      return first;
    },
    async insert(r: SeedRows) {
      await insertMany(db, 'vms', VM_COLS, r.vms as never);
      await insertMany(db, 'layers', ['id', 'parentId'], r.layers as never);
      await insertMany(db, 'disks', DISK_COLS, r.disks as never);
      await insertMany(db, 'layerBlocks', ['layerId', 'blockNo', 'data'], r.blocks as never);
      await insertMany(db, 'vmSnapshots', SNAPSHOT_COLS, r.snapshots as never);
      await insertMany(db, 'diskSnapshots', DISK_SNAPSHOT_COLS, r.diskSnapshots as never);
      await insertMany(db, 'snapshotHistory', HISTORY_COLS, r.history.map(attemptRow) as never);
    },
  };
}
