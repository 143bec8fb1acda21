/**
 * The allow-list. Every knowing departure from the documents, each checked as narrowly as it is
 * described here; anything else that departs is a violation. Also the operations we serve that
 * the documents lack (EXTENSIONS) and the requests outside both documents (exemption).
 */
import { ERROR_STATUS, type ErrorKind } from '../../../src/errors.ts';
import { LATER_OPERATIONS } from '../../../src/modules/later/table.ts';
import type { Contract } from './contract.ts';
import { COMPONENTS, compareRelease, isObj, type CheckResult, type SpecOperation } from './model.ts';

export const DEVIATIONS = {
  /**
   * An error a fault rule of the simulation plane injected (docs/testing-with-snapservice.md):
   * the test asked for exactly this kind, whatever the operation declares. Admitted only with a
   * body that is that error, carrying the injected-fault message id, at the kind's status.
   */
  injectedFault: {
    messageId: 'com.vmware.snapservice.sim.fault',
  },
  /**
   * We answer these kinds with HTTP 400, as the vAPI REST runtime's error-to-status table does
   * (src/errors.ts ERROR_STATUS; ../shared/docs/snapservice-api.md §5.3), while some
   * operations list them under 500 (tasks list: ResourceInaccessible past 1000 matches; vCenter
   * lists: UnableToAllocateResource past 1000 results). Admitted only for an operation whose
   * declared responses name that very error kind, and only with a body that is that error.
   */
  runtimeStatus: {
    kinds: ['RESOURCE_BUSY', 'RESOURCE_INACCESSIBLE', 'UNABLE_TO_ALLOCATE_RESOURCE'],
  },
  /**
   * info/about declares only 200, yet we require a valid session or Basic credentials for it
   * (../shared/docs/decisions.md: "info/about needs a valid session only"), so it can answer 401.
   */
  sessionRequired: {
    operations: ['Snapservice.Info.About_get'],
  },
  /**
   * A request that matches no operation (unknown path, method or action; a task-only operation
   * without vmw-task=true; vmw-task other than true) cannot have declared responses. The vAPI
   * runtime answers 404 "no matching method"; we answer 404 OPERATION_NOT_FOUND, or 400
   * INVALID_REQUEST for a malformed dispatch (vmw-task=false, action given twice, bad URL).
   */
  unknownOperation: {
    answers: { 404: 'Vapi.Std.Errors.OperationNotFound', 400: 'Vapi.Std.Errors.InvalidRequest' } as Record<number, string>,
  },
  /**
   * Requests rejected at the protocol level before any operation runs (an undecodable URL, a
   * content type other than JSON, a body over the limit) answer 400 INVALID_REQUEST, as the vAPI
   * REST runtime does (../shared/docs/snapservice-api.md §5.3), whatever the operation declares:
   * the documents list only what operations themselves report.
   */
  protocolRejection: {
    kind: 'INVALID_REQUEST',
  },
  /**
   * Query input an operation does not take (an unknown key, a `filter.x` member that does not
   * exist) or cannot accept (a duplicate in a set) answers 400 INVALID_ARGUMENT naming it, as the
   * runtime's input validation does, also for operations that declare no 400 (cluster get, VM
   * get, datacenter list, ...) or a narrower one (power stop: AlreadyInDesiredState). Admitted
   * only when the request carried query parameters besides the dispatch keys, or was a GET with
   * a body (read as query input, src/vapi/rest.ts).
   */
  queryValidation: {
    kind: 'INVALID_ARGUMENT',
  },
  /**
   * ../shared/docs/decisions.md: a locked protection group refuses snapshot delete with 400
   * UNSUPPORTED, and a group marked for delete refuses every change with 400
   * NOT_ALLOWED_IN_CURRENT_STATE; the PG-snapshot DELETE declares no 400 at all
   * (../shared/docs/snapservice-api.md §7 item 12).
   */
  groupState: {
    operations: ['Snapservice.Clusters.ProtectionGroups.Snapshots_delete'],
    kinds: ['UNSUPPORTED', 'NOT_ALLOWED_IN_CURRENT_STATE'],
  },
  /**
   * Issue 9 and ../shared/docs/decisions.md: a VM snapshot that a pending or running revert,
   * restore or clone uses, whose deletion is already under way, or whose protection group is
   * marked for delete, refuses delete with 400 NOT_ALLOWED_IN_CURRENT_STATE; the 9.1 DELETE
   * declares only Unsupported for 400.
   */
  snapshotState: {
    operations: ['Snapservice.VirtualMachines.Snapshots_delete$Task'],
    kind: 'NOT_ALLOWED_IN_CURRENT_STATE',
  },
  /**
   * A vCenter VM held by a snapservice recovery task (revert, restore, clone) refuses relocate
   * with 400 RESOURCE_BUSY naming the task, as VM delete and the power operations document;
   * relocate's own list names no ResourceBusy.
   */
  vmBusy: {
    operations: ['Vcenter.VM_relocate'],
    kind: 'RESOURCE_BUSY',
  },
  /**
   * Query members of served operations that no release here takes. The 9.1.1 document labels
   * the protection-group list filter member `cluster_pairs` as added in 8.0.3.0, yet the 8.0.3
   * bindings have no such member (../shared/docs/snapservice-api.md §3.5 and §4.3: pgs, names,
   * states, vms) and cluster pairs themselves arrive in 9.0; filtering by them needs replication,
   * which is not modelled yet. The key is refused as unknown (400 INVALID_ARGUMENT, see
   * queryValidation). Used by the route-table test (test/contract/routes.test.ts).
   */
  unservedQueryMembers: {
    operations: { 'Snapservice.Clusters.ProtectionGroups_list': ['cluster_pairs'] } as Record<string, string[]>,
  },
  /**
   * The tagging document (vcenter-tagging.yaml) leaves 401 out of most reads and creates, and
   * 400 out of operations whose only input checks are the runtime's (list-tags-for-category,
   * used-by changes, batch attaches). Every vCenter operation authenticates its caller and
   * validates its input, answering 401 UNAUTHENTICATED and 400 INVALID_ARGUMENT as the
   * vAPI runtime does; admitted for that document's operations only, with those bodies.
   */
  taggingRuntime: {
    spec: 'tagging',
    answers: { 401: 'Vapi.Std.Errors.Unauthenticated', 400: 'Vapi.Std.Errors.InvalidArgument' } as Record<number, string>,
  },
  /**
   * Operations of releases after 8.0.3 that we do not serve (src/modules/later) answer 400
   * UNSUPPORTED naming the operation, whatever 400 schema they declare, and also where they
   * declare no 400 (e.g. Sites.Licenses_list).
   */
  notImplemented: {
    operations: new Set(LATER_OPERATIONS.map((o) => o.operationId)),
  },
  /**
   * An operation does not exist in a release before the one that added it: with `--release`
   * below it the server answers 404 OPERATION_NOT_FOUND, as that release's appliance does
   * (src/vapi/release.ts), whatever the 9.1 document declares. Admitted only for operations
   * added after the oldest release served.
   */
  laterRelease: {
    kind: 'OPERATION_NOT_FOUND',
    after: '8.0.3.0',
  },
} as const;

