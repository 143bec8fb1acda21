import type { ProtectionGroup, SnapshotPolicy, TimeUnit } from '../domain/model.ts';
import { newId } from '../domain/ids.ts';
import { nextRun } from '../domain/schedule.ts';
import type { SnapshotAttempt } from '../domain/history.ts';
import { currentMembers, scheduledExpiry, scheduledName, takeGroupSnapshot } from '../engine/groups.ts';
import { attempt, recordAttempt } from '../engine/history.ts';
import type { Repos } from '../store/store.ts';
import type { SeedGroupSpec } from './format.ts';

/**
 * Creates a seeded protection group as if it had been running since `created_minutes_ago`:
 * every scheduled run of that past whose snapshot has not expired yet exists (stamped with
 * its run time), and the schedules continue from the last run. Runs whose snapshots expired
 * already are in snapshot history (within `historyMs`), some with failed members, so that
 * reports have something to show from the first call.
 */
export async function seedGroup(tx: Repos, spec: SeedGroupSpec, paths: Map<string, string>, tags: Map<string, string>, now: number, maxPerVm: number, historyMs = 90 * 24 * 3600_000): Promise<void> {
  const clusterId = paths.get(spec.cluster);
  if (!clusterId) throw new Error(`seed: protection group ${spec.name}: no cluster at '${spec.cluster}'`);
  const vms = (spec.vms ?? []).map((name) => {
    const id = paths.get(`${spec.cluster}/${name}`);
    if (!id?.startsWith('vm-')) throw new Error(`seed: protection group ${spec.name}: no VM '${name}' in ${spec.cluster}`);
    return id;
  });
  const tagRules = (spec.tag_rules ?? []).map((r) => ({
    operator: r.operator,
    tags: r.tags.map((name) => {
      const id = tags.get(name);
      if (!id) throw new Error(`seed: protection group ${spec.name}: no tag '${name}' (tags are named 'Category/tag')`);
      return id;
    }),
  }));
  const created = now - (spec.created_minutes_ago ?? 0) * 60_000;
  const pausedAt = spec.paused_minutes_ago === undefined ? undefined : now - spec.paused_minutes_ago * 60_000;
  const policies: SnapshotPolicy[] = (spec.policies ?? []).map((p) => ({
    name: p.name,
    schedule: { unit: p.schedule.unit as TimeUnit, interval: p.schedule.interval },
    retention: { unit: p.retention.unit as TimeUnit, duration: p.retention.duration },
  }));
  const pg: ProtectionGroup = {
    id: newId(), clusterId, name: spec.name, status: pausedAt === undefined ? 'ACTIVE' : 'PAUSED', locked: spec.locked ?? false,
    targetEntities: {
      ...(spec.vm_name_patterns ? { vmNamePatterns: spec.vm_name_patterns } : {}),
      ...(vms.length > 0 ? { vms } : {}),
      ...(tagRules.length > 0 ? { tagRules } : {}),
    },
    policies, createdAt: created, scheduleAnchor: created,
  };
  await tx.groups.insert(pg);

  // Runs stop at the pause; expiry stops there too, so what had not expired then remains.
  const until = pausedAt ?? now;
  const runs: Array<{ t: number; policy: SnapshotPolicy }> = [];
  const past: Array<{ t: number; policy: SnapshotPolicy }> = [];
  for (const policy of policies) {
    let last = created;
    for (let t = nextRun(created, policy.schedule, created); t <= until; t = nextRun(created, policy.schedule, t)) {
      last = t;
      const expiry = scheduledExpiry(policy, t);
      if (expiry === null || expiry > until) runs.push({ t, policy });
      else if (t >= now - historyMs) past.push({ t, policy });
    }
    await tx.groups.setLastRun(pg.id, policy.name, last);
  }
  await seedHistory(tx, pg, past.sort((a, b) => a.t - b.t));
  runs.sort((a, b) => a.t - b.t);
  for (const { t, policy } of runs) {
    await takeGroupSnapshot(tx, pg, { name: scheduledName(pg, policy, t), type: 'SCHEDULED', now: t, expiresAt: scheduledExpiry(policy, t), policy: policy.name }, maxPerVm);
  }
}

/** Every 9th expired run had one member fail, every 31st all of them (clearly marked as seeded). */
async function seedHistory(tx: Repos, pg: ProtectionGroup, runs: Array<{ t: number; policy: SnapshotPolicy }>): Promise<void> {
  if (runs.length === 0) return;
  const { vms } = await currentMembers(tx, pg);
  const reason = (vm: string) => [{
    id: 'com.vmware.snapservice.seed.simulated_failure',
    defaultMessage: `Seeded demo history: the snapshot of virtual machine ${vm} did not complete.`,
    args: [vm],
  }];
  const out: SnapshotAttempt[] = [];
  runs.forEach(({ t, policy }, k) => {
    const name = scheduledName(pg, policy, t);
    const expiresAt = scheduledExpiry(policy, t);
    const pgSnapshotId = newId();
    const failing = k % 31 === 30 ? vms.length : k % 9 === 8 ? Math.min(1, vms.length) : 0;
    const members = vms.map((vm, i) => {
      const ok = i >= failing;
      return attempt({
        kind: 'VM', clusterId: pg.clusterId, pgId: pg.id, pgName: pg.name, pgSnapshotId, vmId: vm.id, vmName: vm.name,
        snapshotId: ok ? newId() : null, name, type: 'SCHEDULED', status: ok ? 'SUCCESS' : 'ERROR', startedAt: t,
        expiresAt: ok ? expiresAt : null, reasons: ok ? [] : [reason(vm.id)],
      });
    });
    const failures = members.filter((m) => m.status === 'ERROR');
    out.push(attempt({
      kind: 'PG', clusterId: pg.clusterId, pgId: pg.id, pgName: pg.name, pgSnapshotId, snapshotId: pgSnapshotId, name, type: 'SCHEDULED',
      status: failures.length === 0 ? 'SUCCESS' : failures.length === members.length ? 'ERROR' : 'WARNING',
      startedAt: t, expiresAt, reasons: failures.flatMap((m) => m.reasons),
    }), ...members);
  });
  await recordAttempt(tx, out);
}
