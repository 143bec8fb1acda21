import { Type, type TSchema } from '@sinclair/typebox';
import { TASK_STATUSES, type Task } from '../../domain/model.ts';
import { stableAnswer } from '../../vapi/answers.ts';
import {
  DateTime, DynamicIdSchema, ErrorSchema, formatTime, Id, ListOf, LocalizableMessageSchema, SetOf, StringEnum, Struct, toWireMessage,
} from '../../vapi/wire.ts';

function taskInfo(prefix: string, withVcTask: boolean) {
  return Struct(`${prefix}.info`, {
    progress: Type.Optional(Struct(`${prefix}.progress`, {
      total: Type.Integer(),
      completed: Type.Integer(),
      message: LocalizableMessageSchema,
    })),
    result: Type.Optional(Type.Unknown({ opaque: true })),
    ...(withVcTask ? { vc_task: Type.Optional(Id()) } : {}),
    description: LocalizableMessageSchema,
    service: Id(),
    operation: Id(),
    parent: Type.Optional(Id()),
    target: Type.Optional(DynamicIdSchema),
    status: StringEnum(`${prefix}.status`, TASK_STATUSES),
    cancelable: Type.Boolean(),
    error: Type.Optional(ErrorSchema),
    start_time: Type.Optional(DateTime()),
    end_time: Type.Optional(DateTime()),
    user: Type.Optional(Type.String()),
  });
}

export const SnapserviceTaskInfo = taskInfo('com.vmware.snapservice.tasks', true);
export const CisTaskInfo = taskInfo('com.vmware.cis.task', false);

export const SnapserviceTaskFilter = Struct('com.vmware.snapservice.tasks.filter_spec', {
  tasks: Type.Optional(SetOf(Id())),
  operations: Type.Optional(SetOf(Id())),
  services: Type.Optional(SetOf(Id())),
  status: Type.Optional(SetOf(StringEnum('com.vmware.snapservice.tasks.status', TASK_STATUSES))),
  users: Type.Optional(SetOf(Type.String())),
});

export const SnapserviceTaskList = Struct('com.vmware.snapservice.tasks.list_result', {
  items: ListOf(Struct('com.vmware.snapservice.tasks.list_item', { task: Id(), info: SnapserviceTaskInfo })),
});

export const CisTaskFilter = Struct('com.vmware.cis.tasks.filter_spec', {
  tasks: Type.Optional(SetOf(Id())),
  services: Type.Optional(SetOf(Id())),
  operations: Type.Optional(SetOf(Id())),
  status: Type.Optional(SetOf(StringEnum('com.vmware.cis.task.status', TASK_STATUSES))),
  targets: Type.Optional(SetOf(DynamicIdSchema)),
  users: Type.Optional(SetOf(Type.String())),
});

export const CisGetSpec = Struct('com.vmware.cis.tasks.get_spec', {
  return_all: Type.Optional(Type.Boolean()),
  exclude_result: Type.Optional(Type.Boolean()),
});

export const CisTaskMap = Type.Record(Type.String(), CisTaskInfo, { vapi_map: true }) as TSchema;

export interface WireOptions {
  /** cis.task.Info has no vc_task; the snapservice Info may carry one. */
  excludeResult?: boolean;
}

/**
 * A stored task as vAPI shows it. Which fields appear follows the status union of the vendor's
 * bindings: progress and start_time from RUNNING on, end_time once finished, error on FAILED.
 * A PENDING task has no progress: the 8.0.3 bindings refuse the whole reply if it has one
 * ("a union with a field not required for this case"). Admission without a queue delay stores
 * tasks RUNNING (tasks/submit.ts), so a first poll sees progress, as VMware's samples expect.
 */
export function taskToWire(t: Task, opts: WireOptions = {}): Record<string, unknown> {
  const started = t.status !== 'PENDING';
  const finished = t.status === 'SUCCEEDED' || t.status === 'FAILED';
  // Absent fields are left undefined rather than copied out by compact(): JSON.stringify and
  // the JSON-RPC encoder both skip an undefined field, and every task answer paid for compact's
  // copy through one shared (megamorphic) keyed store.
  return {
    progress: started
      ? { total: Math.max(1, t.progressTotal), completed: t.progressCompleted, message: toWireMessage(t.progressMessage ?? t.description) }
      : undefined,
    result: t.status === 'SUCCEEDED' && !opts.excludeResult ? t.result ?? undefined : undefined,
    description: toWireMessage(t.description),
    service: t.service,
    operation: t.operation,
    target: t.targetType && t.targetId ? { type: t.targetType, id: t.targetId } : undefined,
    status: t.status,
    cancelable: t.cancelable,
    error: t.status === 'FAILED' ? t.error ?? undefined : undefined,
    start_time: started && t.startTime !== null ? formatTime(t.startTime) : undefined,
    end_time: finished && t.endTime !== null ? formatTime(t.endTime) : undefined,
    user: t.user ?? undefined,
  };
}

/** Per WireOptions.excludeResult (false, true): the answer made for a shared task. */
const answers = [new WeakMap<Task, Record<string, unknown>>(), new WeakMap<Task, Record<string, unknown>>()];

/**
 * taskToWire, made once for a shared (frozen) task: the store hands out the same frozen task
 * while its row is unchanged (store/kysely/shared-rows.ts), and a client polling a task asks
 * for it again and again. Its answer is stable (vapi/answers.ts): REST serializes it once.
 * A new task object (the row changed, or a read not cached) gets a new answer.
 */
export function taskAnswer(t: Task, opts: WireOptions = {}): Record<string, unknown> {
  if (!Object.isFrozen(t)) return taskToWire(t, opts);
  const made = answers[opts.excludeResult ? 1 : 0];
  let answer = made.get(t);
  if (answer === undefined) {
    answer = stableAnswer(taskToWire(t, opts));
    made.set(t, answer);
  }
  return answer;
}
