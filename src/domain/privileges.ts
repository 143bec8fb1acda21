/** vCenter privilege ids this server checks, and the built-in roles. */
export const PRIVILEGES = [
  'System.Anonymous',
  'System.View',
  'System.Read',
  'Host.Config.Storage',
  'VirtualMachine.State.RevertToSnapshot',
  'VirtualMachine.State.CreateSnapshot',
  'VirtualMachine.State.RemoveSnapshot',
  'VirtualMachine.Interact.PowerOn',
  'VirtualMachine.Interact.PowerOff',
  'VirtualMachine.Interact.Suspend',
  'VirtualMachine.Interact.Reset',
  'VirtualMachine.Inventory.Create',
  'VirtualMachine.Inventory.CreateFromExisting',
  'VirtualMachine.Inventory.Delete',
  'VirtualMachine.Inventory.Move',
  'VirtualMachine.Provisioning.Clone',
  'Resource.AssignVMToPool',
  'Resource.ColdMigrate',
  'Resource.HotMigrate',
  'InventoryService.Tagging.CreateCategory',
  'InventoryService.Tagging.EditCategory',
  'InventoryService.Tagging.DeleteCategory',
  'InventoryService.Tagging.ModifyUsedByForCategory',
  'InventoryService.Tagging.CreateTag',
  'InventoryService.Tagging.EditTag',
  'InventoryService.Tagging.DeleteTag',
  'InventoryService.Tagging.ModifyUsedByForTag',
  'InventoryService.Tagging.AttachTag',
  'VsanDP.Replication.com.vmware.vsan.snapshotservice.Site.View',
  'VsanDP.Replication.com.vmware.vsan.snapshotservice.Site.Manage',
  /** Ours: the simulation and control plane (guest writes, clock). Only Admin holds it. */
  'Snapservice.Simulation',
] as const;

export type Privilege = (typeof PRIVILEGES)[number];

export const ROLE_ADMIN = { id: '-1', name: 'Admin', privileges: [...PRIVILEGES] as string[], system: true };
export const ROLE_READ_ONLY = { id: '-2', name: 'ReadOnly', privileges: ['System.Anonymous', 'System.View', 'System.Read'], system: true };
export const ROLE_NO_ACCESS = { id: '-5', name: 'NoAccess', privileges: [] as string[], system: true };

export const BUILTIN_ROLES = [ROLE_ADMIN, ROLE_READ_ONLY, ROLE_NO_ACCESS];

/** Entity types as vCenter names them in messages and DynamicIDs. */
export type EntityType =
  | 'Folder' | 'Datacenter' | 'ClusterComputeResource' | 'HostSystem' | 'ResourcePool' | 'VirtualMachine'
  /** Tagging objects: a category's parent is the root folder, a tag's its category. */
  | 'InventoryServiceCategory' | 'InventoryServiceTag';

export interface EntityRef {
  type: EntityType;
  id: string;
}
