import type { Deps } from '../../context.ts';
import type { ClusterPair, Site } from '../../domain/sites.ts';
import { operationalMode, RELEASE_ORDER } from '../../domain/sites.ts';
import { msg, vapiError, type LocalizableMessage, type VapiError } from '../../errors.ts';
import type { Repos } from '../../store/store.ts';
import { callSite, clustersOf, type LinkWait } from '../sites/access.ts';
import type { ClusterFacts, SiteFacts } from '../sites/facts.ts';

/**
 * The conditions a new cluster pair needs, each a precheck item whose status comes from the
 * real state of both sites: the site pairing, both clusters, the link, the peer's licence, the
 * releases, pairs already made. create$task refuses on any ERROR with the same findings.
 */
export interface CreateRequest {
  localCluster: string;
  peerSite: string;
  peerCluster: string;
}

export type Status = 'OK' | 'WARNING' | 'ERROR';

export interface Item {
  type: string;
  status: Status;
  desc: LocalizableMessage;
  errors?: Array<{ messages: LocalizableMessage[] }>;
}

export interface Findings {
  items: Item[];
  site?: Site;
  localName?: string;
  peer?: ClusterFacts;
}

/** The exact pair asked for, already made: the vendor's AlreadyExists. */
export async function alreadyPaired(repos: Repos, req: CreateRequest): Promise<ClusterPair | undefined> {
  return (await repos.clusterPairs.list({ localClusterIds: [req.localCluster], peerSiteIds: [req.peerSite], peerClusterIds: [req.peerCluster] }))[0];
}

export function alreadyExists(pair: ClusterPair): VapiError {
  return vapiError('ALREADY_EXISTS', 'cluster_pair.exists', `Cluster ${pair.localClusterName} is already paired with cluster ${pair.peerClusterName} (cluster pair ${pair.id}).`, pair.id);
}

function item(type: string, status: Status, id: string, text: string, ...args: string[]): Item {
  const m = msg(`cluster_pair.precheck.${id}`, text, ...args);
  return { type, status, desc: m, ...(status === 'OK' ? {} : { errors: [{ messages: [m] }] }) };
}

export async function precheck(deps: Deps, req: CreateRequest, wait?: LinkWait): Promise<Findings> {
  const repos = deps.store.repos;
  const out: Findings = { items: [] };
  const add = (i: Item) => out.items.push(i);

  const local = await repos.inventory.getCluster(req.localCluster);
  if (local) out.localName = local.name;
  add(local ? item('LOCAL_CLUSTER', 'OK', 'local_cluster', `Local cluster ${local.name} exists.`, local.id)
    : item('LOCAL_CLUSTER', 'ERROR', 'local_cluster_missing', `Local cluster ${req.localCluster} does not exist.`, req.localCluster));

  const site = await repos.sites.get(req.peerSite);
  if (!site) {
    add(item('SITE_PAIR', 'ERROR', 'site_not_paired', `Site ${req.peerSite} is not paired with this site.`, req.peerSite));
    return out;
  }
  out.site = site;
  add(item('SITE_PAIR', 'OK', 'site_paired', `Site ${site.name} is paired with this site.`, site.id));

  let facts: SiteFacts;
  let clusters: ClusterFacts[];
  try {
    facts = await callSite<SiteFacts>(deps, site, 'GET', '/api/peer/site', undefined, wait);
    clusters = await clustersOf(deps, { local: false, id: site.id, site }, wait);
  } catch (err) {
    const e = err as VapiError;
    add({ type: 'SITE_CONNECTION', status: 'ERROR', desc: msg('cluster_pair.precheck.site_unreachable', `Site ${site.name} cannot be reached.`, site.id), errors: [{ messages: e.messages }] });
    return out;
  }
  add(item('SITE_CONNECTION', 'OK', 'site_connected', `Site ${site.name} answers with its trusted certificate.`, site.id));

  const peer = clusters.find((c) => c.cluster === req.peerCluster);
  if (peer) out.peer = peer;
  add(peer ? item('PEER_CLUSTER', 'OK', 'peer_cluster', `Cluster ${peer.name} exists at site ${site.name}.`, peer.cluster, site.id)
    : item('PEER_CLUSTER', 'ERROR', 'peer_cluster_missing', `Cluster ${req.peerCluster} does not exist at site ${site.name}.`, req.peerCluster, site.id));

  const mode = operationalMode(facts.license);
  add(mode === 'OPERATIONAL' ? item('LICENSE', 'OK', 'license', `Site ${site.name} holds an operational VMware Live Recovery licence.`, site.id)
    : mode === 'DEGRADED' ? item('LICENSE', 'WARNING', 'license_degraded', `The VMware Live Recovery licence of site ${site.name} is in degraded mode: some replication features are off.`, site.id)
    : mode === 'SUSPENDED' ? item('LICENSE', 'ERROR', 'license_expired', `The VMware Live Recovery licence of site ${site.name} has expired: replication is suspended.`, site.id)
    : item('LICENSE', 'ERROR', 'license_missing', `Site ${site.name} has no VMware Live Recovery licence.`, site.id));

  const ours = RELEASE_ORDER.indexOf(deps.config.release);
  const theirs = RELEASE_ORDER.indexOf(facts.release);
  add(theirs < RELEASE_ORDER.indexOf('9.0') ? item('VERSION', 'ERROR', 'version_unsupported', `Site ${site.name} runs release ${facts.release}, which has no site replication.`, facts.release)
    : theirs !== ours ? item('VERSION', 'WARNING', 'version_mismatch', `Site ${site.name} runs release ${facts.release} and this site ${deps.config.release}: only what both releases have is available.`, facts.release, deps.config.release)
    : item('VERSION', 'OK', 'version', `Both sites run release ${facts.release}.`, facts.release));

  const taken = [
    ...(await repos.clusterPairs.list({ localClusterIds: [req.localCluster] })),
    ...(await repos.clusterPairs.list({ peerSiteIds: [site.id], peerClusterIds: [req.peerCluster] })),
  ];
  add(taken.length === 0 ? item('EXISTING_PAIR', 'OK', 'no_pair', 'Neither cluster is paired yet.')
    : item('EXISTING_PAIR', 'ERROR', 'cluster_paired', `A cluster of this pair is already paired (cluster pair ${taken[0].id}).`, taken[0].id));
  return out;
}

/** The error create$task fails with when a precheck item is ERROR. */
export function refusal(findings: Findings): VapiError | undefined {
  const bad = findings.items.filter((i) => i.status === 'ERROR');
  if (bad.length === 0) return undefined;
  const licence = bad.every((i) => i.type === 'LICENSE');
  const kind = licence ? 'UNSUPPORTED' : bad.some((i) => i.type === 'SITE_CONNECTION') ? 'SERVICE_UNAVAILABLE' : 'NOT_ALLOWED_IN_CURRENT_STATE';
  const e = vapiError(kind, 'cluster_pair.precheck_failed', `The cluster pair cannot be created: ${bad.map((i) => i.desc.default_message).join(' ')}`);
  return e;
}