/**
 * Operations we serve that the OpenAPI document lacks. The VM get is in the vendor's 8.0.3
 * bindings (../shared/docs/snapservice-api.md §2 row 16, §3.16) and its result structure is in the
 * document's components, but the 9.1.1 document has no path for it. Its responses are checked
 * against that structure and the standard errors every snapservice read declares.
 */
export const EXTENSIONS: Array<Omit<SpecOperation, 'parameters' | 'responses' | 'select' | 'task'> & { responses: Record<string, string | undefined> }> = [
  {
    spec: 'snapservice',
    operationId: 'Snapservice.Clusters.VirtualMachines_get',
    method: 'GET',
    key: '/snapservice/clusters/{cluster}/virtual-machines/{vm}',
    path: '/api/snapservice/clusters/{cluster}/virtual-machines/{vm}',
    since: '8.0.3.0',
    extension: 'in the 8.0.3 bindings (../shared/docs/snapservice-api.md §3.16); absent from the 9.1.1 OpenAPI document',
    responses: {
      200: 'Snapservice.Clusters.VirtualMachines.Info',
      401: 'Vapi.Std.Errors.Unauthenticated',
      403: 'Vapi.Std.Errors.Unauthorized',
      404: 'Vapi.Std.Errors.NotFound',
      500: 'Vapi.Std.Errors.Error',
      503: 'Vapi.Std.Errors.ServiceUnavailable',
    },
  },
];

