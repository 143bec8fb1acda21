import type { Deps } from '../context.ts';
import { effectivePrivileges, firstMissing } from '../domain/authz.ts';
import type { Permission, Vm } from '../domain/model.ts';
import type { EntityRef, EntityType } from '../domain/privileges.ts';
import { errors } from '../errors.ts';
import type { Repos } from '../store/store.ts';

/**
 * Privilege checks for one caller during one call. Permissions and parent lookups are cached
 * for the call only, so a permission change applies from the next call on.
 */
export class Authorizer {
  private permissions?: Promise<Permission[]>;
  private parents = new Map<string, Promise<string | null>>();

  constructor(
    private readonly deps: Deps,
    readonly user: string,
    private readonly repos: Repos = deps.store.repos,
  ) {}

  /** Throws UNAUTHORIZED naming the first privilege the caller lacks on the entity. */
  async require(entity: EntityRef, privileges: readonly string[]): Promise<void> {
    const held = await this.privileges(entity);
    const missing = firstMissing(privileges, held);
    if (missing) throw errors.unauthorized(this.user, missing, entity.type, entity.id);
  }

  async can(entity: EntityRef, privilege: string): Promise<boolean> {
    return (await this.privileges(entity)).has(privilege);
  }

  /** `System.Read` on a VM, used to filter lists; the VM record saves a lookup per VM. */
  async canReadVm(vm: Vm): Promise<boolean> {
    this.knownParent('VirtualMachine', vm.id, vm.clusterId ?? vm.lastClusterId);
    return this.can({ type: 'VirtualMachine', id: vm.id }, 'System.Read');
  }

  /** Records a parent the caller already knows, so that checks on many objects stay cheap. */
  knownParent(type: EntityType, id: string, parentId: string | null): void {
    const key = `${type}:${id}`;
    if (!this.parents.has(key)) this.parents.set(key, Promise.resolve(parentId));
  }

  async privileges(entity: EntityRef): Promise<Set<string>> {
    const [ancestry, permissions] = await Promise.all([this.ancestry(entity), this.loadPermissions()]);
    const roles = await this.rolesFor(permissions);
    return effectivePrivileges(ancestry, permissions, roles);
  }

  /** The entity and its parents up to the root folder. */
  async ancestry(entity: EntityRef): Promise<string[]> {
    const out = [entity.id];
    let current: EntityRef | null = entity;
    while (current) {
      const parent: EntityRef | null = await this.parentOf(current);
      if (!parent) break;
      out.push(parent.id);
      current = parent;
    }
    if (out[out.length - 1] !== this.deps.rootFolderId) out.push(this.deps.rootFolderId);
    return out;
  }

  private async parentOf(e: EntityRef): Promise<EntityRef | null> {
    const key = `${e.type}:${e.id}`;
    let p = this.parents.get(key);
    if (!p) {
      p = this.lookupParent(e);
      this.parents.set(key, p);
    }
    const id = await p;
    return id === null ? null : { type: typeOfId(id), id };
  }

  private async lookupParent(e: EntityRef): Promise<string | null> {
    const inv = this.repos.inventory;
    switch (e.type) {
      case 'VirtualMachine': {
        const vm = await this.repos.vms.get(e.id);
        return vm ? (vm.clusterId ?? vm.lastClusterId) : null;
      }
      case 'ClusterComputeResource':
        return (await inv.getCluster(e.id))?.datacenterId ?? null;
      case 'HostSystem':
        return (await inv.getHost(e.id))?.clusterId ?? null;
      case 'ResourcePool': {
        const rp = await inv.getResourcePool(e.id);
        return rp ? (rp.parentId ?? rp.clusterId) : null;
      }
      case 'Folder': {
        const f = await inv.getFolder(e.id);
        return f ? (f.parentId ?? f.datacenterId) : null;
      }
      case 'Datacenter':
        return this.deps.rootFolderId;
    }
  }

  private loadPermissions(): Promise<Permission[]> {
    this.permissions ??= this.repos.permissions.listForPrincipal(this.user);
    return this.permissions;
  }

  private async rolesFor(permissions: Permission[]) {
    const roles = this.deps.roles;
    if (permissions.some((p) => !roles.has(p.roleId))) {
      for (const r of await this.repos.roles.list()) roles.set(r.id, r);
    }
    return roles;
  }
}

export function typeOfId(id: string): EntityType {
  if (id.startsWith('vm-')) return 'VirtualMachine';
  if (id.startsWith('domain-c')) return 'ClusterComputeResource';
  if (id.startsWith('host-')) return 'HostSystem';
  if (id.startsWith('resgroup-')) return 'ResourcePool';
  if (id.startsWith('datacenter-')) return 'Datacenter';
  return 'Folder';
}
