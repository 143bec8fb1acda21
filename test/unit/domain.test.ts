import { describe, expect, it } from 'vitest';
import { effectivePrivileges, firstMissing } from '../../src/domain/authz.ts';
import { contentDigest, divergentLayers, layerFate, padBlock } from '../../src/domain/blockmap.ts';
import { globMatcher, isValidGlob } from '../../src/domain/glob.ts';
import { compareIds, groupMembers } from '../../src/domain/membership.ts';
import type { Permission, Role } from '../../src/domain/model.ts';
import { powerTransition } from '../../src/domain/power.ts';
import { addUnits, approxMs, parseTime } from '../../src/domain/time.ts';
import { canMove, nextProgress } from '../../src/tasks/lifecycle.ts';
import { createHash } from 'node:crypto';

const roles = new Map<string, Role>([
  ['admin', { id: 'admin', name: 'Admin', privileges: ['System.Read', 'Host.Config.Storage'], system: true }],
  ['ro', { id: 'ro', name: 'ReadOnly', privileges: ['System.Read'], system: true }],
  ['none', { id: 'none', name: 'NoAccess', privileges: [], system: true }],
]);
const perm = (entityId: string, roleId: string, propagate = true): Permission => ({ principal: 'u', entityId, roleId, propagate });
const vmPath = ['vm-1', 'domain-c1', 'datacenter-1', 'group-d1'];

describe('permissions', () => {
  it('the nearest level with permissions wins, and propagation must be on for inherited ones', () => {
    expect([...effectivePrivileges(vmPath, [perm('group-d1', 'admin')], roles)]).toEqual(['System.Read', 'Host.Config.Storage']);
    expect([...effectivePrivileges(vmPath, [perm('group-d1', 'admin'), perm('domain-c1', 'ro')], roles)]).toEqual(['System.Read']);
    expect(effectivePrivileges(vmPath, [perm('group-d1', 'admin'), perm('vm-1', 'none')], roles).size).toBe(0);
    expect(effectivePrivileges(vmPath, [perm('datacenter-1', 'admin', false)], roles).size).toBe(0);
    expect([...effectivePrivileges(['datacenter-1', 'group-d1'], [perm('datacenter-1', 'ro', false)], roles)]).toEqual(['System.Read']);
    expect(effectivePrivileges(vmPath, [], roles).size).toBe(0);
  });

  it('unions the roles given on one level and names the first missing privilege', () => {
    const both = effectivePrivileges(vmPath, [perm('domain-c1', 'ro'), { ...perm('domain-c1', 'admin'), principal: 'u' }], roles);
    expect(both.has('Host.Config.Storage')).toBe(true);
    expect(firstMissing(['System.Read', 'Host.Config.Storage', 'X'], new Set(['System.Read']))).toBe('Host.Config.Storage');
    expect(firstMissing(['System.Read'], new Set(['System.Read']))).toBeUndefined();
  });
});

describe('power transitions', () => {
  it('follows vCenter', () => {
    expect(powerTransition('POWERED_OFF', 'start')).toEqual({ to: 'POWERED_ON' });
    expect(powerTransition('POWERED_ON', 'start')).toEqual({ error: 'ALREADY_IN_DESIRED_STATE' });
    expect(powerTransition('SUSPENDED', 'start')).toEqual({ to: 'POWERED_ON' });
    expect(powerTransition('POWERED_OFF', 'stop')).toEqual({ error: 'ALREADY_IN_DESIRED_STATE' });
    expect(powerTransition('SUSPENDED', 'stop')).toEqual({ to: 'POWERED_OFF' });
    expect(powerTransition('POWERED_OFF', 'suspend')).toEqual({ error: 'NOT_ALLOWED_IN_CURRENT_STATE' });
    expect(powerTransition('SUSPENDED', 'suspend')).toEqual({ error: 'ALREADY_IN_DESIRED_STATE' });
    expect(powerTransition('POWERED_ON', 'reset')).toEqual({ to: 'POWERED_ON' });
    expect(powerTransition('POWERED_OFF', 'reset')).toEqual({ error: 'NOT_ALLOWED_IN_CURRENT_STATE' });
  });
});

