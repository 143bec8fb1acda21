import type { Deps } from '../../context.ts';
import type { Site } from '../../domain/sites.ts';
import type { LocalizableMessage, VapiError } from '../../errors.ts';
import { hostPort } from '../../peer/client.ts';
import { compact } from '../../vapi/wire.ts';
import { probeSite } from './access.ts';
import { localAddress } from './facts.ts';

/** A paired site's live state: CONNECTED when it answered with its pinned certificate and our credential. */
export interface Connection {
  site: Site;
  error?: VapiError;
}

export async function connections(deps: Deps, sites: Site[]): Promise<Connection[]> {
  return Promise.all(sites.map(async (site) => ({ site, error: (await probeSite(deps, site)).error })));
}

function state(c: Connection) {
  const reason = (m: LocalizableMessage[]) => ({ messages: m });
  return c.error ? { connection_status: 'ERROR', errors: [reason(c.error.messages)] } : { connection_status: 'CONNECTED' };
}

/** A vCenter is named by its address, as the vSphere Client shows it. */
function vcenterOf(host: string, port: number, vcenter: string) {
  return compact({ name: host, host, port, vcenter });
}

function localVcenter(deps: Deps) {
  const { host, port } = localAddress(deps);
  return vcenterOf(host, port, deps.site.vcenterId);
}

function remoteVcenter(site: Site) {
  const { host, port } = hostPort(site.url);
  return vcenterOf(host, port, site.vcenterId);
}

function ssService(siteId: string, url: string, connectionState: ReturnType<typeof state>) {
  return { id: `${siteId}:SS`, type: 'SS', name: 'Snapshot Service', url: `${url}/api`, connection_state: connectionState };
}

const HEALTHY = { connection_status: 'CONNECTED' };

function localUrl(deps: Deps): string {
  const { host, port } = localAddress(deps);
  return deps.site.url ?? `https://${host}:${port}`;
}

export function localSummary(deps: Deps, conns: Connection[], inUse: boolean) {
  return {
    name: deps.config.siteName, local: true, vcenter_info: localVcenter(deps), in_use: inUse,
    pairing_summaries: conns.map((c) => ({ site: c.site.id, connection_state: state(c), paired_services: ['SS'] })),
  };
}

export function remoteSummary(deps: Deps, c: Connection, inUse: boolean) {
  return {
    name: c.site.name, local: false, vcenter_info: remoteVcenter(c.site), in_use: inUse,
    pairing_summaries: [{ site: deps.site.id, connection_state: state(c), paired_services: ['SS'] }],
  };
}

export function localInfo(deps: Deps, conns: Connection[], inUse: boolean) {
  return {
    name: deps.config.siteName, local: true, vcenter_info: localVcenter(deps), in_use: inUse,
    services: [ssService(deps.site.id, localUrl(deps), HEALTHY)],
    pairing_infos: conns.map((c) => ({ site: c.site.id, connection_state: state(c), services: [ssService(c.site.id, c.site.url, state(c))] })),
  };
}

export function remoteInfo(deps: Deps, c: Connection, inUse: boolean) {
  return {
    name: c.site.name, local: false, vcenter_info: remoteVcenter(c.site), in_use: inUse,
    services: [ssService(c.site.id, c.site.url, state(c))],
    pairing_infos: [{ site: deps.site.id, connection_state: state(c), services: [ssService(deps.site.id, localUrl(deps), HEALTHY)] }],
  };
}
