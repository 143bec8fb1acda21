import type { Deps } from '../context.ts';
import { effectivePrivileges, firstMissing } from '../domain/authz.ts';
import type { Permission, Vm } from '../domain/model.ts';
import type { EntityRef, EntityType } from '../domain/privileges.ts';
import { errors } from '../errors.ts';
import type { Repos } from '../store/store.ts';

/**
 * Privilege checks for one caller during one call. Permissions and parent lookups are cached
 * for the call only, so a permission change applies from the next call on.
 *
 * A list checks every object it returns, so a check must not cost a query per object: the
 * parents of clusters, hosts, pools and folders come from one read of their whole table (they
 * are few next to VMs), and lists hand over the parents they already hold (`knownParent`,
 * `knownVms`). A list of any length thus costs a constant number of queries.
 */
export class Authorizer {
  private permissions?: Promise<Permission[]>;
  private parents = new Map<string, Promise<string | null>>();
  private tables = new Map<EntityType, Promise<Map<string, string | null>>>();

  constructor(
    private readonly deps: Deps,
    readonly user: string,
    private readonly repos: Repos = deps.store.repos,
  ) {
    // Every ancestry ends at the root folder: reading the folder table to learn that it has
    // no parent would cost a query on every call.
    this.knownParent('Folder', deps.rootFolderId, null);
  }

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

  /** Reads the VMs among `ids` whose parents are not known yet, in one query (deleted ones too). */
  async knownVms(ids: Iterable<string>): Promise<void> {
    const unknown = [...new Set(ids)].filter((id) => !this.parents.has(`VirtualMachine:${id}`));
    if (unknown.length === 0) return;
    const found = new Map((await this.repos.vms.list({ ids: unknown, includeDeleted: true })).map((vm) => [vm.id, vm.clusterId ?? vm.lastClusterId]));
    for (const id of unknown) this.knownParent('VirtualMachine', id, found.get(id) ?? null);
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
    switch (e.type) {
      case 'VirtualMachine': {
        const vm = await this.repos.vms.get(e.id);
        return vm ? (vm.clusterId ?? vm.lastClusterId) : null;
      }
      case 'Datacenter':
      case 'InventoryServiceCategory':
        return this.deps.rootFolderId;
      case 'InventoryServiceTag':
        return (await this.repos.tags.getTag(e.id))?.categoryId ?? null;
      default:
        return (await this.table(e.type)).get(e.id) ?? null;
    }
  }

  /** Every object of one type with its parent, read once per call. */
  private table(type: EntityType): Promise<Map<string, string | null>> {
    let t = this.tables.get(type);
    if (!t) {
      t = this.readTable(type);
      this.tables.set(type, t);
    }
    return t;
  }

  private async readTable(type: EntityType): Promise<Map<string, string | null>> {
    const inv = this.repos.inventory;
    switch (type) {
      case 'ClusterComputeResource':
        return new Map((await inv.listClusters()).map((c) => [c.id, c.datacenterId]));
      case 'HostSystem':
        return new Map((await inv.listHosts()).map((h) => [h.id, h.clusterId]));
      case 'ResourcePool':
        return new Map((await inv.listResourcePools()).map((rp) => [rp.id, rp.parentId ?? rp.clusterId]));
      case 'Folder':
        return new Map((await inv.listFolders()).map((f) => [f.id, f.parentId ?? f.datacenterId]));
      default:
        return new Map();
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
  if (id.startsWith('urn:vmomi:InventoryServiceCategory:')) return 'InventoryServiceCategory';
  if (id.startsWith('urn:vmomi:InventoryServiceTag:')) return 'InventoryServiceTag';
  return 'Folder';
}
