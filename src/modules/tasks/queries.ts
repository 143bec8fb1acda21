import type { Task, TaskStatus } from '../../domain/model.ts';
import type { EntityRef } from '../../domain/privileges.ts';
import { typeOfId } from '../../access/authz.ts';
import type { TaskFilter } from '../../store/store.ts';
import { errors, vapiError } from '../../errors.ts';
import { constraint } from '../../vapi/filters.ts';
import type { Call } from '../../vapi/operation.ts';

/** The vendor's cap on one task list answer. */
export const MAX_TASKS = 1000;

/** The object a task is about, for visibility: its target, else its cluster, else the root. */
function taskEntity(call: Call, t: Task): EntityRef {
  const id = t.vmId ?? t.clusterId ?? (t.targetId && t.targetType !== null ? t.targetId : null);
  return id ? { type: typeOfId(id), id } : { type: 'Folder', id: call.deps.rootFolderId };
}

/** A caller sees the tasks they started, and tasks on objects they may read (`System.Read`). */
async function visible(call: Call, t: Task): Promise<boolean> {
  if (t.user === call.user) return true;
  return call.authz.can(taskEntity(call, t), 'System.Read');
}

export async function getTask(call: Call, id: string): Promise<Task> {
  const t = await call.deps.store.repos.tasks.get(id);
  if (!t) throw errors.notFound('task', id);
  // As `visible`, refusing with the missing privilege; the caller's own task (the usual case)
  // costs no privilege check at all.
  if (t.user !== call.user) await call.authz.require(taskEntity(call, t), ['System.Read']);
  return t;
}

/**
 * Newest first; more than MAX_TASKS visible matches is RESOURCE_INACCESSIBLE, as the vendor
 * says. Read page by page, so that a long task history is never loaded whole.
 */
export async function listTasks(call: Call, filter: TaskFilter): Promise<Task[]> {
  const page = MAX_TASKS + 1;
  const out: Task[] = [];
  // Tasks created while paging shift the pages by one: never list a task twice.
  const seen = new Set<string>();
  for (let offset = 0; ; offset += page) {
    const batch = await call.deps.store.repos.tasks.list(filter, page, offset);
    await call.authz.knownVms(batch.flatMap((t) => (t.user !== call.user && t.vmId ? [t.vmId] : [])));
    for (const t of batch) {
      if (seen.has(t.id) || !(await visible(call, t))) continue;
      seen.add(t.id);
      if (out.length === MAX_TASKS) {
        throw vapiError('RESOURCE_INACCESSIBLE', 'tasks.too_many', `More than ${MAX_TASKS} tasks match the filter; narrow it.`, MAX_TASKS);
      }
      out.push(t);
    }
    if (batch.length < page) return out;
  }
}

/** vAPI filter sets: unset or empty means "no constraint". */
export function taskFilter(f: { tasks?: string[]; operations?: string[]; services?: string[]; status?: string[]; users?: string[] } | undefined): TaskFilter {
  return {
    ids: constraint(f?.tasks),
    operations: constraint(f?.operations),
    services: constraint(f?.services),
    statuses: constraint(f?.status) as TaskStatus[] | undefined,
    users: constraint(f?.users),
  };
}
