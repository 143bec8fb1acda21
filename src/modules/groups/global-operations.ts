import { errors } from '../../errors.ts';
import { defineOperation, type Operation } from '../../vapi/operation.ts';
import { Id, Input } from '../../vapi/wire.ts';
import { computeMembers, PG_CAPABILITIES } from './compute-members.ts';
import { CapabilityInfo, ComputeMembersSpec, MemberEntities } from './schemas.ts';

/** The 9.1 protection-group operations that are not under a cluster's path. */
const V9_1 = '9.1.0.0';

export const globalGroupOperations: Operation[] = [
  defineOperation({
    service: 'com.vmware.snapservice.protection_groups', name: 'compute_members', since: V9_1, readOnly: true,
    rest: { method: 'POST', path: '/api/snapservice/protection-groups', action: 'compute-members', body: 'spec', bodyWrapped: true },
    input: Input({ spec: ComputeMembersSpec }),
    output: MemberEntities,
    handler: (call, input) => computeMembers(call, input.spec),
  }),
  defineOperation({
    service: 'com.vmware.snapservice.protection_groups.capabilities', name: 'get', since: V9_1, readOnly: true,
    rest: { method: 'GET', path: '/api/snapservice/protection-groups/{pg}/capabilities' },
    input: Input({ pg: Id() }),
    ids: ['pg'],
    output: CapabilityInfo,
    // The group's cluster is where "operation execution requires System.Read" is checked.
    authorize: async (call, ids) => {
      const pg = await call.deps.store.repos.groups.get(ids.pg);
      if (!pg) throw errors.notFound('protection group', ids.pg);
      await call.authz.require({ type: 'ClusterComputeResource', id: pg.clusterId }, ['System.Read']);
      return pg;
    },
    handler: async () => ({ capabilities: [...PG_CAPABILITIES] }),
  }),
];
