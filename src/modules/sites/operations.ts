import { Type } from '@sinclair/typebox';
import { errors, vapiError } from '../../errors.ts';
import { certificateInfo, hostPort, httpsUrl } from '../../peer/client.ts';
import { admitTask } from '../../tasks/submit.ts';
import { constraint } from '../../vapi/filters.ts';
import { defineOperation, type Call, type Operation } from '../../vapi/operation.ts';
import { Id, Input } from '../../vapi/wire.ts';
import { requireSite, siteOr404, SITE_MANAGE, SITE_VIEW } from './access.ts';
import { AddSpec, DeleteOptions, DeleteSpec, FilterSpec, Info, ListResult, ProbeResult, ProbeSpec, UpdateSpec } from './schemas.ts';
import { SITE_ADD, SITE_DELETE, SITE_UPDATE } from './tasks.ts';
import { acceptedCertificate, DEFAULT_PORT, presented, remoteSession, trusted } from './trust.ts';
import { connections, localInfo, localSummary, remoteInfo, remoteSummary } from './views.ts';

const SERVICE = 'com.vmware.snapservice.sites';
const BASE = '/api/snapservice/sites';

function address(spec: { host: string; port?: number }, field: string): { host: string; port: number } {
  const host = spec.host.trim();
  if (host === '' || /[\s/?#@]/.test(host)) throw errors.invalidArgument(`${field}.host`, 'must be a host name or IP address');
  const port = spec.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw errors.invalidArgument(`${field}.port`, 'must be between 1 and 65535');
  return { host, port };
}

function certView(cert: { pem: string; thumbprint: string; dnsNames: string[] }, isTrusted: boolean) {
  return { certificate: cert.pem, thumbprint: cert.thumbprint, ...(cert.dnsNames.length ? { dns_names: cert.dnsNames } : {}), trusted: isTrusted };
}

async function inUse(call: Call, siteId?: string): Promise<boolean> {
  return (await call.deps.store.repos.clusterPairs.list(siteId ? { peerSiteIds: [siteId] } : {})).length > 0;
}

export const siteOperations: Operation[] = [
  defineOperation({
    service: SERVICE, name: 'probe', since: '9.0.0.0', readOnly: true,
    rest: { method: 'POST', path: BASE, action: 'probe', body: 'spec' },
    input: Input({ spec: ProbeSpec }), output: ProbeResult,
    authorize: (call) => requireSite(call, SITE_VIEW),
    handler: async (call, { spec }) => {
      const { host, port } = address(spec.vcenter_connection_spec, 'spec.vcenter_connection_spec');
      const cert = await presented(call.deps, host, port);
      const pinned = await trusted(call.deps, cert);
      let accepted = false;
      if (spec.vcenter_certificate !== undefined) {
        const given = certificateInfo(spec.vcenter_certificate);
        if (!given) throw errors.invalidArgument('spec.vcenter_certificate', 'is not a PEM certificate');
        accepted = given.thumbprint === cert.thumbprint;
      }
      // One certificate serves vCenter and the appliance here; the second step shows it again as the appliance's.
      if (!pinned && !accepted) return { status: 'PARTIAL', vcenter_certificate: certView(cert, false) };
      return { status: 'COMPLETED', vcenter_certificate: certView(cert, true), va_certificate: certView(cert, pinned) };
    },
  }),
  defineOperation({
    service: SERVICE, name: 'list', since: '9.0.0.0', readOnly: true,
    rest: { method: 'GET', path: BASE, query: ['filter'] },
    input: Input({ filter: Type.Optional(FilterSpec) }), output: ListResult,
    authorize: (call) => requireSite(call, SITE_VIEW),
    handler: async (call, { filter = {} }) => {
      const ids = constraint(filter.sites);
      const sites = await call.deps.store.repos.sites.list();
      const conns = await connections(call.deps, sites);
      const items = [];
      const localPaired = sites.length > 0;
      if ((!ids || ids.includes(call.deps.site.id)) && (!filter.paired || localPaired)) {
        items.push({ site: call.deps.site.id, summary: localSummary(call.deps, conns, await inUse(call)) });
      }
      if (!filter.local) {
        for (const c of conns) if (!ids || ids.includes(c.site.id)) items.push({ site: c.site.id, summary: remoteSummary(call.deps, c, await inUse(call, c.site.id)) });
      }
      return { items };
    },
  }),
  defineOperation({
    service: SERVICE, name: 'get', since: '9.0.0.0', readOnly: true,
    rest: { method: 'GET', path: `${BASE}/{site}` },
    input: Input({ site: Id() }), ids: ['site'], output: Info,
    authorize: async (call, ids) => {
      const ref = await siteOr404(call.deps, ids.site);
      await requireSite(call, SITE_VIEW);
      return ref;
    },
    handler: async (call, _input, ref) => {
      if (ref.local) return localInfo(call.deps, await connections(call.deps, await call.deps.store.repos.sites.list()), await inUse(call));
      const [c] = await connections(call.deps, [ref.site]);
      return remoteInfo(call.deps, c, await inUse(call, ref.id));
    },
  }),
  defineOperation({
    service: SERVICE, name: 'add$task', since: '9.0.0.0',
    rest: { method: 'POST', path: BASE, action: 'add', task: true, body: 'spec' },
    task: SITE_ADD, taskResult: Id(),
    input: Input({ spec: AddSpec }),
    authorize: (call) => requireSite(call, SITE_MANAGE),
    handler: async (call, { spec }) => {
      const { deps } = call;
      const { host, port } = address(spec.vcenter_connection_spec, 'spec.vcenter_connection_spec');
      if (!spec.vcenter_creds) throw errors.invalidArgument('spec.vcenter_creds', 'the remote administrator\'s credentials are required to pair');
      if (!deps.site.url) throw vapiError('UNSUPPORTED', 'site.not_https', 'This server does not listen on HTTPS, so it cannot be paired.');
      const paired = (await deps.store.repos.sites.list())[0];
      if (paired) throw errors.notAllowed('site.already_paired', `This site is already paired with site ${paired.name} (${paired.id}).`, paired.id);
      const url = httpsUrl(host, port);
      if (url === deps.site.url) throw errors.invalidArgument('spec.vcenter_connection_spec', 'names this site itself');
      const certificate = await acceptedCertificate(deps, await presented(deps, host, port), spec);
      const session = await remoteSession(deps, url, certificate, spec.vcenter_creds, 'spec');
      return admitTask(call, SITE_ADD, async (tx) => {
        const other = (await tx.sites.list())[0];
        if (other) throw errors.notAllowed('site.already_paired', `This site is already paired with site ${other.name} (${other.id}).`, other.id);
        return { target: { type: 'com.vmware.snapservice.site', id: url }, input: { url, certificate, session } };
      });
    },
  }),
  defineOperation({
    service: SERVICE, name: 'update$task', since: '9.0.0.0',
    rest: { method: 'PATCH', path: `${BASE}/{site}`, task: true, body: 'spec' },
    task: SITE_UPDATE,
    input: Input({ site: Id(), spec: UpdateSpec }), ids: ['site'],
    authorize: async (call, ids) => {
      const ref = await siteOr404(call.deps, ids.site);
      await requireSite(call, SITE_MANAGE);
      return ref;
    },
    handler: async (call, { spec }, ref) => {
      if (ref.local) throw errors.invalidArgument('site', 'is the local site; only a paired remote site is repaired');
      const { deps } = call;
      const { host, port } = spec.vcenter_connection_spec ? address(spec.vcenter_connection_spec, 'spec.vcenter_connection_spec') : hostPort(ref.site.url);
      const url = httpsUrl(host, port);
      const cert = await presented(deps, host, port);
      const keepsPin = certificateInfo(ref.site.certificate)?.thumbprint === cert.thumbprint;
      const certificate = keepsPin && spec.vcenter_certificate === undefined && spec.va_certificate === undefined ? cert.pem : await acceptedCertificate(deps, cert, spec);
      const session = spec.vcenter_creds ? await remoteSession(deps, url, certificate, spec.vcenter_creds, 'spec') : undefined;
      return admitTask(call, SITE_UPDATE, async (tx) => {
        if (!(await tx.sites.get(ref.id))) throw errors.notFound('site', ref.id);
        if (await tx.tasks.activeForTarget(ref.id, [SITE_UPDATE.kind, SITE_DELETE.kind])) {
          throw errors.notAllowed('site.busy', `Site ${ref.site.name} is being repaired or deleted.`, ref.id);
        }
        return { target: { type: 'com.vmware.snapservice.site', id: ref.id }, input: { site: ref.id, url, certificate, ...(session ? { session } : {}) } };
      });
    },
  }),
  defineOperation({
    service: SERVICE, name: 'delete$task', since: '9.0.0.0',
    rest: { method: 'DELETE', path: `${BASE}/{site}`, task: true, query: ['options'], body: 'spec', bodyWrapped: true },
    task: SITE_DELETE,
    input: Input({ site: Id(), options: Type.Optional(DeleteOptions), spec: Type.Optional(DeleteSpec) }), ids: ['site'],
    authorize: async (call, ids) => {
      const ref = await siteOr404(call.deps, ids.site);
      await requireSite(call, SITE_MANAGE);
      return ref;
    },
    handler: async (call, { options = {}, spec = {} }, ref) => {
      if (ref.local) throw errors.notAllowed('site.local', 'The local site cannot be deleted; only a site added through the sites API can.', ref.id);
      const remoteFailed = options.remote_site_failed ?? false;
      const session = spec.vcenter_creds && !remoteFailed ? await remoteSession(call.deps, ref.site.url, ref.site.certificate, spec.vcenter_creds, 'spec') : undefined;
      return admitTask(call, SITE_DELETE, async (tx) => {
        if (!(await tx.sites.get(ref.id))) throw errors.notFound('site', ref.id);
        // A failed remote takes its cluster pairs with it (they cannot be deleted through it); otherwise they go first.
        const pairs = await tx.clusterPairs.list({ peerSiteIds: [ref.id] });
        if (pairs.length > 0 && !remoteFailed) {
          throw errors.notAllowed('site.in_use', `Site ${ref.site.name} has ${pairs.length} cluster pair(s); delete them first, or delete the site with remote_site_failed=true if it is lost.`, ref.id, pairs.length);
        }
        if (await tx.tasks.activeForTarget(ref.id, [SITE_UPDATE.kind, SITE_DELETE.kind])) {
          throw errors.notAllowed('site.busy', `Site ${ref.site.name} is being repaired or deleted.`, ref.id);
        }
        return { target: { type: 'com.vmware.snapservice.site', id: ref.id }, input: { site: ref.id, remoteFailed, ...(session ? { session } : {}) } };
      });
    },
  }),
];
