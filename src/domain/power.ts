import type { PowerState } from './model.ts';

export type PowerAction = 'start' | 'stop' | 'suspend' | 'reset';

/**
 * vCenter's power transitions. Returns the new state, or the reason the action is refused
 * (vCenter answers ALREADY_IN_DESIRED_STATE for a no-op and NOT_ALLOWED_IN_CURRENT_STATE for
 * an impossible transition).
 */
export function powerTransition(
  from: PowerState,
  action: PowerAction,
): { to: PowerState } | { error: 'ALREADY_IN_DESIRED_STATE' | 'NOT_ALLOWED_IN_CURRENT_STATE' } {
  switch (action) {
    case 'start':
      return from === 'POWERED_ON' ? { error: 'ALREADY_IN_DESIRED_STATE' } : { to: 'POWERED_ON' };
    case 'stop':
      return from === 'POWERED_OFF' ? { error: 'ALREADY_IN_DESIRED_STATE' } : { to: 'POWERED_OFF' };
    case 'suspend':
      if (from === 'SUSPENDED') return { error: 'ALREADY_IN_DESIRED_STATE' };
      return from === 'POWERED_OFF' ? { error: 'NOT_ALLOWED_IN_CURRENT_STATE' } : { to: 'SUSPENDED' };
    case 'reset':
      return from === 'POWERED_ON' ? { to: 'POWERED_ON' } : { error: 'NOT_ALLOWED_IN_CURRENT_STATE' };
  }
}
