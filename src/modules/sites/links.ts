import { Type } from '@sinclair/typebox';
import type { LinkConditions } from '../../faults/links.ts';
import { errors } from '../../errors.ts';
import { defineOperation, type Call, type Operation } from '../../vapi/operation.ts';
import { compact, Id, Input, Struct } from '../../vapi/wire.ts';

/**
 * The simulation plane's network between this site and a paired one: cut and restore the link,
 * add latency, cap the bandwidth. Every call this server makes to the site crosses it (the peer
 * client applies it); delays pass on the service clock, so `--clock manual` tests make a link
 * slow in simulated time. Kept in memory, like fault rules: a restart gives a clear link.
 */
const SERVICE = 'com.vmware.snapservice.sim.sites.link';

/** An hour: longer than any time limit a call to a site has. */
const MAX_LATENCY_MS = 3600_000;

const LinkInfo = Struct(`${SERVICE}.info`, {
  cut: Type.Boolean(),
  latency_ms: Type.Integer({ minimum: 0, maximum: MAX_LATENCY_MS }),
  bandwidth: Type.Optional(Type.Integer({ minimum: 1 })),
});

const LinkSpec = Struct(`${SERVICE}.set_spec`, {
  cut: Type.Optional(Type.Boolean()),
  latency_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_LATENCY_MS })),
  bandwidth: Type.Optional(Type.Integer({ minimum: 1 })),
});

/** The Simulation privilege first (as every sim operation), then the site: only a paired site has a link. */
async function pairedSite(call: Call, id: string): Promise<string> {
  await call.authz.require({ type: 'Folder', id: call.deps.rootFolderId }, ['Snapservice.Simulation']);
  const site = await call.deps.store.repos.sites.get(id);
  if (!site) throw errors.notFound('site', id);
  return site.id;
}

function toWire(c: LinkConditions) {
  return compact({ cut: c.cut, latency_ms: c.latencyMs, bandwidth: c.bandwidth });
}

export const simLinkOperations: Operation[] = [
  defineOperation({
    service: SERVICE, name: 'get', since: 'sim', readOnly: true,
    rest: { method: 'GET', path: '/api/sim/sites/{site}/link' },
    input: Input({ site: Id() }), ids: ['site'], output: LinkInfo,
    authorize: (call, ids) => pairedSite(call, ids.site),
    handler: async (call, _input, site) => toWire(call.deps.links.get(site)),
  }),
  defineOperation({
    service: SERVICE, name: 'set', since: 'sim',
    rest: { method: 'PUT', path: '/api/sim/sites/{site}/link', body: 'spec', status: 204 },
    input: Input({ site: Id(), spec: LinkSpec }), ids: ['site'],
    authorize: (call, ids) => pairedSite(call, ids.site),
    // Each field given replaces that condition; the others stay (cut and restore leave latency as it was).
    handler: async (call, { spec }, site) => {
      const now = call.deps.links.get(site);
      const bandwidth = spec.bandwidth ?? now.bandwidth;
      call.deps.links.set(site, { cut: spec.cut ?? now.cut, latencyMs: spec.latency_ms ?? now.latencyMs, ...(bandwidth === undefined ? {} : { bandwidth }) });
    },
  }),
  defineOperation({
    service: SERVICE, name: 'reset', since: 'sim',
    rest: { method: 'DELETE', path: '/api/sim/sites/{site}/link' },
    input: Input({ site: Id() }), ids: ['site'],
    authorize: (call, ids) => pairedSite(call, ids.site),
    handler: async (call, _input, site) => {
      call.deps.links.clear(site);
    },
  }),
];
