import type { Task, TaskKind } from '../domain/model.ts';
import { newId } from '../domain/ids.ts';
import type { Repos } from '../store/store.ts';
import type { Call } from '../vapi/operation.ts';
import { TASK_KINDS } from './lifecycle.ts';

export interface TaskRequest {
  kind: TaskKind;
  target?: { type: string; id: string };
  clusterId?: string;
  vmId?: string;
  input: unknown;
}

/**
 * Stores a PENDING task inside the caller's transaction (so it exists exactly when the
 * checks that admitted it held). The caller nudges the runner once the transaction commits.
 */
export async function submitTask(tx: Repos, call: Call, req: TaskRequest): Promise<string> {
  const { clock, config } = call.deps;
  const now = clock.now();
  const kind = TASK_KINDS[req.kind];
  const task: Task = {
    id: newId(),
    kind: req.kind,
    service: kind.service,
    operation: kind.operation,
    description: kind.description,
    status: 'PENDING',
    cancelable: false,
    user: call.user,
    targetType: req.target?.type ?? null,
    targetId: req.target?.id ?? null,
    clusterId: req.clusterId ?? null,
    vmId: req.vmId ?? null,
    input: req.input,
    progressTotal: 0,
    progressCompleted: 0,
    progressMessage: null,
    result: null,
    error: null,
    createdAt: now,
    notBefore: now + config.taskQueueMs,
    startTime: null,
    endTime: null,
    owner: null,
    step: 0,
  };
  await tx.tasks.insert(task);
  return task.id;
}
