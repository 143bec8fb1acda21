import { Type } from '@sinclair/typebox';
import { licenseOf } from '../../domain/sites.ts';
import { defineOperation, type Operation } from '../../vapi/operation.ts';
import { Input, StringEnum, Struct } from '../../vapi/wire.ts';
import { readLicense } from './facts.ts';

/** The simulation plane's licence control: this site's VMware Live Recovery licence, as its peer sees it. */
const SERVICE = 'com.vmware.snapservice.sim.license';

const License = Struct(`${SERVICE}.info`, {
  state: StringEnum(`${SERVICE}.state`, ['ABSENT', 'OPERATIONAL', 'DEGRADED', 'EXPIRED'] as const),
  type: Type.Optional(StringEnum(`${SERVICE}.type`, ['CLOUD_SUBSCRIPTION', 'OFFLINE_SUBSCRIPTION', 'TERM_BASED'] as const)),
  total: Type.Optional(Type.Integer({ minimum: 0 })),
  available: Type.Optional(Type.Integer({ minimum: 0 })),
});

export const simLicenseOperations: Operation[] = [
  defineOperation({
    service: SERVICE, name: 'get', since: 'sim', readOnly: true,
    rest: { method: 'GET', path: '/api/sim/license' },
    input: Input({}), output: License,
    authorize: (call) => call.authz.require({ type: 'Folder', id: call.deps.rootFolderId }, ['Snapservice.Simulation']),
    handler: async (call) => readLicense(call.deps.store.repos),
  }),
  defineOperation({
    service: SERVICE, name: 'set', since: 'sim',
    rest: { method: 'PUT', path: '/api/sim/license', body: 'spec', status: 204 },
    input: Input({ spec: License }),
    authorize: (call) => call.authz.require({ type: 'Folder', id: call.deps.rootFolderId }, ['Snapservice.Simulation']),
    handler: async (call, { spec }) => {
      await call.deps.store.repos.meta.set('license', JSON.stringify(licenseOf(spec)));
    },
  }),
];