describe('time', () => {
  it('adds calendar months and fixed units', () => {
    const jan31 = Date.UTC(2026, 0, 31, 10);
    expect(new Date(addUnits(jan31, 'MONTH', 1)).toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(new Date(addUnits(jan31, 'YEAR', 1)).toISOString()).toBe('2027-01-31T10:00:00.000Z');
    expect(addUnits(0, 'HOUR', 2)).toBe(7_200_000);
    expect(addUnits(0, 'WEEK', 1)).toBe(approxMs('DAY', 7));
  });

  it('parses RFC 3339 with or without fraction and with offsets only', () => {
    expect(parseTime('2026-11-27T05:32:09.123Z')).toBe(Date.UTC(2026, 10, 27, 5, 32, 9, 123));
    expect(parseTime('2026-11-27T05:32:09Z')).toBe(Date.UTC(2026, 10, 27, 5, 32, 9));
    expect(parseTime('2026-11-27T06:32:09+01:00')).toBe(Date.UTC(2026, 10, 27, 5, 32, 9));
    expect(parseTime('2026-11-27 05:32:09')).toBeUndefined();
    expect(parseTime('yesterday')).toBeUndefined();
  });
});

describe('globs and membership', () => {
  it('matches POSIX shell globs on whole names', () => {
    const m = globMatcher(['web-*', 'db-0[1-3]', 'x?z', 'lit\\*']);
    expect(['web-01', 'web-', 'db-02', 'xyz', 'lit*'].every(m)).toBe(true);
    expect(['aweb-01', 'db-04', 'xz', 'literal', 'WEB-01'].some(m)).toBe(false);
    expect(globMatcher(['*'])('a/b')).toBe(true);
    expect(isValidGlob('')).toBe(false);
    expect(isValidGlob('web-*')).toBe(true);
  });

  it('members are explicit VMs plus current pattern matches, in id order', () => {
    const vms = [{ id: 'vm-10', name: 'web-10' }, { id: 'vm-9', name: 'web-9' }, { id: 'vm-3', name: 'db' }];
    expect(groupMembers({ targetEntities: { vmNamePatterns: ['web-*'], vms: ['vm-3', 'vm-100'] } }, vms)).toEqual(['vm-3', 'vm-9', 'vm-10', 'vm-100']);
    expect(compareIds('vm-9', 'vm-10')).toBeLessThan(0);
  });
});

describe('block maps', () => {
  it('digests the whole content with unwritten blocks as zeros', () => {
    const a = Buffer.from('hello');
    const expected = createHash('sha256').update(Buffer.concat([Buffer.alloc(8), padBlock(a, 8), Buffer.alloc(16)])).digest('hex');
    expect(contentDigest([{ blockNo: 1, data: a }], 8, 4)).toBe(`sha256:${expected}`);
    expect(contentDigest([], 8, 4)).toBe(`sha256:${createHash('sha256').update(Buffer.alloc(32)).digest('hex')}`);
  });

  it('finds the layers that differ between two chains and decides a layer fate', () => {
    expect(divergentLayers([5, 3, 1], [4, 3, 1])).toEqual([5, 4]);
    expect(divergentLayers([3, 1], [3, 1])).toEqual([]);
    expect(layerFate({ heads: 1, snapshots: 0, children: [] })).toBe('keep');
    expect(layerFate({ heads: 0, snapshots: 0, children: [] })).toBe('delete');
    expect(layerFate({ heads: 0, snapshots: 0, children: [7] })).toBe('merge');
    expect(layerFate({ heads: 0, snapshots: 0, children: [7, 8] })).toBe('keep');
    expect(layerFate({ heads: 0, snapshots: 1, children: [7] })).toBe('keep');
  });
});

describe('task lifecycle', () => {
  it('only moves forward, and progress never shrinks', () => {
    expect(canMove('PENDING', 'RUNNING')).toBe(true);
    expect(canMove('SUCCEEDED', 'RUNNING')).toBe(false);
    expect(canMove('FAILED', 'SUCCEEDED')).toBe(false);
    expect(nextProgress({ progressCompleted: 5, progressTotal: 10 }, 3)).toBe(5);
    expect(nextProgress({ progressCompleted: 5, progressTotal: 10 }, 30)).toBe(10);
  });
});
