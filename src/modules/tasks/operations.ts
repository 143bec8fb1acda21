import { Type } from '@sinclair/typebox';
import { defineOperation, type Operation } from '../../vapi/operation.ts';
import { Id, Input } from '../../vapi/wire.ts';
import {
  CisGetSpec, CisTaskFilter, CisTaskInfo, CisTaskMap, SnapserviceTaskFilter, SnapserviceTaskInfo, SnapserviceTaskList, taskAnswer, taskToWire,
} from './schemas.ts';
import { getTask, listTasks, taskFilter } from './queries.ts';

/** Snapservice's own task service, and vCenter's cis tasks over the same stored tasks. */
export const taskOperations: Operation[] = [
  defineOperation({
    service: 'com.vmware.snapservice.tasks', name: 'list', since: '8.0.3.0', readOnly: true,
    rest: { method: 'GET', path: '/api/snapservice/tasks', query: ['filter'] },
    input: Input({ filter: Type.Optional(SnapserviceTaskFilter) }),
    output: SnapserviceTaskList,
    handler: async (call, input) => ({
      items: (await listTasks(call, taskFilter(input.filter))).map((t) => ({ task: t.id, info: taskToWire(t) })),
    }),
  }),
  defineOperation({
    service: 'com.vmware.snapservice.tasks', name: 'get', since: '8.0.3.0', readOnly: true,
    rest: { method: 'GET', path: '/api/snapservice/tasks/{task}' },
    input: Input({ task: Id() }),
    ids: ['task'],
    output: SnapserviceTaskInfo,
    handler: async (call, input) => taskAnswer(await getTask(call, input.task)),
  }),
  defineOperation({
    service: 'com.vmware.cis.tasks', name: 'get', since: '6.7.1', readOnly: true,
    rest: { method: 'GET', path: '/api/cis/tasks/{task}', query: ['spec'] },
    input: Input({ task: Id(), spec: Type.Optional(CisGetSpec) }),
    ids: ['task'],
    output: CisTaskInfo,
    handler: async (call, input) => taskAnswer(await getTask(call, input.task), { excludeResult: input.spec?.exclude_result }),
  }),
  defineOperation({
    service: 'com.vmware.cis.tasks', name: 'list', since: '6.7.1', readOnly: true,
    rest: { method: 'POST', path: '/api/cis/tasks', action: 'list', bodyFields: true },
    input: Input({ filter_spec: Type.Optional(CisTaskFilter), result_spec: Type.Optional(CisGetSpec) }),
    output: CisTaskMap,
    handler: async (call, input) => {
      const f = input.filter_spec;
      let tasks = await listTasks(call, taskFilter(f));
      if (f?.targets && f.targets.length > 0) {
        const wanted = new Set(f.targets.map((d) => `${d.type}\u0000${d.id}`));
        tasks = tasks.filter((t) => wanted.has(`${t.targetType}\u0000${t.targetId}`));
      }
      const out: Record<string, unknown> = {};
      for (const t of tasks) out[t.id] = taskToWire(t, { excludeResult: input.result_spec?.exclude_result });
      return out;
    },
  }),
];
