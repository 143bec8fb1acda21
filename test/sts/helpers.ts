import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from '../helpers/app.ts';

const FIXTURES = new URL('./fixtures/', import.meta.url);

/** A request exactly as pyVim.sso sent it (captured off the wire, see fixtures/README.md). */
export interface Captured {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The wsu:Timestamp Created of the request. */
  created: number;
}

export function fixture(name: string): Captured {
  const raw = readFileSync(new URL(`${name}.http`, FIXTURES), 'utf8');
  const [head, body] = raw.split('\r\n\r\n');
  const [requestLine, ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  const created = Date.parse(/<ns3:Created>([^<]+)<\/ns3:Created>/.exec(body)![1]);
  return { path: requestLine.split(' ')[1], headers, body, created };
}

/** Replays a captured request (its headers too, less the ones the transport sets). */
export async function replay(t: TestApp, c: Captured, body = c.body, path = c.path): Promise<LightMyRequestResponse> {
  const { host: _h, 'content-length': _l, connection: _c, ...headers } = c.headers;
  return t.app.inject({ method: 'POST', url: path, headers, payload: body });
}

/**
 * A pyVim-shaped Issue request for any user, dated at the server's wall clock: the captured
 * delegatable request with its name, password, flags and times replaced.
 */
export function issueRequest(t: TestApp, opts: { user: string; password: string; seconds?: number; delegatable?: boolean; renewable?: boolean }): string {
  const now = t.wall.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  return fixture('delegatable').body
    .replace(/<ns2:Username>[^<]*</, `<ns2:Username>${opts.user}<`)
    .replace(/<ns2:Password>[^<]*</, `<ns2:Password>${opts.password.replace(/&/g, '&amp;').replace(/</g, '&lt;')}<`)
    .replace(/(<ns3:Created[^>]*>)[^<]*</g, `$1${iso(now)}<`)
    .replace(/(<ns3:Timestamp[^]*?<ns3:Expires[^>]*>)[^<]*</, `$1${iso(now + 60_000)}<`)
    .replace(/(<Lifetime>[^]*?<ns3:Expires[^>]*>)[^<]*</, `$1${iso(now + (opts.seconds ?? 600) * 1000)}<`)
    .replace(/<Delegatable>[^<]*</, `<Delegatable>${opts.delegatable ?? true}<`)
    .replace(/<Renewing Allow="[^"]*" OK="[^"]*"/, `<Renewing Allow="${opts.renewable ?? false}" OK="${opts.renewable ?? false}"`);
}

/** The SOAP response's assertion, serialized as pyVim extracts it. */
export function assertionOf(res: LightMyRequestResponse): string {
  const doc = new DOMParser().parseFromString(res.body, 'text/xml');
  const a = doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'Assertion')[0];
  if (!a) throw new Error(`no assertion in ${res.statusCode} ${res.body.slice(0, 300)}`);
  return res.body.slice(res.body.indexOf('<saml2:Assertion'), res.body.indexOf('</saml2:Assertion>') + '</saml2:Assertion>'.length);
}

/** Gets a token from the STS as pyVim.sso would. */
export async function token(t: TestApp, opts: Parameters<typeof issueRequest>[1]): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/sts/STSService/vsphere.local', headers: { 'content-type': 'text/xml; charset="UTF-8"' }, payload: issueRequest(t, opts) });
  if (res.statusCode !== 200) throw new Error(`STS refused: ${res.body}`);
  return assertionOf(res);
}

/** `Authorization: SIGN token="..."` as the PowerShell module and VMware's REST clients send it. */
export const signHeader = (assertion: string) => `SIGN token="${gzipSync(Buffer.from(assertion)).toString('base64')}"`;

export const samlBearer = (assertion: string) => ({ schemeId: 'com.vmware.vapi.std.security.saml_bearer_token', samlToken: assertion });

/** faultcode and faultstring of a SOAP fault, and how many text nodes it holds (pyVim wants 2). */
export function faultOf(res: LightMyRequestResponse): { code: string; text: string; textNodes: number } {
  const doc = new DOMParser().parseFromString(res.body, 'text/xml');
  let textNodes = 0;
  const walk = (n: Node) => {
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === 3) textNodes++;
      walk(c);
    }
  };
  walk(doc as unknown as Node);
  return {
    code: doc.getElementsByTagName('faultcode')[0]?.textContent ?? '',
    text: doc.getElementsByTagName('faultstring')[0]?.textContent ?? '',
    textNodes,
  };
}
