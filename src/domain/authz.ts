import type { Permission, Role } from './model.ts';

/**
 * vCenter's rule: the permissions defined nearest to the entity win. Walk from the entity up;
 * at the first level where the principal has any permission (on the entity itself, or one that
 * propagates from an ancestor), the union of those roles is the answer. No permission on the
 * way up means no privileges.
 *
 * @param ancestry the entity first, then its parents up to the root folder
 */
export function effectivePrivileges(
  ancestry: readonly string[],
  permissions: readonly Permission[],
  roles: ReadonlyMap<string, Role>,
): Set<string> {
  for (let i = 0; i < ancestry.length; i++) {
    const here = permissions.filter((p) => p.entityId === ancestry[i] && (i === 0 || p.propagate));
    if (here.length === 0) continue;
    const out = new Set<string>();
    for (const p of here) for (const priv of roles.get(p.roleId)?.privileges ?? []) out.add(priv);
    return out;
  }
  return new Set();
}

/** The first privilege of `required` that `held` lacks, or undefined if all are held. */
export function firstMissing(required: readonly string[], held: ReadonlySet<string>): string | undefined {
  return required.find((p) => !held.has(p));
}
