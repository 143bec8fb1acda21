import type { Message, Task, TaskKind, TaskStatus } from '../domain/model.ts';

/** vAPI task states and the moves between them; a finished task never changes again. */
const NEXT: Record<TaskStatus, TaskStatus[]> = {
  PENDING: ['RUNNING', 'FAILED'],
  RUNNING: ['BLOCKED', 'SUCCEEDED', 'FAILED'],
  BLOCKED: ['RUNNING', 'FAILED'],
  SUCCEEDED: [],
  FAILED: [],
};

export function canMove(from: TaskStatus, to: TaskStatus): boolean {
  return NEXT[from].includes(to);
}

/** Kinds that count against the per-VM "one recovery operation at a time" rule. */
export const VM_OPERATION_KINDS: TaskKind[] = ['vm.revert', 'vm.restore', 'vm.linked_clone'];

export interface TaskDescriptor {
  service: string;
  operation: string;
  description: Message;
}

const SNAPSERVICE = 'com.vmware.snapservice';

/** What each kind reports as `service`, `operation` and `description` on the wire. */
export const TASK_KINDS: Record<TaskKind, TaskDescriptor> = {
  'vm.revert': describe('clusters.virtual_machines', 'revert', 'vm.revert', 'Revert virtual machine'),
  'vm.restore': describe('clusters.virtual_machines', 'restore', 'vm.restore', 'Restore virtual machine'),
  'vm.linked_clone': describe('clusters.virtual_machines', 'linked_clone', 'vm.linked_clone', 'Create linked clone of virtual machine'),
  'pg.create': describe('clusters.protection_groups', 'create', 'protection_group.create', 'Create protection group'),
  'pg.update': describe('clusters.protection_groups', 'update', 'protection_group.update', 'Update protection group'),
  'pg.pause': describe('clusters.protection_groups', 'pause', 'protection_group.pause', 'Pause protection group'),
  'pg.resume': describe('clusters.protection_groups', 'resume', 'protection_group.resume', 'Resume protection group'),
  'pg.delete': describe('clusters.protection_groups', 'delete', 'protection_group.delete', 'Delete protection group'),
  'pg.snapshot': describe('clusters.protection_groups.snapshots', 'create', 'protection_group.snapshot.create', 'Create protection group snapshot'),
};

function describe(service: string, operation: string, id: string, text: string): TaskDescriptor {
  return {
    service: `${SNAPSERVICE}.${service}`,
    operation,
    description: { id: `${SNAPSERVICE}.${id}`, defaultMessage: text, args: [] },
  };
}

/** Progress can only grow. */
export function nextProgress(task: Pick<Task, 'progressCompleted' | 'progressTotal'>, completed: number): number {
  return Math.min(task.progressTotal, Math.max(task.progressCompleted, Math.floor(completed)));
}
