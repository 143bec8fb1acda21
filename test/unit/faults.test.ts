import { describe, expect, it } from 'vitest';
import { FaultInjector } from '../../src/faults/injector.ts';
import { matches, seededRandom, type CallPoint, type FaultRuleSpec } from '../../src/faults/rules.ts';
import { Journal } from '../../src/journal/journal.ts';
import { REDACTED, summarize } from '../../src/journal/redact.ts';

const revert: CallPoint = {
  service: 'com.vmware.snapservice.clusters.virtual_machines', operation: 'revert$task', method: 'POST',
  path: '/api/snapservice/clusters/{cluster}/virtual-machines/{vm}', action: 'revert', task: true, user: 'Admin@vsphere.local', objects: ['domain-c1', 'vm-42'],
};
const spec = (over: Partial<FaultRuleSpec> = {}): FaultRuleSpec => ({
  match: { service: revert.service }, effect: { type: 'ERROR', kind: 'ERROR' }, probability: 1, seed: 1, after: 0, enabled: true, ...over,
});

describe('fault matching', () => {
  it('matches an operation with or without $task, a path template with action and variant, user and object', () => {
    expect(matches({ service: revert.service, operation: 'revert' }, revert)).toBe(true);
    expect(matches({ service: revert.service, operation: 'revert$task' }, revert)).toBe(true);
    expect(matches({ service: revert.service, operation: 'revert$task' }, { ...revert, operation: 'revert', task: false })).toBe(false);
    expect(matches({ method: 'post', path: `${revert.path}?action=revert&vmw-task=true` }, revert)).toBe(true);
    expect(matches({ method: 'POST', path: `${revert.path}?action=restore` }, revert)).toBe(false);
    expect(matches({ method: 'POST', path: `${revert.path}/` }, revert)).toBe(true);
    expect(matches({ service: revert.service, user: 'admin@VSPHERE.local', object: 'vm-42' }, revert)).toBe(true);
    expect(matches({ service: revert.service, object: 'vm-43' }, revert)).toBe(false);
    expect(matches({ scheduled: true }, revert)).toBe(false);
  });

  it('draws the same sequence from the same seed, different ones from others, uniformly enough', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(seededRandom(43)()).not.toBe(xs[0]);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});

describe('the injector', () => {
  it('adds delays up, lets the first error win, counts matches and hits', () => {
    const f = new FaultInjector();
    f.add(spec({ effect: { type: 'LATENCY', delayMs: 100, jitterMs: 0 } }));
    f.add(spec({ effect: { type: 'LATENCY', delayMs: 50, jitterMs: 0 } }));
    f.add(spec({ effect: { type: 'ERROR', kind: 'RESOURCE_BUSY' } }));
    f.add(spec({ effect: { type: 'ERROR', kind: 'TIMED_OUT' } }));
    const d = f.onCall(revert);
    expect(d.delayMs).toBe(150);
    expect(d.error?.kind).toBe('RESOURCE_BUSY');
    expect(f.list().map((r) => [r.matches, r.hits])).toEqual([[1, 1], [1, 1], [1, 1], [1, 1]]);
  });

  it('plans a task failure that fires at the first point at or past its progress, once', () => {
    const f = new FaultInjector();
    f.add(spec({ effect: { type: 'TASK_FAILURE', kind: 'ERROR', atProgress: 40 } }));
    const plan = f.onCall(revert).task;
    expect(plan?.atProgress).toBe(0.4);
    f.planTask('t1', plan!);
    expect(() => f.taskPoint('t1', { progress: 0.3 })).not.toThrow();
    expect(() => f.taskPoint('t1', { step: 5 })).not.toThrow();
    expect(() => f.taskPoint('t1', { progress: 0.45 })).toThrow(/Fault injected/);
    expect(() => f.taskPoint('t1', { progress: 1 })).not.toThrow();
  });

  it('fails only the planned members of a group snapshot, and scheduled snapshots by group or cluster', () => {
    const f = new FaultInjector();
    f.add(spec({ match: { scheduled: true, object: 'pg-1' }, effect: { type: 'TASK_FAILURE', kind: 'ERROR', vms: ['vm-1'] } }));
    expect(f.onScheduled(['pg-2', 'domain-c1'])).toEqual({});
    const s = f.onScheduled(['pg-1', 'domain-c1']);
    expect(s.error).toBeUndefined();
    expect(s.member?.('vm-1')?.kind).toBe('ERROR');
    expect(s.member?.('vm-2')).toBeUndefined();
  });
});

describe('the journal', () => {
  const entry = (j: Journal, n: number, extra: object = {}) => {
    const e = j.begin({ time: n, protocol: 'REST', method: 'GET', path: `/x/${n}`, ...extra });
    j.finish(e, 200, n + 5);
  };

  it('keeps the latest entries in order, with their duration', () => {
    const j = new Journal(3);
    for (let n = 1; n <= 7; n++) entry(j, n);
    expect(j.list().map((e) => e.time)).toEqual([5, 6, 7]);
    expect(j.list()[0]).toMatchObject({ seq: 5, status: 200, durationMs: 5 });
    j.clear();
    expect(j.list()).toEqual([]);
    entry(j, 8);
    expect(j.list().map((e) => e.time)).toEqual([8]);
  });

  it('filters by operation name alone or in full, and by error kind or status', () => {
    const j = new Journal(10);
    entry(j, 1, { operation: 'a.b.revert$task', error: 'NOT_FOUND' });
    entry(j, 2, { operation: 'a.b.revert' });
    entry(j, 3, { operation: 'a.b.list' });
    expect(j.list({ operation: 'revert' }).map((e) => e.time)).toEqual([1, 2]);
    expect(j.list({ operation: 'a.b.revert$task' }).map((e) => e.time)).toEqual([1]);
    expect(j.list({ status: 'NOT_FOUND' }).map((e) => e.time)).toEqual([1]);
    expect(j.list({ status: '200', since: 2 }).map((e) => e.time)).toEqual([2, 3]);
  });
});

describe('redaction', () => {
  it('replaces secret members and secret-looking values, and bounds the length', () => {
    expect(JSON.parse(summarize({ user: 'a', password: 'p', spec: { refresh_token: 't', list: ['Basic YWJj', 'ok'] } })!)).toEqual({
      user: 'a', password: REDACTED, spec: { refresh_token: REDACTED, list: [REDACTED, 'ok'] },
    });
    expect(summarize({ x: '<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion">' })).toBe(`{"x":"${REDACTED}"}`);
    expect(summarize({ data: 'x'.repeat(5000) })!.length).toBe(1000);
    expect(summarize(undefined)).toBeUndefined();
  });
});
