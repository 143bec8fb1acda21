import { randomUUID } from 'node:crypto';
import { VSAN_DATASTORE_BYTES, vsanDatastoreName } from '../domain/sites.ts';
import { sql, type Expression, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/** Column types that differ between the two engines. */
export interface Dialect {
  /**
   * Text compared byte by byte, so that ORDER BY name or id (and ties broken by id) give the
   * same order on both engines whatever the PostgreSQL database's locale: SQLite's BINARY
   * collation is code point order, PostgreSQL's "C" collation is the same for UTF-8.
   */
  text: 'text' | Expression<unknown>;
  blob: 'blob' | 'bytea';
  /** 64-bit integer (epoch ms, sizes). */
  int: 'integer' | 'bigint';
  /** Auto-increment primary key column type. */
  serial: 'integer' | 'bigserial';
}

export const SQLITE: Dialect = { text: 'text', blob: 'blob', int: 'integer', serial: 'integer' };
export const POSTGRES: Dialect = { text: sql`text collate "C"`, blob: 'bytea', int: 'bigint', serial: 'bigserial' };

type Step = (db: Kysely<any>, d: Dialect) => Promise<void>;

/**
 * Versioned migrations, applied in name order and never edited once released: a change to
 * the schema is a new entry. Written with Kysely's schema builder so one list serves both.
 */
const steps: Record<string, Step> = {
  '0001_core': async (db, d) => {
    await db.schema.createTable('meta').addColumn('key', d.text, (c) => c.primaryKey()).addColumn('value', d.text, (c) => c.notNull()).execute();
    await db.schema.createTable('counters').addColumn('name', d.text, (c) => c.primaryKey()).addColumn('value', d.int, (c) => c.notNull()).execute();
    await db.schema.createTable('locks').addColumn('name', d.text, (c) => c.primaryKey()).addColumn('n', d.int, (c) => c.notNull()).execute();
    await db.insertInto('counters').values({ name: 'moref', value: 0 }).execute();
    await db.insertInto('locks').values([{ name: 'admission', n: 0 }, { name: 'scheduler', n: 0 }, { name: 'gc', n: 0 }]).execute();

    await db.schema.createTable('datacenters')
      .addColumn('id', d.text, (c) => c.primaryKey()).addColumn('name', d.text, (c) => c.notNull())
      .addColumn('created_at', d.int, (c) => c.notNull()).execute();
    await db.schema.createTable('folders')
      .addColumn('id', d.text, (c) => c.primaryKey()).addColumn('name', d.text, (c) => c.notNull())
      .addColumn('type', d.text, (c) => c.notNull()).addColumn('datacenter_id', d.text).addColumn('parent_id', d.text)
      .addColumn('created_at', d.int, (c) => c.notNull()).execute();
    await db.schema.createTable('clusters')
      .addColumn('id', d.text, (c) => c.primaryKey()).addColumn('name', d.text, (c) => c.notNull())
      .addColumn('datacenter_id', d.text, (c) => c.notNull()).addColumn('ha_enabled', 'integer', (c) => c.notNull())
      .addColumn('drs_enabled', 'integer', (c) => c.notNull()).addColumn('resource_pool_id', d.text, (c) => c.notNull())
      .addColumn('created_at', d.int, (c) => c.notNull()).execute();
    await db.schema.createTable('hosts')
      .addColumn('id', d.text, (c) => c.primaryKey()).addColumn('name', d.text, (c) => c.notNull())
      .addColumn('cluster_id', d.text, (c) => c.notNull()).addColumn('connection_state', d.text, (c) => c.notNull())
      .addColumn('power_state', d.text, (c) => c.notNull()).addColumn('created_at', d.int, (c) => c.notNull()).execute();
    await db.schema.createTable('resource_pools')
      .addColumn('id', d.text, (c) => c.primaryKey()).addColumn('name', d.text, (c) => c.notNull())
      .addColumn('cluster_id', d.text, (c) => c.notNull()).addColumn('parent_id', d.text)
      .addColumn('created_at', d.int, (c) => c.notNull()).execute();

    await db.schema.createTable('vms')
      .addColumn('id', d.text, (c) => c.primaryKey()).addColumn('name', d.text, (c) => c.notNull())
      .addColumn('cluster_id', d.text).addColumn('host_id', d.text).addColumn('folder_id', d.text)
      .addColumn('resource_pool_id', d.text).addColumn('power_state', d.text, (c) => c.notNull())
      .addColumn('cpu_count', 'integer', (c) => c.notNull()).addColumn('cores_per_socket', 'integer', (c) => c.notNull())
      .addColumn('memory_mib', d.int, (c) => c.notNull()).addColumn('guest_os', d.text, (c) => c.notNull())
      .addColumn('bios_uuid', d.text, (c) => c.notNull()).addColumn('instance_uuid', d.text, (c) => c.notNull())
      .addColumn('created_at', d.int, (c) => c.notNull()).addColumn('deleted_at', d.int)
      .addColumn('last_cluster_id', d.text, (c) => c.notNull()).execute();
    await db.schema.createIndex('vms_cluster').on('vms').columns(['cluster_id', 'created_at']).execute();

    await db.schema.createTable('layers')
      .addColumn('id', d.serial, (c) => (d.serial === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey()))
      .addColumn('parent_id', d.int).execute();
    await db.schema.createIndex('layers_parent').on('layers').column('parent_id').execute();
    await db.schema.createTable('layer_blocks')
      .addColumn('layer_id', d.int, (c) => c.notNull()).addColumn('block_no', d.int, (c) => c.notNull())
      .addColumn('data', d.blob, (c) => c.notNull())
      .addPrimaryKeyConstraint('layer_blocks_pk', ['layer_id', 'block_no']).execute();

    await db.schema.createTable('disks')
      .addColumn('vm_id', d.text, (c) => c.notNull()).addColumn('disk_key', 'integer', (c) => c.notNull())
      .addColumn('label', d.text, (c) => c.notNull()).addColumn('capacity_bytes', d.int, (c) => c.notNull())
      .addColumn('block_size', 'integer', (c) => c.notNull()).addColumn('head_layer_id', d.int, (c) => c.notNull())
      .addColumn('sequence_uuid', d.text, (c) => c.notNull()).addColumn('epoch', d.int, (c) => c.notNull())
      .addPrimaryKeyConstraint('disks_pk', ['vm_id', 'disk_key']).execute();
    await db.schema.createIndex('disks_head').on('disks').column('head_layer_id').execute();

    await db.schema.createTable('vm_snapshots')
      .addColumn('id', d.text, (c) => c.primaryKey()).addColumn('vm_id', d.text, (c) => c.notNull())
      .addColumn('cluster_id', d.text, (c) => c.notNull()).addColumn('name', d.text, (c) => c.notNull())
      .addColumn('type', d.text, (c) => c.notNull()).addColumn('created_at', d.int, (c) => c.notNull())
      .addColumn('expires_at', d.int).addColumn('pg_id', d.text).addColumn('pg_snapshot_id', d.text)
      .addColumn('vm_name', d.text, (c) => c.notNull()).addColumn('folder_id', d.text).addColumn('resource_pool_id', d.text)
      .addColumn('cpu_count', 'integer', (c) => c.notNull()).addColumn('cores_per_socket', 'integer', (c) => c.notNull())
      .addColumn('memory_mib', d.int, (c) => c.notNull()).addColumn('guest_os', d.text, (c) => c.notNull()).execute();
    await db.schema.createIndex('vm_snapshots_vm').on('vm_snapshots').columns(['vm_id', 'created_at']).execute();
    await db.schema.createIndex('vm_snapshots_cluster').on('vm_snapshots').columns(['cluster_id', 'vm_id']).execute();
    await db.schema.createIndex('vm_snapshots_pgs').on('vm_snapshots').column('pg_snapshot_id').execute();
    await db.schema.createIndex('vm_snapshots_expiry').on('vm_snapshots').column('expires_at').execute();
    await db.schema.createTable('disk_snapshots')
      .addColumn('snapshot_id', d.text, (c) => c.notNull()).addColumn('disk_key', 'integer', (c) => c.notNull())
      .addColumn('label', d.text, (c) => c.notNull()).addColumn('capacity_bytes', d.int, (c) => c.notNull())
      .addColumn('block_size', 'integer', (c) => c.notNull()).addColumn('layer_id', d.int, (c) => c.notNull())
      .addColumn('sequence_uuid', d.text, (c) => c.notNull()).addColumn('epoch', d.int, (c) => c.notNull())
      .addColumn('uri', d.text, (c) => c.notNull())
      .addPrimaryKeyConstraint('disk_snapshots_pk', ['snapshot_id', 'disk_key']).execute();
    await db.schema.createIndex('disk_snapshots_layer').on('disk_snapshots').column('layer_id').execute();

    await db.schema.createTable('tasks')
      .addColumn('id', d.text, (c) => c.primaryKey()).addColumn('kind', d.text, (c) => c.notNull())
      .addColumn('service', d.text, (c) => c.notNull()).addColumn('operation', d.text, (c) => c.notNull())
      .addColumn('description', d.text, (c) => c.notNull()).addColumn('status', d.text, (c) => c.notNull())
      .addColumn('cancelable', 'integer', (c) => c.notNull()).addColumn('user_name', d.text)
      .addColumn('target_type', d.text).addColumn('target_id', d.text).addColumn('cluster_id', d.text)
      .addColumn('vm_id', d.text).addColumn('input', d.text).addColumn('progress_total', d.int, (c) => c.notNull())
      .addColumn('progress_completed', d.int, (c) => c.notNull()).addColumn('progress_message', d.text)
      .addColumn('result', d.text).addColumn('error', d.text).addColumn('created_at', d.int, (c) => c.notNull())
      .addColumn('not_before', d.int, (c) => c.notNull()).addColumn('start_time', d.int).addColumn('end_time', d.int)
      .addColumn('owner', d.text).addColumn('step', 'integer', (c) => c.notNull()).execute();
    await db.schema.createIndex('tasks_status').on('tasks').columns(['status', 'not_before']).execute();
    await db.schema.createIndex('tasks_vm').on('tasks').columns(['vm_id', 'status']).execute();
    await db.schema.createIndex('tasks_created').on('tasks').columns(['created_at', 'id']).execute();

    await db.schema.createTable('users')
      .addColumn('name', d.text, (c) => c.primaryKey()).addColumn('password_hash', d.text, (c) => c.notNull())
      .addColumn('created_at', d.int, (c) => c.notNull()).execute();
    await db.schema.createTable('roles')
      .addColumn('id', d.text, (c) => c.primaryKey()).addColumn('name', d.text, (c) => c.notNull())
      .addColumn('privileges', d.text, (c) => c.notNull()).addColumn('system', 'integer', (c) => c.notNull()).execute();
    await db.schema.createTable('permissions')
      .addColumn('principal', d.text, (c) => c.notNull()).addColumn('entity_id', d.text, (c) => c.notNull())
      .addColumn('role_id', d.text, (c) => c.notNull()).addColumn('propagate', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('permissions_pk', ['principal', 'entity_id']).execute();
    await db.schema.createTable('sessions')
      .addColumn('token_hash', d.text, (c) => c.primaryKey()).addColumn('user_name', d.text, (c) => c.notNull())
      .addColumn('created_at', d.int, (c) => c.notNull()).addColumn('last_accessed_at', d.int, (c) => c.notNull()).execute();
    await db.schema.createTable('instances')
      .addColumn('id', d.text, (c) => c.primaryKey()).addColumn('hostname', d.text, (c) => c.notNull())
      .addColumn('pid', 'integer', (c) => c.notNull()).addColumn('started_at', d.int, (c) => c.notNull())
      .addColumn('heartbeat_at', d.int, (c) => c.notNull()).execute();

    await db.schema.createTable('protection_groups')
      .addColumn('id', d.text, (c) => c.primaryKey()).addColumn('cluster_id', d.text, (c) => c.notNull())
      .addColumn('name', d.text, (c) => c.notNull()).addColumn('status', d.text, (c) => c.notNull())
      .addColumn('locked', 'integer', (c) => c.notNull()).addColumn('target_entities', d.text, (c) => c.notNull())
      .addColumn('policies', d.text, (c) => c.notNull()).addColumn('created_at', d.int, (c) => c.notNull())
      .addColumn('schedule_anchor', d.int, (c) => c.notNull()).execute();
    await db.schema.createIndex('protection_groups_cluster').on('protection_groups').columns(['cluster_id', 'created_at']).execute();
    await db.schema.createTable('policy_runs')
      .addColumn('pg_id', d.text, (c) => c.notNull()).addColumn('policy', d.text, (c) => c.notNull())
      .addColumn('last_run', d.int, (c) => c.notNull())
      .addPrimaryKeyConstraint('policy_runs_pk', ['pg_id', 'policy']).execute();
    await db.schema.createTable('pg_snapshots')
      .addColumn('id', d.text, (c) => c.primaryKey()).addColumn('pg_id', d.text, (c) => c.notNull())
      .addColumn('cluster_id', d.text, (c) => c.notNull()).addColumn('name', d.text, (c) => c.notNull())
      .addColumn('type', d.text, (c) => c.notNull()).addColumn('start_time', d.int, (c) => c.notNull())
      .addColumn('end_time', d.int, (c) => c.notNull()).addColumn('expires_at', d.int).addColumn('policy', d.text).execute();
    await db.schema.createIndex('pg_snapshots_pg').on('pg_snapshots').columns(['pg_id', 'start_time']).execute();
    await db.schema.createIndex('pg_snapshots_expiry').on('pg_snapshots').column('expires_at').execute();
  },
  '0002_reports': async (db, d) => {
    await db.schema.createTable('snapshot_history')
      .addColumn('id', d.text, (c) => c.primaryKey()).addColumn('kind', d.text, (c) => c.notNull())
      .addColumn('cluster_id', d.text, (c) => c.notNull()).addColumn('pg_id', d.text).addColumn('pg_name', d.text)
      .addColumn('pg_snapshot_id', d.text).addColumn('vm_id', d.text).addColumn('vm_name', d.text)
      .addColumn('snapshot_id', d.text).addColumn('name', d.text, (c) => c.notNull())
      .addColumn('type', d.text, (c) => c.notNull()).addColumn('status', d.text, (c) => c.notNull())
      .addColumn('started_at', d.int, (c) => c.notNull()).addColumn('expires_at', d.int)
      .addColumn('reasons', d.text, (c) => c.notNull()).execute();
    await db.schema.createIndex('snapshot_history_cluster').on('snapshot_history').columns(['cluster_id', 'kind', 'started_at']).execute();
    await db.schema.createIndex('snapshot_history_started').on('snapshot_history').column('started_at').execute();
  },
  '0003_labels': async (db, d) => {
    await db.schema.createTable('vm_snapshot_labels')
      .addColumn('snapshot_id', d.text, (c) => c.notNull()).addColumn('category', d.text, (c) => c.notNull())
      .addColumn('name', d.text, (c) => c.notNull())
      .addPrimaryKeyConstraint('vm_snapshot_labels_pk', ['snapshot_id', 'category', 'name']).execute();
    // The 9.1 index lists every cluster's snapshots by creation time.
    await db.schema.createIndex('vm_snapshots_created').on('vm_snapshots').columns(['created_at', 'id']).execute();
    // Group members given an expiry of their own are few: the scheduler finds them by this index.
    await db.schema.alterTable('vm_snapshots').addColumn('own_expiry', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.createIndex('vm_snapshots_own_expiry').on('vm_snapshots').columns(['own_expiry', 'expires_at']).execute();
  },
  '0004_tags': async (db, d) => {
    // Names are unique as vCenter has them: categories globally, tags within their category.
    await db.schema.createTable('tag_categories')
      .addColumn('id', d.text, (c) => c.primaryKey()).addColumn('name', d.text, (c) => c.notNull().unique())
      .addColumn('description', d.text, (c) => c.notNull()).addColumn('cardinality', d.text, (c) => c.notNull())
      .addColumn('associable_types', d.text, (c) => c.notNull()).addColumn('used_by', d.text, (c) => c.notNull())
      .addColumn('created_at', d.int, (c) => c.notNull()).execute();
    await db.schema.createTable('tags')
      .addColumn('id', d.text, (c) => c.primaryKey()).addColumn('category_id', d.text, (c) => c.notNull())
      .addColumn('name', d.text, (c) => c.notNull()).addColumn('description', d.text, (c) => c.notNull())
      .addColumn('used_by', d.text, (c) => c.notNull()).addColumn('created_at', d.int, (c) => c.notNull())
      .addUniqueConstraint('tags_name', ['category_id', 'name']).execute();
    await db.schema.createTable('tag_attachments')
      .addColumn('tag_id', d.text, (c) => c.notNull()).addColumn('object_type', d.text, (c) => c.notNull())
      .addColumn('object_id', d.text, (c) => c.notNull()).addColumn('created_at', d.int, (c) => c.notNull())
      .addPrimaryKeyConstraint('tag_attachments_pk', ['tag_id', 'object_type', 'object_id']).execute();
    await db.schema.createIndex('tag_attachments_object').on('tag_attachments').columns(['object_type', 'object_id']).execute();
  },
  '0005_sites': async (db, d) => {
    await db.schema.createTable('sites')
      .addColumn('id', d.text, (c) => c.primaryKey()).addColumn('name', d.text, (c) => c.notNull())
      .addColumn('url', d.text, (c) => c.notNull()).addColumn('certificate', d.text, (c) => c.notNull())
      .addColumn('vcenter_id', d.text, (c) => c.notNull()).addColumn('release', d.text, (c) => c.notNull())
      .addColumn('remote_user', d.text, (c) => c.notNull()).addColumn('remote_password', d.text, (c) => c.notNull())
      .addColumn('local_user', d.text, (c) => c.notNull()).addColumn('created_at', d.int, (c) => c.notNull())
      .addColumn('updated_at', d.int, (c) => c.notNull()).execute();
    await db.schema.createTable('cluster_pairs')
      .addColumn('id', d.text, (c) => c.primaryKey()).addColumn('local_cluster_id', d.text, (c) => c.notNull())
      .addColumn('local_cluster_name', d.text, (c) => c.notNull()).addColumn('peer_site_id', d.text, (c) => c.notNull())
      .addColumn('peer_cluster_id', d.text, (c) => c.notNull()).addColumn('peer_cluster_name', d.text, (c) => c.notNull())
      .addColumn('created_at', d.int, (c) => c.notNull()).execute();
    await db.schema.createIndex('cluster_pairs_local').on('cluster_pairs').column('local_cluster_id').execute();
    await db.schema.createTable('datastores')
      .addColumn('id', d.text, (c) => c.primaryKey()).addColumn('name', d.text, (c) => c.notNull())
      .addColumn('type', d.text, (c) => c.notNull()).addColumn('cluster_id', d.text, (c) => c.notNull())
      .addColumn('datacenter_id', d.text, (c) => c.notNull()).addColumn('capacity_bytes', d.int, (c) => c.notNull())
      .addColumn('created_at', d.int, (c) => c.notNull()).execute();
    await db.schema.createIndex('datastores_cluster').on('datastores').columns(['cluster_id', 'created_at']).execute();
    // Datastores have their own counter so that adding them leaves every other moref as it was.
    await db.insertInto('counters').values({ name: 'datastore', value: 0 }).execute();
    // Clusters made before datastores existed get the vSAN datastore every new cluster has.
    const clusters = await db.selectFrom('clusters').select(['id', 'name', 'datacenter_id', 'created_at']).orderBy('created_at').orderBy('id').execute();
    for (const [i, c] of clusters.entries()) {
      await db.insertInto('datastores').values({
        id: `datastore-${i + 1}`, name: vsanDatastoreName(c.name as string), type: 'VSAN', cluster_id: c.id,
        datacenter_id: c.datacenter_id, capacity_bytes: VSAN_DATASTORE_BYTES, created_at: c.created_at,
      }).execute();
    }
    if (clusters.length > 0) await db.updateTable('counters').set({ value: clusters.length }).where('name', '=', 'datastore').execute();
    // The ids a peer knows this site and its vCenter by: made once, kept for the store's life.
    await db.insertInto('meta').values([{ key: 'siteId', value: randomUUID() }, { key: 'vcenterId', value: randomUUID() }]).execute();
  },
  '0007_replication': async (db, d) => {
    // The policy as one document; its cluster pair beside it, so a pair finds the groups using it.
    await db.schema.alterTable('protection_groups').addColumn('replication', d.text).execute();
    await db.schema.alterTable('protection_groups').addColumn('cluster_pair_id', d.text).execute();
    await db.schema.createIndex('protection_groups_cluster_pair').on('protection_groups').column('cluster_pair_id').execute();
    await db.schema.createTable('replication_sent')
      .addColumn('pg_snapshot_id', d.text, (c) => c.notNull()).addColumn('vm_id', d.text, (c) => c.notNull())
      .addColumn('pg_id', d.text, (c) => c.notNull()).addColumn('snapshot_id', d.text, (c) => c.notNull())
      .addColumn('taken_at', d.int, (c) => c.notNull()).addColumn('acked_at', d.int, (c) => c.notNull())
      .addPrimaryKeyConstraint('replication_sent_pk', ['pg_snapshot_id', 'vm_id']).execute();
    await db.schema.createIndex('replication_sent_vm').on('replication_sent').columns(['pg_id', 'vm_id', 'taken_at']).execute();
    await db.schema.createTable('replica_vms')
      .addColumn('id', d.text, (c) => c.primaryKey()).addColumn('pg_id', d.text, (c) => c.notNull())
      .addColumn('source_site_id', d.text, (c) => c.notNull()).addColumn('source_vm_id', d.text, (c) => c.notNull())
      .addColumn('name', d.text, (c) => c.notNull()).addColumn('created_at', d.int, (c) => c.notNull())
      .addUniqueConstraint('replica_vms_source', ['source_site_id', 'source_vm_id']).execute();
    await db.schema.createIndex('replica_vms_pg').on('replica_vms').columns(['pg_id', 'created_at']).execute();
    await db.schema.createTable('replica_disks')
      .addColumn('replica_vm_id', d.text, (c) => c.notNull()).addColumn('disk_key', d.int, (c) => c.notNull())
      .addColumn('label', d.text, (c) => c.notNull()).addColumn('capacity_bytes', d.int, (c) => c.notNull())
      .addColumn('block_size', d.int, (c) => c.notNull()).addColumn('head_layer_id', d.int, (c) => c.notNull())
      .addPrimaryKeyConstraint('replica_disks_pk', ['replica_vm_id', 'disk_key']).execute();
    await db.schema.createTable('replica_snapshots')
      .addColumn('id', d.text, (c) => c.primaryKey()).addColumn('replica_vm_id', d.text, (c) => c.notNull())
      .addColumn('source_snapshot_id', d.text, (c) => c.notNull().unique()).addColumn('source_pg_snapshot_id', d.text, (c) => c.notNull())
      .addColumn('name', d.text, (c) => c.notNull()).addColumn('taken_at', d.int, (c) => c.notNull())
      .addColumn('received_at', d.int, (c) => c.notNull()).addColumn('disks', d.text, (c) => c.notNull()).execute();
    await db.schema.createIndex('replica_snapshots_vm').on('replica_snapshots').columns(['replica_vm_id', 'taken_at']).execute();
  },
  '0008_recovery': async (db, d) => {
    // Kept beside the groups and replicas rather than in their tables: disaster recovery's own state.
    await db.schema.createTable('pg_generations')
      .addColumn('pg_id', d.text, (c) => c.primaryKey()).addColumn('generation', d.int, (c) => c.notNull()).execute();
    await db.schema.createTable('replica_vm_configs')
      .addColumn('replica_vm_id', d.text, (c) => c.primaryKey()).addColumn('cpu_count', d.int, (c) => c.notNull())
      .addColumn('cores_per_socket', d.int, (c) => c.notNull()).addColumn('memory_mib', d.int, (c) => c.notNull())
      .addColumn('guest_os', d.text, (c) => c.notNull()).execute();
  },
  '0009_replica_chunks': async (db, d) => {
    // Recovery side: chunks of a snapshot too large for one request, held until the last arrives.
    await db.schema.createTable('replica_chunks')
      .addColumn('source_snapshot_id', d.text, (c) => c.notNull()).addColumn('idx', d.int, (c) => c.notNull())
      .addColumn('count', d.int, (c) => c.notNull()).addColumn('base_snapshot_id', d.text)
      .addColumn('source_site_id', d.text, (c) => c.notNull()).addColumn('pg_id', d.text, (c) => c.notNull())
      .addColumn('source_vm_id', d.text, (c) => c.notNull()).addColumn('pieces', d.text, (c) => c.notNull())
      .addColumn('received_at', d.int, (c) => c.notNull())
      .addPrimaryKeyConstraint('replica_chunks_pk', ['source_snapshot_id', 'idx']).execute();
    await db.schema.createIndex('replica_chunks_group').on('replica_chunks').columns(['source_site_id', 'pg_id']).execute();
    // Protected side: groups whose replicas the recovery site must drop, until it has been told.
    await db.schema.createTable('replica_removals')
      .addColumn('pg_id', d.text, (c) => c.primaryKey()).addColumn('site_id', d.text, (c) => c.notNull())
      .addColumn('requested_at', d.int, (c) => c.notNull()).execute();
  },
  '0010_standalone_expiry_index': async (db) => {
    // The scheduler's "next standalone snapshot to expire" (pg_snapshot_id is null, by
    // expires_at) was answered from (pg_snapshot_id) alone: every standalone snapshot read and
    // sorted, 100+ ms on a store of a million. With expires_at beside it the index hands the
    // first ones over in order; lookups by pg_snapshot_id use its first column as before.
    await db.schema.dropIndex('vm_snapshots_pgs').execute();
    await db.schema.createIndex('vm_snapshots_pgs_expiry').on('vm_snapshots').columns(['pg_snapshot_id', 'expires_at']).execute();
  },
  '0011_own_expiry_partial': async (db) => {
    // Only members given an expiry of their own (own_expiry = 1) are ever looked up by this
    // index, and they are few; every other snapshot, the system snapshot of each revert among
    // them, wrote an entry no query reads. The query says "own_expiry = 1" as a literal so
    // that both engines see it implies the predicate.
    await db.schema.dropIndex('vm_snapshots_own_expiry').execute();
    await db.schema.createIndex('vm_snapshots_own_expiry').on('vm_snapshots').column('expires_at').where(sql.ref('own_expiry'), '=', 1).execute();
  },
  '0012_fewer_index_entries': async (db) => {
    // Every query on tasks by status or VM asks for unfinished tasks only (the finished ones
    // are read by creation time), yet each revert wrote its task into both indexes twice:
    // at admission and again under SUCCEEDED, where nobody looked. Holding only the few
    // unfinished tasks, they stay a page or two. The queries repeat this exact IN list as a
    // literal, so SQLite (which matches terms) and PostgreSQL see that it implies the
    // predicate. kind rides along so that the admission's count reads the index alone.
    const active = ['PENDING', 'RUNNING', 'BLOCKED'];
    await db.schema.dropIndex('tasks_status').execute();
    await db.schema.createIndex('tasks_status').on('tasks').columns(['status', 'not_before', 'kind']).where(sql.ref('status'), 'in', active).execute();
    await db.schema.dropIndex('tasks_vm').execute();
    await db.schema.createIndex('tasks_vm').on('tasks').column('vm_id').where(sql.ref('status'), 'in', active).execute();
    // The oldest attempt and the purge by start time search snapshot_history_cluster one
    // cluster at a time (kysely/history.ts); this index only served them.
    await db.schema.dropIndex('snapshot_history_started').execute();
  },
};

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, step] of Object.entries(steps)) out[name] = { up: (db) => step(db, dialect) };
      return out;
    },
  };
}
