import { Type } from '@sinclair/typebox';
import { ServiceClock } from '../../clock/clock.ts';
import { errors } from '../../errors.ts';
import { defineOperation, type Call, type Operation } from '../../vapi/operation.ts';
import { formatTime, Input, Struct } from '../../vapi/wire.ts';

/** Clock control for users' own tests (only with --sim, admin only). */
const SERVICE = 'com.vmware.snapservice.sim.clock';

const ClockInfo = Struct('com.vmware.snapservice.sim.clock.info', { now: Type.String({ format: 'date-time' }) });

/** Ten years: far enough for any retention test, short enough to stay a simulation. */
const MAX_ADVANCE_SECONDS = 10 * 366 * 24 * 3600;

async function admin(call: Call): Promise<void> {
  await call.authz.require({ type: 'Folder', id: call.deps.rootFolderId }, ['Snapservice.Simulation']);
}

export const simClockOperations: Operation[] = [
  defineOperation({
    service: SERVICE, name: 'get', since: 'sim', readOnly: true,
    rest: { method: 'GET', path: '/api/sim/clock' },
    input: Input({}),
    output: ClockInfo,
    authorize: (call) => admin(call),
    handler: async (call) => ({ now: formatTime(call.deps.clock.now()) }),
  }),
  defineOperation({
    service: SERVICE, name: 'advance', since: 'sim',
    rest: { method: 'POST', path: '/api/sim/clock', action: 'advance', body: 'spec' },
    input: Input({ spec: Struct('com.vmware.snapservice.sim.clock.advance_spec', { seconds: Type.Number({ minimum: 0, maximum: MAX_ADVANCE_SECONDS }) }) }),
    output: ClockInfo,
    authorize: (call) => admin(call),
    handler: async (call, input) => {
      const clock = call.deps.clock;
      if (!(clock instanceof ServiceClock)) throw errors.notAllowed('sim.clock.fixed', 'This server clock cannot be moved.');
      await clock.advance(Math.round(input.spec.seconds * 1000));
      return { now: formatTime(clock.now()) };
    },
  }),
];
