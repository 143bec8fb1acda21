import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { ManualClock } from '../../src/clock/clock.ts';
import { testConfig } from '../../src/config/config.ts';
import type { SnapshotPolicy } from '../../src/domain/model.ts';
import { nextRun } from '../../src/domain/schedule.ts';
import { createRuntime } from '../../src/runtime.ts';
import { purgeGroup } from '../../src/engine/groups.ts';
import { createCluster, createDatacenter, createHost, createVm } from '../../src/engine/inventory.ts';
import { basic, USERS } from '../helpers/app.ts';

const MIN = 60_000;
const H = 60 * MIN;

/** The model: what snapshots a group should hold, computed by walking time minute by minute. */
class Model {
  active = true;
  last: number[];
  snaps: Array<{ policy: string; t: number; exp: number }> = [];
  constructor(private readonly anchor: number, private readonly policies: SnapshotPolicy[], public now: number) {
    this.last = policies.map(() => anchor);
  }
  advanceTo(t1: number) {
    if (this.active) {
      this.policies.forEach((p, i) => {
        for (let r = nextRun(this.anchor, p.schedule, this.last[i]); r <= t1; r = nextRun(this.anchor, p.schedule, r)) {
          this.snaps.push({ policy: p.name, t: r, exp: r + p.retention.duration * H });
          this.last[i] = r;
        }
      });
      this.snaps = this.snaps.filter((s) => s.exp > t1);
    }
    this.now = t1;
  }
  pause() {
    this.active = false;
  }
  resume() {
    this.active = true;
    this.last = this.last.map(() => this.now);
    this.snaps = this.snaps.filter((s) => s.exp > this.now);
  }
  view() {
    return this.snaps.map((s) => `${s.policy}@${s.t}`).sort();
  }
}

const policy = fc.record({
  interval: fc.integer({ min: 1, max: 6 }),
  retention: fc.integer({ min: 1, max: 12 }),
});
const step = fc.record({ minutes: fc.integer({ min: 1, max: 8 * 60 }), action: fc.constantFrom('none', 'none', 'pause', 'resume') });

describe('scheduler against a model', () => {
  it('random policies, pauses and clock jumps give exactly the model snapshots', async () => {
    const start = Date.UTC(2026, 0, 1);
    const clock = new ManualClock(start);
    const rt = await createRuntime(testConfig({ seed: 'empty', taskDelayMs: 0, taskQueueMs: 0 }), { clock });
    const app = await buildApp(rt.deps);
    const auth = { authorization: basic(USERS.admin.user, USERS.admin.password) };
    const cluster = await rt.deps.store.transaction(async (tx) => {
      const { dc, vmFolder } = await createDatacenter(tx, 'DC', start);
      const c = await createCluster(tx, { name: 'C', datacenterId: dc.id, drsEnabled: true, haEnabled: true }, start);
      const h = await createHost(tx, 'h', c.id, start);
      for (const name of ['a', 'b']) {
        await createVm(tx, { name, clusterId: c.id, hostId: h.id, folderId: vmFolder.id, resourcePoolId: c.resourcePoolId, powerState: 'POWERED_ON', cpuCount: 1, memoryMib: 64, guestOs: 'x', disks: [{ diskKey: 2000, label: 'd', capacityBytes: 4096 * 4, blockSize: 4096 }] }, start);
      }
      return c;
    });
    let n = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(policy, { minLength: 1, maxLength: 3 }), fc.array(step, { minLength: 1, maxLength: 12 }), async (ps, steps) => {
          const anchor = clock.now();
          const pgId = `pg-${n++}`;
          const policies: SnapshotPolicy[] = ps.map((p, i) => ({ name: `p${i}`, schedule: { unit: 'HOUR', interval: p.interval }, retention: { unit: 'HOUR', duration: p.retention } }));
          await rt.deps.store.transaction((tx) => tx.groups.insert({
            id: pgId, clusterId: cluster.id, name: pgId, status: 'ACTIVE', locked: false, createdAt: anchor, scheduleAnchor: anchor,
            targetEntities: { vmNamePatterns: ['*'] }, policies,
          }));
          rt.scheduler.notify();
          const model = new Model(anchor, policies, anchor);
          const actual = async () => (await rt.deps.store.repos.groupSnapshots.list(pgId)).map((s) => `${s.policy}@${s.startTime}`).sort();
          try {
            for (const s of steps) {
              await clock.advance(s.minutes * MIN);
              model.advanceTo(clock.now());
              if (s.action !== 'none' && model.active === (s.action === 'pause')) {
                const res = await app.inject({ method: 'POST', url: `/api/snapservice/clusters/${cluster.id}/protection-groups/${pgId}?action=${s.action}&vmw-task=true`, headers: auth });
                expect(res.statusCode, res.body).toBe(202);
                await clock.advance(0);
                if (s.action === 'pause') model.pause();
                else model.resume();
              }
              expect(await actual()).toEqual(model.view());
            }
          } finally {
            await rt.deps.store.transaction(async (tx) => {
              const g = await tx.groups.get(pgId);
              if (g) await purgeGroup(tx, g);
            });
          }
        }),
        { numRuns: 40 },
      );
    } finally {
      await app.close();
      await rt.close();
    }
  });
});
