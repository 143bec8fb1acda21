import type { Deps } from '../../context.ts';
import { callSite, type LinkWait } from '../sites/access.ts';

/**
 * Tells recovery sites to drop the replicas of groups that stopped replicating or were deleted
 * here (all sites, or one); what cannot be told now stays owed and is retried at the next
 * replication pass. The groups still owed a removal.
 */
export async function deliverRemovals(deps: Deps, wait: LinkWait, siteId?: string): Promise<Set<string>> {
  const { repos } = deps.store;
  const owed = new Set<string>();
  for (const r of await repos.replication.removals()) {
    if (siteId !== undefined && r.siteId !== siteId) continue;
    const site = await repos.sites.get(r.siteId);
    try {
      // A site no longer paired cannot be told; its replicas are its own business now.
      if (site) await callSite(deps, site, 'DELETE', `/api/peer/replica-groups/${encodeURIComponent(r.pgId)}`, undefined, wait);
      await repos.replication.removalDone(r.pgId);
    } catch (err) {
      owed.add(r.pgId);
      deps.log.warn({ err, pg: r.pgId }, 'the recovery site could not be told to drop the replicas; retried at the next pass');
    }
  }
  return owed;
}
