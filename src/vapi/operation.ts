import type { Static, TObject, TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { Deps } from '../context.ts';
import type { AuthMode } from '../access/authn.ts';
import type { Authorizer } from '../access/authz.ts';
import type { PlannedFailure } from '../faults/injector.ts';
import type { TaskType } from '../tasks/task.ts';

/** One invocation of an operation by an authenticated caller, whatever the protocol. */
export interface Call {
  deps: Deps;
  /** The operation called (a `$task` operation's task reports its service and name). */
  operation: Operation;
  user: string;
  sessionHash?: string;
  /** The session token itself, only on the call that created it. */
  authz: Authorizer;
  log: Logger;
  /** A task failure a fault rule planned for the task this call starts. */
  plannedFailure?: PlannedFailure;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** How an operation appears on the REST side. */
export interface RestBinding {
  method: HttpMethod;
  /** Path template with `{param}` placeholders, e.g. `/api/snapservice/tasks/{task}`. */
  path: string;
  /**
   * Placeholders whose REST name is not the input field's: REST name -> field. The cis tagging
   * paths spell them in camelCase (`{categoryId}` for the field `category_id`).
   */
  params?: Record<string, string>;
  /** The `?action=` dispatch value, if the operation shares its path and method. */
  action?: string;
  /**
   * Other fixed query values that pick this operation among those sharing method, path and
   * action (the reports' `aggregateBy=time-slice`); read by dispatch, never as input.
   */
  select?: Record<string, string>;
  /** Task-only operation: needs `vmw-task=true`, answers 202 and the task id. */
  task?: boolean;
  /** Input field fed from the JSON body. */
  body?: string;
  /**
   * The body may also arrive wrapped as `{"<body field>": ...}` (what the vAPI Python REST
   * client sends); members given in the query string and the body are merged.
   */
  bodyWrapped?: boolean;
  /** The body is an object whose members are input fields (e.g. cis tasks list). */
  bodyFields?: boolean;
  /** Input fields of structure type whose members are flattened into the query string. */
  query?: string[];
  /** Success status when not the default (200; 204 for a void DELETE; 202 for tasks). */
  status?: number;
}

/**
 * One vAPI operation, defined once and served over REST and JSON-RPC alike. The request
 * passes, in this order: authentication (401), `authorize` on the identifier inputs (404 for
 * unknown objects, 403 for missing privileges), validation of the whole input (400), then
 * `handler`, which does the state checks and the work.
 */
export interface Operation<I extends TObject = TObject, A = unknown> {
  /** vAPI service id, e.g. `com.vmware.snapservice.clusters.virtual_machines`. */
  service: string;
  /** vAPI operation id, e.g. `revert$task`. */
  name: string;
  /** vSphere API release that added the operation. */
  since: string;
  rest: RestBinding;
  /** The operation input structure: path identifiers, body and query parameters. */
  input: I;
  /** Wire schema of the result; undefined for void (and for `$task`, whose result is the id). */
  output?: TSchema;
  /** The task a `$task` operation starts (its kind, description and executor). */
  task?: TaskType;
  /** Schema of the task's `result` for `$task` operations that have one. */
  taskResult?: TSchema;
  auth?: AuthMode;
  /** Input fields that identify objects (checked as strings before `authorize`). */
  ids?: string[];
  /** Read-only operations are not audited. */
  readOnly?: boolean;
  /**
   * The test's control plane (fault rules, the journal): never journalled, never faulted, so
   * a test can always see and undo what it set up.
   */
  control?: true;
  authorize?: (call: Call, ids: Record<string, string>) => Promise<A>;
  handler: (call: Call, input: Static<I>, authorized: A) => Promise<unknown>;
}

/** Type-checks one operation against its own input schema, then erases it for the registry. */
export function defineOperation<I extends TObject, A = undefined>(op: Operation<I, A>): Operation {
  return op as unknown as Operation;
}

/** Fully qualified id as the coverage table and logs show it. */
export function operationKey(op: Pick<Operation, 'service' | 'name'>): string {
  return `${op.service}.${op.name}`;
}
