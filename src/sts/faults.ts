import { esc, NS } from './xml.ts';

/**
 * The standard WS-Security and WS-Trust fault codes, with the texts vCenter's STS gives when it
 * has nothing more specific to say.
 */
export const FAULTS = {
  'wsse:UnsupportedSecurityToken': 'An unsupported token was provided',
  'wsse:InvalidSecurity': 'An error was discovered processing the <wsse:Security> header.',
  'wsse:MessageExpired': 'The message has expired',
  'wst:InvalidRequest': 'The request was invalid or malformed.',
  'wst:RequestFailed': 'The specified request failed.',
  'wst:FailedAuthentication': 'Authentication failed.',
  'wst:InvalidTimeRange': 'The requested time range is invalid or unsupported.',
  'wst:UnableToRenew': 'The requested renewal failed.',
} as const;

export type FaultCode = keyof typeof FAULTS;

/** A request the STS refuses: a SOAP 1.1 fault, HTTP 500. Like vCenter's, its text is the
 * specific reason when there is one, else the code's standard text. */
export class StsFault extends Error {
  constructor(readonly code: FaultCode, detail?: string) {
    super(detail ?? FAULTS[code]);
  }
}

/**
 * The fault envelope. It holds exactly two text nodes, faultcode and faultstring, and no
 * whitespace between elements: pyVim's SSO client recognises a fault by that count.
 */
export function faultEnvelope(f: StsFault): string {
  const [prefix] = f.code.split(':');
  const ns = prefix === 'wst' ? NS.wst : NS.wsse;
  return (
    `<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="${NS.soap}"><S:Body><S:Fault>` +
    `<faultcode xmlns:${prefix}="${ns}">${f.code}</faultcode><faultstring>${esc(f.message)}</faultstring>` +
    `</S:Fault></S:Body></S:Envelope>`
  );
}

/** A successful answer: the body element(s) inside a SOAP 1.1 envelope. */
export function envelope(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="${NS.soap}"><S:Body>${body}</S:Body></S:Envelope>`;
}
