import type { TaskKind } from '../domain/model.ts';
import { groupExecutors } from '../modules/groups/executors.ts';
import { recoverExecutor } from '../modules/vms/recover-executor.ts';
import { revertExecutor } from '../modules/vms/revert-executor.ts';
import type { Executor } from './runner.ts';

/** Which executor runs each task kind. */
export const executors: Partial<Record<TaskKind, Executor>> = {
  'vm.revert': revertExecutor,
  'vm.restore': recoverExecutor,
  'vm.linked_clone': recoverExecutor,
  ...groupExecutors,
};
