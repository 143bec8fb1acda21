/**
 * The closed catalogue of vAPI standard errors this server reports, the one table that maps
 * them to HTTP status (the vAPI runtime's own map), and the one serializer of error bodies.
 */
export const ERROR_STATUS = {
  ALREADY_EXISTS: 400,
  ALREADY_IN_DESIRED_STATE: 400,
  INVALID_ARGUMENT: 400,
  INVALID_REQUEST: 400,
  NOT_ALLOWED_IN_CURRENT_STATE: 400,
  RESOURCE_BUSY: 400,
  RESOURCE_IN_USE: 400,
  RESOURCE_INACCESSIBLE: 400,
  UNABLE_TO_ALLOCATE_RESOURCE: 400,
  UNSUPPORTED: 400,
  UNVERIFIED_PEER: 400,
  UNAUTHENTICATED: 401,
  UNAUTHORIZED: 403,
  NOT_FOUND: 404,
  OPERATION_NOT_FOUND: 404,
  CONCURRENT_CHANGE: 409,
  ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
  TIMED_OUT: 504,
} as const;

export type ErrorKind = keyof typeof ERROR_STATUS;

export interface LocalizableMessage {
  id: string;
  default_message: string;
  args: string[];
}

/** Wire form of a vAPI standard error (REST body, task `error`). */
export interface VapiErrorBody {
  error_type: ErrorKind;
  messages: LocalizableMessage[];
  data?: Record<string, unknown>;
  challenge?: string;
}

export class VapiError extends Error {
  readonly kind: ErrorKind;
  readonly messages: LocalizableMessage[];
  readonly data?: Record<string, unknown>;
  /** Only for UNAUTHENTICATED: the WWW-Authenticate style challenge. */
  readonly challenge?: string;

  constructor(kind: ErrorKind, messages: LocalizableMessage[], opts: { data?: Record<string, unknown>; challenge?: string } = {}) {
    super(messages[0]?.default_message ?? kind);
    this.kind = kind;
    this.messages = messages;
    this.data = opts.data;
    this.challenge = opts.challenge;
  }

  get status(): number {
    return ERROR_STATUS[this.kind];
  }

  toBody(): VapiErrorBody {
    const body: VapiErrorBody = { error_type: this.kind, messages: this.messages };
    if (this.data !== undefined) body.data = this.data;
    if (this.challenge !== undefined) body.challenge = this.challenge;
    return body;
  }

  static fromBody(body: VapiErrorBody): VapiError {
    return new VapiError(body.error_type, body.messages, { data: body.data, challenge: body.challenge });
  }
}

/** Message ids are ours (the vendor publishes none for this service); they are stable. */
export function msg(id: string, text: string, ...args: Array<string | number>): LocalizableMessage {
  return { id: `com.vmware.snapservice.${id}`, default_message: text, args: args.map(String) };
}

export function vapiError(kind: ErrorKind, id: string, text: string, ...args: Array<string | number>): VapiError {
  return new VapiError(kind, [msg(id, text, ...args)]);
}

export const BASIC_CHALLENGE = 'Basic realm="snapservice"';

export const errors = {
  unauthenticated: (why = 'Authentication required.') =>
    new VapiError('UNAUTHENTICATED', [msg('session.unauthenticated', why)], { challenge: BASIC_CHALLENGE }),
  unauthorized: (user: string, privilege: string, entityType: string, entityId: string) =>
    vapiError(
      'UNAUTHORIZED',
      'authz.missing_privilege',
      `User ${user} does not have privilege '${privilege}' on ${entityType} ${entityId}.`,
      user,
      privilege,
      entityType,
      entityId,
    ),
  notFound: (what: string, id: string) =>
    vapiError('NOT_FOUND', `${slug(what)}.not_found`, `${capitalize(what)} ${id} was not found.`, id),
  invalidArgument: (field: string, why: string) =>
    vapiError('INVALID_ARGUMENT', 'input.invalid_argument', `Invalid argument '${field}': ${why}`, field, why),
  invalidRequest: (why: string) => vapiError('INVALID_REQUEST', 'input.invalid_request', why),
  notAllowed: (id: string, why: string, ...args: Array<string | number>) =>
    vapiError('NOT_ALLOWED_IN_CURRENT_STATE', id, why, ...args),
  operationNotFound: (why: string) => vapiError('OPERATION_NOT_FOUND', 'operation.not_found', why),
  internal: () => vapiError('ERROR', 'internal.error', 'An internal error occurred; the server log has the details.'),
};

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
