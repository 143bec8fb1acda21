import { errors, type VapiError } from '../../errors.ts';
import type { Repos } from '../../store/store.ts';

/** A pair some protection group replicates over is in use: it cannot be deleted. */
export async function pairInUse(repos: Repos, id: string): Promise<boolean> {
  return (await repos.groups.list(undefined, { clusterPairIds: [id] })).length > 0;
}

export function inUseError(id: string): VapiError {
  return errors.notAllowed('cluster_pair.in_use', `Cluster pair ${id} is in use by protection groups that replicate over it.`, id);
}
