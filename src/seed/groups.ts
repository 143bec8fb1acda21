import type { ProtectionGroup, SnapshotPolicy, TimeUnit } from '../domain/model.ts';
import { newId } from '../domain/ids.ts';
import { nextRun } from '../domain/schedule.ts';
import { scheduledExpiry, scheduledName, takeGroupSnapshot } from '../engine/groups.ts';
import type { Repos } from '../store/store.ts';
import type { SeedGroupSpec } from './format.ts';

/**
 * Creates a seeded protection group as if it had been running since `created_minutes_ago`:
 * every scheduled run of that past whose snapshot has not expired yet exists (stamped with
 * its run time), and the schedules continue from the last run.
 */
export async function seedGroup(tx: Repos, spec: SeedGroupSpec, paths: Map<string, string>, tags: Map<string, string>, now: number, maxPerVm: number): Promise<void> {
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
  for (const policy of policies) {
    let last = created;
    for (let t = nextRun(created, policy.schedule, created); t <= until; t = nextRun(created, policy.schedule, t)) {
      last = t;
      const expiry = scheduledExpiry(policy, t);
      if (expiry === null || expiry > until) runs.push({ t, policy });
    }
    await tx.groups.setLastRun(pg.id, policy.name, last);
  }
  runs.sort((a, b) => a.t - b.t);
  for (const { t, policy } of runs) {
    await takeGroupSnapshot(tx, pg, { name: scheduledName(pg, policy, t), type: 'SCHEDULED', now: t, expiresAt: scheduledExpiry(policy, t), policy: policy.name }, maxPerVm);
  }
}
