import { XMLSerializer } from '@xmldom/xmldom';
import { StsFault } from './faults.ts';
import { child, childElements, is, NS, parseXml, parseXmlTime, textOf, XmlError } from './xml.ts';

export type RequestType = 'Issue' | 'Renew' | 'Validate';

/** A WS-Trust 1.3 RequestSecurityToken as pyVim.sso and other vCenter SSO clients send it. */
export interface StsRequest {
  type: RequestType;
  /** wsu:Timestamp of the Security header (the request's own validity). */
  timestamp?: { created?: number; expires?: number };
  /** wsse:UsernameToken with a PasswordText password. */
  username?: { user: string; password: string };
  /** What makes it a holder-of-key request, if anything (a certificate, a signature, KeyType). */
  holderOfKey?: string;
  /** Token lifetime asked for. */
  lifetime: { created?: number; expires?: number };
  delegatable: boolean;
  renewable: boolean;
  /** The assertion of RenewTarget / ValidateTarget, serialized. */
  target?: string;
}

const TRUST = `${NS.wst}/`;
const SAML2_TOKEN = 'urn:oasis:names:tc:SAML:2.0:assertion';
const PASSWORD_TEXT = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText';
const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';

const invalid = (why: string) => new StsFault('wst:InvalidRequest', why);

export function parseRequest(text: string): StsRequest {
  let doc: Document;
  try {
    doc = parseXml(text);
  } catch (err) {
    if (err instanceof XmlError) throw invalid(`The request is not acceptable XML: ${err.message}.`);
    throw err;
  }
  const env = doc.documentElement;
  if (env.localName === 'Envelope' && env.namespaceURI === SOAP12) throw invalid('SOAP 1.2 is not supported: send a SOAP 1.1 envelope.');
  if (!is(env, NS.soap, 'Envelope')) throw invalid('The request must be a SOAP 1.1 Envelope.');
  try {
    const header = child(env, NS.soap, 'Header');
    const body = child(env, NS.soap, 'Body');
    const rsts = body ? childElements(body) : [];
    if (rsts.length !== 1 || !is(rsts[0], NS.wst, 'RequestSecurityToken')) throw invalid('The SOAP Body must hold one wst:RequestSecurityToken.');
    const security = header && child(header, NS.wsse, 'Security');
    return { ...readRst(rsts[0]), ...(security ? readSecurity(security) : {}) };
  } catch (err) {
    if (err instanceof XmlError) throw invalid(`${err.message}.`);
    throw err;
  }
}

function readRst(rst: Element): Omit<StsRequest, 'timestamp' | 'username'> {
  const field = (local: string) => textOf(child(rst, NS.wst, local));
  const requestType = field('RequestType');
  if (!requestType) throw invalid('wst:RequestType is missing.');
  const type = requestType.startsWith(TRUST) ? requestType.slice(TRUST.length) : '';
  if (type !== 'Issue' && type !== 'Renew' && type !== 'Validate') {
    throw invalid(`Request type ${requestType} is not supported: send ${TRUST}Issue, Renew or Validate.`);
  }
  const tokenType = field('TokenType');
  if (type !== 'Validate' && tokenType !== undefined && tokenType !== SAML2_TOKEN) throw invalid(`Token type ${tokenType} is not issued here: ask for ${SAML2_TOKEN}.`);
  if (child(rst, NS.wst14, 'ActAs')) throw new StsFault('wsse:UnsupportedSecurityToken', 'ActAs (delegated) token requests are not supported by this STS.');

  const keyType = field('KeyType');
  let holderOfKey: string | undefined;
  if (keyType === `${TRUST}PublicKey`) holderOfKey = 'KeyType PublicKey';
  else if (keyType !== undefined && keyType !== `${TRUST}Bearer`) throw invalid(`Key type ${keyType} is not supported: ask for ${TRUST}Bearer.`);
  if (child(rst, NS.wst, 'UseKey')) holderOfKey ??= 'UseKey';

  const lifetimeEl = child(rst, NS.wst, 'Lifetime');
  const lifetime = { created: time(lifetimeEl, 'Created', 'Lifetime'), expires: time(lifetimeEl, 'Expires', 'Lifetime') };
  const renewing = child(rst, NS.wst, 'Renewing');
  const target = child(rst, NS.wst, type === 'Renew' ? 'RenewTarget' : 'ValidateTarget');
  return {
    type,
    holderOfKey,
    lifetime,
    delegatable: bool(field('Delegatable'), 'Delegatable'),
    renewable: bool(renewing?.getAttribute('Allow') || undefined, 'Renewing Allow'),
    target: target ? assertionIn(target) : undefined,
  };
}

function readSecurity(security: Element): Pick<StsRequest, 'timestamp' | 'username' | 'holderOfKey'> {
  const out: Pick<StsRequest, 'timestamp' | 'username' | 'holderOfKey'> = {};
  const ts = child(security, NS.wsu, 'Timestamp');
  if (ts) out.timestamp = { created: time(ts, 'Created', 'Timestamp'), expires: time(ts, 'Expires', 'Timestamp') };
  if (child(security, NS.wsse, 'BinarySecurityToken')) out.holderOfKey = 'a BinarySecurityToken (client certificate)';
  else if (child(security, NS.saml, 'Assertion')) out.holderOfKey = 'a SAML token in the Security header';
  else if (child(security, NS.ds, 'Signature')) out.holderOfKey = 'a signed request';
  const token = child(security, NS.wsse, 'UsernameToken');
  if (token) {
    const user = textOf(child(token, NS.wsse, 'Username'));
    const passwordEl = child(token, NS.wsse, 'Password');
    const kind = passwordEl?.getAttribute('Type');
    if (kind && kind !== PASSWORD_TEXT) throw new StsFault('wsse:UnsupportedSecurityToken', `Password type ${kind} is not supported: send the password as PasswordText.`);
    // The password is taken exactly as sent: spaces can be part of it.
    const password = passwordEl?.textContent ?? undefined;
    if (!user || password === undefined) throw new StsFault('wsse:InvalidSecurity', 'The UsernameToken needs a Username and a Password.');
    out.username = { user, password };
  }
  return out;
}

function time(parent: Element | undefined, local: string, what: string): number | undefined {
  const el = parent && child(parent, NS.wsu, local);
  if (!el) return undefined;
  const t = parseXmlTime(textOf(el));
  if (t === undefined) throw invalid(`${what} ${local} must be a UTC xs:dateTime such as 2026-01-01T00:00:00.000Z.`);
  return t;
}

function bool(v: string | undefined, what: string): boolean {
  if (v === undefined || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1') return true;
  throw invalid(`${what} must be true or false, not ${JSON.stringify(v.slice(0, 40))}.`);
}

function assertionIn(target: Element): string {
  const found = childElements(target);
  if (found.length !== 1 || !is(found[0], NS.saml, 'Assertion')) throw invalid(`${target.localName} must hold one saml2:Assertion.`);
  return new XMLSerializer().serializeToString(found[0]);
}
