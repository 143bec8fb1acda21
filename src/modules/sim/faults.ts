import { errors } from '../../errors.ts';
import { defineOperation, type Call, type Operation } from '../../vapi/operation.ts';
import { Id, Input, ListOf } from '../../vapi/wire.ts';
import { checkSpec } from './fault-rules.ts';
import { FaultCreateSpec, FaultInfo, ruleToWire } from './fault-schemas.ts';

/**
 * Fault rules of the simulation plane (only with --sim, admin only). Rules live in this
 * process's memory: they are a test's set-up, loaded again from --faults and the seed at start.
 */
const SERVICE = 'com.vmware.snapservice.sim.faults';
const PATH = '/api/sim/faults';

async function admin(call: Call): Promise<void> {
  await call.authz.require({ type: 'Folder', id: call.deps.rootFolderId }, ['Snapservice.Simulation']);
}

function rule(call: Call, id: string) {
  const r = call.deps.faults.get(id);
  if (!r) throw errors.notFound('fault rule', id);
  return r;
}

function setEnabled(name: 'enable' | 'disable'): Operation {
  return defineOperation({
    service: SERVICE, name, since: 'sim', control: true,
    rest: { method: 'POST', path: `${PATH}/{rule}`, action: name },
    input: Input({ rule: Id() }),
    ids: ['rule'],
    output: FaultInfo,
    authorize: async (call, ids) => {
      await admin(call);
      rule(call, ids.rule);
    },
    handler: async (call, input) => ruleToWire(call.deps.faults.setEnabled(input.rule, name === 'enable') ?? rule(call, input.rule)),
  });
}

export const simFaultOperations: Operation[] = [
  defineOperation({
    service: SERVICE, name: 'create', since: 'sim', control: true,
    rest: { method: 'POST', path: PATH, body: 'spec', status: 201 },
    input: Input({ spec: FaultCreateSpec }),
    output: Id(),
    authorize: (call) => admin(call),
    handler: async (call, input) => call.deps.faults.add(checkSpec(call.deps.faults, input.spec)).id,
  }),
  defineOperation({
    service: SERVICE, name: 'list', since: 'sim', control: true, readOnly: true,
    rest: { method: 'GET', path: PATH },
    input: Input({}),
    output: ListOf(FaultInfo),
    authorize: (call) => admin(call),
    handler: async (call) => call.deps.faults.list().map(ruleToWire),
  }),
  defineOperation({
    service: SERVICE, name: 'get', since: 'sim', control: true, readOnly: true,
    rest: { method: 'GET', path: `${PATH}/{rule}` },
    input: Input({ rule: Id() }),
    ids: ['rule'],
    output: FaultInfo,
    authorize: async (call, ids) => {
      await admin(call);
      return rule(call, ids.rule);
    },
    handler: async (_call, _input, r) => ruleToWire(r),
  }),
  defineOperation({
    service: SERVICE, name: 'delete', since: 'sim', control: true,
    rest: { method: 'DELETE', path: `${PATH}/{rule}` },
    input: Input({ rule: Id() }),
    ids: ['rule'],
    authorize: async (call, ids) => {
      await admin(call);
      rule(call, ids.rule);
    },
    handler: async (call, input) => {
      call.deps.faults.remove(input.rule);
    },
  }),
  defineOperation({
    service: SERVICE, name: 'clear', since: 'sim', control: true,
    rest: { method: 'DELETE', path: PATH },
    input: Input({}),
    authorize: (call) => admin(call),
    handler: async (call) => call.deps.faults.clear(),
  }),
  defineOperation({
    service: SERVICE, name: 'reset', since: 'sim', control: true,
    rest: { method: 'POST', path: PATH, action: 'reset', status: 204 },
    input: Input({}),
    authorize: (call) => admin(call),
    handler: async (call) => call.deps.faults.reset(),
  }),
  setEnabled('enable'),
  setEnabled('disable'),
];
