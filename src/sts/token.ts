import { X509Certificate } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { SignedXml } from 'xml-crypto';
import { EXC_C14N, RSA_SHA256 } from './assertion.ts';
import type { StsMaterial } from './keys.ts';
import { child, childElements, is, NS, parseXml, parseXmlTime, textOf, XmlError } from './xml.ts';

/** A token that cannot authenticate anyone; the message says why, for the caller to read. */
export class TokenError extends Error {}

export interface VerifiedToken {
  id: string;
  /** The subject's NameID as issued. */
  subject: string;
  notBefore: number;
  notOnOrAfter: number;
  /** ProxyRestriction Count: delegations left (0: not delegatable). */
  delegations: number;
  /** RenewRestriction Count: renewals left (0: not renewable). */
  renewals: number;
}

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const HOK = 'urn:oasis:names:tc:SAML:2.0:cm:holder-of-key';

/**
 * Checks a SAML assertion as an appliance does before it trusts one: the enveloped signature
 * against the STS signing certificate (and nothing else: a certificate carried in the token is
 * never trusted), the reference covering the whole assertion, then the conditions. Everything
 * read afterwards comes from the signed bytes, not from the document as received, so content
 * wrapped around or beside the signed assertion is never read.
 */
export function verifyAssertion(xml: string, signer: StsMaterial): VerifiedToken {
  let doc: Document;
  try {
    doc = parseXml(xml);
  } catch (err) {
    throw new TokenError(`The SAML token is not well-formed: ${(err as XmlError).message}.`);
  }
  const root = doc.documentElement;
  if (!is(root, NS.saml, 'Assertion')) throw new TokenError('The SAML token must be a single saml2:Assertion element.');
  const id = root.getAttribute('ID') ?? '';
  const signatures = childElements(root, NS.ds, 'Signature');
  if (signatures.length !== 1) throw new TokenError('The SAML token is not signed: it has no enveloped ds:Signature.');

  const sig = new SignedXml({ publicCert: signer.certPem, signatureAlgorithm: RSA_SHA256, canonicalizationAlgorithm: EXC_C14N });
  sig.loadSignature(signatures[0]);
  if (!check(sig, xml)) {
    throw new TokenError(
      signedByOther(signatures[0], xml)
        ? "The SAML token's signature is not valid: it was not signed by this server's STS."
        : "The SAML token's signature is not valid: the token was altered after it was signed.",
    );
  }
  const refs = sig.getReferences();
  if (refs.length !== 1 || refs[0].uri !== `#${id}` || id === '') {
    throw new TokenError("The SAML token's signature must cover exactly the assertion itself.");
  }
  const signed = parseXml(sig.getSignedReferences()[0]).documentElement;
  if (!is(signed, NS.saml, 'Assertion') || signed.getAttribute('ID') !== id) throw new TokenError("The SAML token's signature must cover exactly the assertion itself.");
  return readAssertion(signed, id);
}

function readAssertion(a: Element, id: string): VerifiedToken {
  const subject = child(a, NS.saml, 'Subject');
  const nameId = textOf(subject && child(subject, NS.saml, 'NameID'));
  if (!subject || !nameId) throw new TokenError('The SAML token names no subject.');
  const methods = childElements(subject, NS.saml, 'SubjectConfirmation').map((c) => c.getAttribute('Method'));
  if (methods.includes(HOK)) throw new TokenError('Holder-of-key SAML tokens are not accepted here: use a bearer token.');
  if (!methods.includes(BEARER)) throw new TokenError('The SAML token has no bearer subject confirmation.');
  const conditions = child(a, NS.saml, 'Conditions');
  const notBefore = parseXmlTime(conditions?.getAttribute('NotBefore') ?? undefined);
  const notOnOrAfter = parseXmlTime(conditions?.getAttribute('NotOnOrAfter') ?? undefined);
  if (!conditions || notBefore === undefined || notOnOrAfter === undefined) throw new TokenError('The SAML token has no validity period (Conditions NotBefore / NotOnOrAfter).');
  const proxy = child(conditions, NS.saml, 'ProxyRestriction');
  const renew = childElements(conditions, NS.saml, 'Condition').find((c) => (c.getAttributeNS(NS.xsi, 'type') ?? '').endsWith(':RenewRestrictionType'));
  return { id, subject: nameId, notBefore, notOnOrAfter, delegations: count(proxy), renewals: count(renew) };
}

/** A restriction's Count; an absent restriction allows nothing (our tokens always carry both). */
function count(el: Element | undefined): number {
  const n = Number(el?.getAttribute('Count') ?? '0');
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

function check(sig: SignedXml, xml: string): boolean {
  try {
    return sig.checkSignature(xml);
  } catch {
    return false;
  }
}

/** Whether the signature is sound under the certificate the token carries (not ours). */
function signedByOther(signature: Element, xml: string): boolean {
  const carried = signature.getElementsByTagNameNS(NS.ds, 'X509Certificate')[0]?.textContent?.replace(/\s+/g, '');
  if (!carried) return false;
  try {
    const cert = new X509Certificate(Buffer.from(carried, 'base64')).toString();
    const other = new SignedXml({ publicCert: cert });
    other.loadSignature(signature);
    return check(other, xml);
  } catch {
    return false;
  }
}

/**
 * The token of an `Authorization: SIGN token="..."` header: base64 of the gzipped assertion
 * (what VMware's clients send), or of the plain assertion.
 */
export function decodeSignToken(value: string): string {
  const bytes = Buffer.from(value.trim(), 'base64');
  if (bytes.length === 0) throw new TokenError('The SIGN token is empty: send token="<base64 of the gzipped saml2:Assertion>".');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes, { maxOutputLength: 1024 * 1024 }).toString('utf8');
    } catch {
      throw new TokenError('The SIGN token is not valid gzip data.');
    }
  }
  const text = bytes.toString('utf8');
  if (!text.trimStart().startsWith('<')) throw new TokenError('The SIGN token is neither a gzipped nor a plain SAML assertion in base64.');
  return text;
}

/** The validity period, with the clock tolerance an SSO domain allows between machines. */
export function checkValidity(t: VerifiedToken, now: number, toleranceMs: number): void {
  if (now + toleranceMs < t.notBefore) throw new TokenError(`The SAML token is not valid before ${new Date(t.notBefore).toISOString()}.`);
  if (now - toleranceMs >= t.notOnOrAfter) throw new TokenError(`The SAML token expired at ${new Date(t.notOnOrAfter).toISOString()}.`);
}
