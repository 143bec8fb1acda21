import { Type } from '@sinclair/typebox';
import { clusterCapabilities, operationalMode } from '../../domain/sites.ts';
import { errors } from '../../errors.ts';
import { constraint } from '../../vapi/filters.ts';
import { defineOperation, type Operation } from '../../vapi/operation.ts';
import { compact, Id, Input } from '../../vapi/wire.ts';
import { clustersOf, datastoresOf, factsOf, requireSite, siteOr404, SITE_VIEW } from './access.ts';
import type { DatastoreFacts } from './facts.ts';
import {
  CapabilitiesFilter, CapabilityInfo, ClusterCapabilitiesView, ClustersFilter, ClustersList, DatastoreCapabilitiesFilter,
  DatastoreCapabilitiesList, DatastoresFilter, DatastoresList, LicensesList, SiteCapabilities,
} from './schemas.ts';

/** What a site has (clusters, licences, capabilities, datastores): the local site's from this store, a paired site's fetched from it. */
const S = 'com.vmware.snapservice.sites';
const BASE = '/api/snapservice/sites/{site}';

const viewSite = async (call: Parameters<typeof requireSite>[0], ids: Record<string, string>) => {
  const ref = await siteOr404(call.deps, ids.site);
  await requireSite(call, SITE_VIEW);
  return ref;
};

function datastoreInfo(d: DatastoreFacts) {
  return { name: d.name, type: d.type, capacity: d.capacity, free_space: d.free_space, hierarchy: d.hierarchy };
}

export const siteResourceOperations: Operation[] = [
  defineOperation({
    service: `${S}.clusters`, name: 'list', since: '9.0.0.0', readOnly: true,
    rest: { method: 'GET', path: `${BASE}/clusters`, query: ['filter'] },
    input: Input({ site: Id(), filter: Type.Optional(ClustersFilter) }), ids: ['site'], output: ClustersList,
    authorize: viewSite,
    handler: async (call, { filter = {} }, ref) => {
      const ids = constraint(filter.clusters);
      const names = constraint(filter.names);
      const clusters = (await clustersOf(call.deps, ref)).filter((c) => (!ids || ids.includes(c.cluster)) && (!names || names.includes(c.name)));
      return { items: clusters.map((c) => ({ cluster: c.cluster, info: { name: c.name, datastores: c.datastores } })) };
    },
  }),
  defineOperation({
    service: `${S}.licenses`, name: 'list', since: '9.0.0.0', readOnly: true,
    rest: { method: 'GET', path: `${BASE}/licenses` },
    input: Input({ site: Id() }), ids: ['site'], output: LicensesList,
    authorize: viewSite,
    handler: async (call, _input, ref) => {
      // The vendor: live recovery licences belong to the peer; the local site's list never shows one.
      if (ref.local) return { items: [] };
      const { license } = await factsOf(call.deps, ref);
      const mode = operationalMode(license);
      if (!mode) return { items: [{ info: { license_type: 'VLR', vlr_license_info: { vlr_license_type: 'NONE' } } }] };
      // The vendor's union: the mode only for subscriptions, capacity only for offline ones.
      const info = {
        vlr_license_type: license.type,
        operational_mode: license.type === 'TERM_BASED' ? undefined : mode,
        ...(license.type === 'OFFLINE_SUBSCRIPTION' ? { available: license.available, total: license.total } : {}),
      };
      return { items: [{ info: { license_type: 'VLR', vlr_license_info: compact(info) } }] };
    },
  }),
  defineOperation({
    service: `${S}.capabilities`, name: 'get', since: '9.1.0.0', readOnly: true,
    rest: { method: 'GET', path: `${BASE}/capabilities`, query: ['filter'] },
    input: Input({ site: Id(), filter: Type.Optional(CapabilitiesFilter) }), ids: ['site'], output: SiteCapabilities,
    authorize: viewSite,
    handler: async (call, { filter = {} }, ref) => {
      const services = constraint(filter.service);
      const wanted = constraint(filter.capability);
      if (services && !services.includes('SS')) return { service_capability_info: [] };
      let caps: string[] | undefined;
      try {
        caps = (await factsOf(call.deps, ref)).capabilities;
      } catch {
        caps = undefined; // the vendor's way to say the service did not answer: no info
      }
      const info = caps && { capabilities: caps.filter((c) => !wanted || wanted.includes(c)) };
      return { service_capability_info: [{ service: 'SS', ...(info ? { info } : {}) }] };
    },
  }),
  defineOperation({
    service: `${S}.clusters.capabilities`, name: 'get', since: '9.1.0.0', readOnly: true,
    rest: { method: 'GET', path: `${BASE}/clusters/{cluster}/capabilities`, query: ['spec'] },
    input: Input({ site: Id(), cluster: Id(), spec: Type.Optional(ClusterCapabilitiesView) }), ids: ['site', 'cluster'], output: CapabilityInfo,
    authorize: viewSite,
    handler: async (call, { cluster, spec = {} }, ref) => {
      const found = (await clustersOf(call.deps, ref)).find((c) => c.cluster === cluster);
      if (!found) throw errors.notFound('cluster', cluster);
      const caps = new Set(clusterCapabilities());
      if (spec.aggregated) {
        for (const d of await datastoresOf(call.deps, ref)) if (found.datastores.includes(d.datastore)) d.capabilities.forEach((c) => caps.add(c));
      }
      return { capabilities: [...caps] };
    },
  }),
  defineOperation({
    service: `${S}.datastores`, name: 'list', since: '9.1.0.0', readOnly: true,
    rest: { method: 'GET', path: `${BASE}/datastores`, query: ['filter'] },
    input: Input({ site: Id(), filter: Type.Optional(DatastoresFilter) }), ids: ['site'], output: DatastoresList,
    authorize: viewSite,
    handler: async (call, { filter = {} }, ref) => {
      const ids = constraint(filter.datastores);
      const all = (await datastoresOf(call.deps, ref)).filter((d) => !ids || ids.includes(d.datastore));
      return { items: all.map((d) => ({ datastore: d.datastore, info: datastoreInfo(d) })) };
    },
  }),
  defineOperation({
    service: `${S}.datastores.capabilities`, name: 'list', since: '9.1.0.0', readOnly: true,
    rest: { method: 'GET', path: `${BASE}/datastores/capabilities`, query: ['filter'] },
    input: Input({ site: Id(), filter: Type.Optional(DatastoreCapabilitiesFilter) }), ids: ['site'], output: DatastoreCapabilitiesList,
    authorize: viewSite,
    handler: async (call, { filter = {} }, ref) => {
      const ids = constraint(filter.datastores);
      const all = (await datastoresOf(call.deps, ref)).filter((d) => !ids || ids.includes(d.datastore));
      return { items: all.map((d) => ({ datastore: d.datastore, info: { capabilities: d.capabilities } })) };
    },
  }),
  defineOperation({
    service: `${S}.datastores.capabilities`, name: 'get', since: '9.1.0.0', readOnly: true,
    rest: { method: 'GET', path: `${BASE}/datastores/{datastore}/capabilities` },
    input: Input({ site: Id(), datastore: Id() }), ids: ['site', 'datastore'], output: CapabilityInfo,
    authorize: viewSite,
    handler: async (call, { datastore }, ref) => {
      const found = (await datastoresOf(call.deps, ref)).find((d) => d.datastore === datastore);
      if (!found) throw errors.notFound('datastore', datastore);
      return { capabilities: found.capabilities };
    },
  }),
];
