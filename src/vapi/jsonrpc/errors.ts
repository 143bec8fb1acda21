/**
 * JSON-RPC 2.0 protocol faults: the envelope was wrong, so no vAPI operation ran. Operation
 * errors (NOT_FOUND, UNAUTHORIZED, ...) are never faults: they are `result.error`.
 */
export const FAULT = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
} as const;

/** The runtime's own messages for each code. */
const MESSAGES: Record<number, string> = {
  [FAULT.PARSE_ERROR]: 'Parse error.',
  [FAULT.INVALID_REQUEST]: 'Invalid Request.',
  [FAULT.METHOD_NOT_FOUND]: 'Method not found.',
  [FAULT.INVALID_PARAMS]: 'Invalid params.',
  [FAULT.INTERNAL_ERROR]: 'Internal error.',
};

export class Fault extends Error {
  readonly code: number;
  /** Free text saying what exactly was wrong (the runtime's `data` is a string too). */
  readonly data?: string;

  constructor(code: number, data?: string) {
    super(data ? `${MESSAGES[code]} ${data}` : MESSAGES[code]);
    this.code = code;
    this.data = data;
  }

  /**
   * The runtime's client requires `id: null` on parse errors and invalid requests (it may not
   * have been able to read the id), and the request's own id on every other reply.
   */
  get hidesId(): boolean {
    return this.code === FAULT.PARSE_ERROR || this.code === FAULT.INVALID_REQUEST;
  }

  toJson(): { code: number; message: string; data?: string } {
    return this.data === undefined ? { code: this.code, message: MESSAGES[this.code] } : { code: this.code, message: MESSAGES[this.code], data: this.data };
  }

  static parse = (data: string) => new Fault(FAULT.PARSE_ERROR, data);
  static invalidRequest = (data: string) => new Fault(FAULT.INVALID_REQUEST, data);
  static methodNotFound = (data: string) => new Fault(FAULT.METHOD_NOT_FOUND, data);
  static invalidParams = (data: string) => new Fault(FAULT.INVALID_PARAMS, data);
  static internal = (data?: string) => new Fault(FAULT.INTERNAL_ERROR, data);
}
