import { describe, expect, it } from 'vitest';
import { changeable, DR_RULES, drTransition, expiryPaused, replicaAdmission, statusIn, type DrAction } from '../../src/domain/dr.ts';
import type { PgStatus } from '../../src/domain/model.ts';

const STATUSES: PgStatus[] = ['ACTIVE', 'PAUSED', 'MARKED_FOR_DELETE', 'DORMANT', 'DEMOTED', 'RECOVERY', 'DORMANT_RANSOMWARE_RECOVERY'];
const ACTIONS = Object.keys(DR_RULES) as DrAction[];

/** The whole table: action x status -> new status or the refusal's kind. */
const EXPECTED: Record<DrAction, Partial<Record<PgStatus, string>>> = {
  demote: { ACTIVE: 'DEMOTED', PAUSED: 'DEMOTED', DEMOTED: 'ALREADY_IN_DESIRED_STATE' },
  promote: { DORMANT: 'RECOVERY', RECOVERY: 'ALREADY_IN_DESIRED_STATE' },
  activate: { RECOVERY: 'ACTIVE', ACTIVE: 'ALREADY_IN_DESIRED_STATE' },
  start_ransomware_recovery: { DORMANT: 'DORMANT_RANSOMWARE_RECOVERY', DORMANT_RANSOMWARE_RECOVERY: 'ALREADY_IN_DESIRED_STATE' },
  end_ransomware_recovery: { DORMANT_RANSOMWARE_RECOVERY: 'DORMANT', DORMANT: 'ALREADY_IN_DESIRED_STATE' },
};

function outcome(action: DrAction, status: PgStatus, replicates = true): string {
  const r = drTransition(action, status, replicates);
  return 'to' in r ? r.to : r.refused.kind;
}

describe('DR state machine', () => {
  for (const action of ACTIONS) {
    for (const status of STATUSES) {
      const want = EXPECTED[action][status] ?? 'NOT_ALLOWED_IN_CURRENT_STATE';
      it(`${action} from ${status}: ${want}`, () => {
        expect(outcome(action, status)).toBe(want);
      });
    }
  }

  it('demote and promote of a group without replication are UNSUPPORTED; activate and ransomware recovery do not ask', () => {
    expect(outcome('demote', 'ACTIVE', false)).toBe('UNSUPPORTED');
    expect(outcome('promote', 'DORMANT', false)).toBe('UNSUPPORTED');
    expect(outcome('activate', 'RECOVERY', false)).toBe('ACTIVE');
    expect(outcome('start_ransomware_recovery', 'DORMANT', false)).toBe('DORMANT_RANSOMWARE_RECOVERY');
  });

  it('already-in-state wins over no replication; a group marked for deletion is not allowed, whatever its policy', () => {
    expect(outcome('demote', 'DEMOTED', false)).toBe('ALREADY_IN_DESIRED_STATE');
    expect(outcome('demote', 'MARKED_FOR_DELETE', false)).toBe('NOT_ALLOWED_IN_CURRENT_STATE');
  });

  it('a refusal says what the group is and what the operation needs', () => {
    const r = drTransition('promote', 'DORMANT_RANSOMWARE_RECOVERY', true);
    expect('refused' in r && r.refused.why).toMatch(/DORMANT.*end it first/);
  });

  it('only ACTIVE and PAUSED groups take user changes; expiry waits while PAUSED or in ransomware recovery', () => {
    expect(STATUSES.filter(changeable)).toEqual(['ACTIVE', 'PAUSED']);
    expect(STATUSES.filter(expiryPaused)).toEqual(['PAUSED', 'DORMANT_RANSOMWARE_RECOVERY']);
  });
});

describe('replica admission by generation', () => {
  it('a dormant group takes its generation or newer and refuses older senders', () => {
    expect(replicaAdmission({ status: 'DORMANT', generation: 1 }, 1)).toBe('accept');
    expect(replicaAdmission({ status: 'DORMANT', generation: 1 }, 2)).toBe('accept');
    expect(replicaAdmission({ status: 'DORMANT_RANSOMWARE_RECOVERY', generation: 1 }, 1)).toBe('accept');
    expect(replicaAdmission({ status: 'DORMANT', generation: 2 }, 1)).toBe('refuse');
  });

  it('a demoted or stale active group yields to a newer generation only', () => {
    for (const status of ['ACTIVE', 'PAUSED', 'DEMOTED', 'RECOVERY'] as const) {
      expect(replicaAdmission({ status, generation: 0 }, 1)).toBe('take_over');
      expect(replicaAdmission({ status, generation: 1 }, 1)).toBe('refuse');
      expect(replicaAdmission({ status, generation: 2 }, 1)).toBe('refuse');
    }
  });

  it('a group marked for deletion takes no replicas', () => {
    expect(replicaAdmission({ status: 'MARKED_FOR_DELETE', generation: 0 }, 5)).toBe('refuse');
  });
});

describe('statuses an older release lacks', () => {
  it('ransomware recovery is DORMANT to 9.0; the DR states are PAUSED to 8.0.3; the rest stay', () => {
    const v90 = (s: PgStatus) => s !== 'DORMANT_RANSOMWARE_RECOVERY';
    const v803 = (s: PgStatus) => ['ACTIVE', 'PAUSED', 'MARKED_FOR_DELETE'].includes(s);
    expect(statusIn('DORMANT_RANSOMWARE_RECOVERY', v90)).toBe('DORMANT');
    expect(statusIn('DORMANT_RANSOMWARE_RECOVERY', v803)).toBe('PAUSED');
    for (const s of ['DORMANT', 'DEMOTED', 'RECOVERY'] as const) expect(statusIn(s, v803)).toBe('PAUSED');
    for (const s of STATUSES) expect(statusIn(s, () => true)).toBe(s);
  });
});
