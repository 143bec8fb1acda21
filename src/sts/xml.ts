import { DOMParser } from '@xmldom/xmldom';

/** Namespaces of SOAP 1.1, WS-Security, WS-Trust 1.3, SAML 2.0 and XML-DSig. */
export const NS = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  wst: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512',
  wst14: 'http://docs.oasis-open.org/ws-sx/ws-trust/200802',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xs: 'http://www.w3.org/2001/XMLSchema',
  rsa: 'http://www.rsa.com/names/2009/12/std-ext/SAML2.0',
} as const;

/** Input that is not the XML we accept: the caller turns it into its own error. */
export class XmlError extends Error {}

/**
 * Parses untrusted XML. Document type declarations are refused outright (SOAP 1.1 forbids
 * them, and they are how XXE and entity-expansion attacks arrive), and any well-formedness
 * error fails the parse instead of being repaired.
 */
export function parseXml(text: string): Document {
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) throw new XmlError('document type declarations are not allowed');
  const fail = (msg: string) => {
    throw new XmlError(`not well-formed XML: ${msg.split('\n')[0].replace(/^\[xmldom [a-z]+\]\s*/i, '').slice(0, 200)}`);
  };
  const parser = new DOMParser({ errorHandler: { warning: () => undefined, error: fail, fatalError: fail } });
  let doc: Document;
  try {
    doc = parser.parseFromString(text, 'text/xml') as unknown as Document;
  } catch (err) {
    if (err instanceof XmlError) throw err;
    throw new XmlError(`not well-formed XML: ${(err as Error).message.slice(0, 200)}`);
  }
  if (!doc?.documentElement) throw new XmlError('the document has no root element');
  if (doc.doctype) throw new XmlError('document type declarations are not allowed');
  return doc;
}

/** Element children of `el`, optionally only those named {ns}local. */
export function childElements(el: Element, ns?: string, local?: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    const e = n as Element;
    if (local !== undefined && (e.localName !== local || e.namespaceURI !== ns)) continue;
    out.push(e);
  }
  return out;
}

/** The one child {ns}local, if any; more than one is an error. */
export function child(el: Element, ns: string, local: string): Element | undefined {
  const found = childElements(el, ns, local);
  if (found.length > 1) throw new XmlError(`more than one ${local} element`);
  return found[0];
}

export function textOf(el: Element | undefined): string | undefined {
  return el?.textContent?.trim();
}

export function is(el: Element | undefined, ns: string, local: string): boolean {
  return el !== undefined && el.localName === local && el.namespaceURI === ns;
}

/** Escapes text for an element body or a double-quoted attribute. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** xs:dateTime as the vendor's profile wants it: UTC with a `Z` and milliseconds. */
export function xmlTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** A UTC xs:dateTime (with `Z` or an offset); undefined when it is not one. */
export function parseXmlTime(s: string | undefined): number | undefined {
  if (!s || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}
