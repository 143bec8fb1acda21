import { Type } from '@sinclair/typebox';
import { finalSyncPending } from '../../engine/final-sync.ts';
import { errors } from '../../errors.ts';
import { defineOperation, type Operation } from '../../vapi/operation.ts';
import { Id, Input, Struct } from '../../vapi/wire.ts';
import { requireSite, SITE_MANAGE } from '../sites/access.ts';

/**
 * What a recovery site asks the protected site before a promote (under /api/peer): the
 * group's status there and whether snapshots are still to be shipped. Only a paired site's
 * service user may ask.
 */
const SERVICE = 'snapservice.peer.dr';

export const drPeerOperations: Operation[] = [
  defineOperation({
    service: `${SERVICE}.groups`, name: 'get', since: '9.0.0.0', readOnly: true,
    rest: { method: 'GET', path: '/api/peer/dr/groups/{pg}' },
    input: Input({ pg: Id() }), ids: ['pg'],
    output: Struct(`${SERVICE}.group_state`, { status: Type.String(), pending: Type.Boolean() }),
    authorize: async (call) => {
      await requireSite(call, SITE_MANAGE);
      if (!(await call.deps.store.repos.sites.byLocalUser(call.user))) throw errors.notFound('site', call.user);
    },
    handler: async (call, { pg }) => {
      const { repos } = call.deps.store;
      const group = await repos.groups.get(pg);
      if (!group) throw errors.notFound('protection group', pg);
      const replicating = group.status === 'ACTIVE' || group.status === 'DEMOTED';
      return { status: group.status, pending: Boolean(group.replication) && replicating && (await finalSyncPending(repos, pg)) };
    },
  }),
];