/** Requests outside both documents: not checked. */
export function exemption(method: string, pathname: string): string | undefined {
  if (pathname.startsWith('/api/sim/') || pathname === '/api/sim') return 'simulation plane (ours, not the vendor\'s)';
  if (pathname.startsWith('/api/peer/')) return 'site-to-site endpoints (ours, called by a paired site)';
  if (pathname === '/api/openapi.json') return 'our own OpenAPI document';
  if (pathname === '/api' && method === 'POST') return 'vAPI JSON-RPC endpoint (not a REST operation)';
  if (pathname !== '/api' && !pathname.startsWith('/api/')) return 'outside the server base /api (e.g. /docs)';
  return undefined;
}

/** The allow-list entry that admits this response, if one does. */
export function deviationFor(contract: Contract, op: SpecOperation, status: number, json: unknown, query: URLSearchParams, getBody = false): CheckResult['deviation'] {
  const kind = isObj(json) ? json.error_type : undefined;
  if (typeof kind !== 'string') return undefined;
  const is = (component: string) => contract.componentValidator(op.spec, component)(json);
  const listed = (list: readonly string[], v: string) => list.includes(v);
  const messages = isObj(json) && Array.isArray(json.messages) ? json.messages : [];
  if (isObj(messages[0]) && messages[0].id === DEVIATIONS.injectedFault.messageId && status === ERROR_STATUS[kind as ErrorKind] && is(`Vapi.Std.Errors.${errorComponent(kind)}`)) {
    return 'injectedFault';
  }
  if (status === 400 && kind === DEVIATIONS.protocolRejection.kind && is('Vapi.Std.Errors.InvalidRequest')) return 'protocolRejection';
  if (status === 400 && kind === DEVIATIONS.queryValidation.kind && is('Vapi.Std.Errors.InvalidArgument')) {
    const input = [...query.keys()].filter((k) => k !== 'action' && k !== 'vmw-task' && !(k in op.select));
    if (input.length > 0 || getBody) return 'queryValidation';
  }
  if (status === 400 && listed(DEVIATIONS.groupState.operations, op.operationId) && listed(DEVIATIONS.groupState.kinds, kind) && is(`Vapi.Std.Errors.${errorComponent(kind)}`)) {
    return 'groupState';
  }
  if (status === 400 && listed(DEVIATIONS.snapshotState.operations, op.operationId) && kind === DEVIATIONS.snapshotState.kind && is('Vapi.Std.Errors.NotAllowedInCurrentState')) {
    return 'snapshotState';
  }
  if (status === 400 && listed(DEVIATIONS.vmBusy.operations, op.operationId) && kind === DEVIATIONS.vmBusy.kind && is('Vapi.Std.Errors.ResourceBusy')) return 'vmBusy';
  if (status === 400 && (DEVIATIONS.runtimeStatus.kinds as readonly string[]).includes(kind)) {
    const component = `Vapi.Std.Errors.${errorComponent(kind)}`;
    const named = Object.values(op.responses).some((d) => d.description.includes(component) || d.schema?.$ref === `${COMPONENTS}${component}`);
    if (named && is(component)) return 'runtimeStatus';
  }
  if (status === 401 && (DEVIATIONS.sessionRequired.operations as readonly string[]).includes(op.operationId) && is('Vapi.Std.Errors.Unauthenticated')) {
    return 'sessionRequired';
  }
  if (status === 400 && kind === 'UNSUPPORTED' && DEVIATIONS.notImplemented.operations.has(op.operationId) && is('Vapi.Std.Errors.Unsupported')) {
    return 'notImplemented';
  }
  const runtime = DEVIATIONS.taggingRuntime.answers[status];
  if (op.spec === DEVIATIONS.taggingRuntime.spec && runtime && is(runtime) && kind === (status === 401 ? 'UNAUTHENTICATED' : 'INVALID_ARGUMENT')) return 'taggingRuntime';
  const later = DEVIATIONS.laterRelease;
  if (status === 404 && kind === later.kind && op.since !== undefined && compareRelease(op.since, later.after) > 0 && is('Vapi.Std.Errors.OperationNotFound')) {
    return 'laterRelease';
  }
  return undefined;
}

function errorComponent(kind: string): string {
  return kind.toLowerCase().replace(/(^|_)([a-z])/g, (_, _u, c: string) => c.toUpperCase());
}
