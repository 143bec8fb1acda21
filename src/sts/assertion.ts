import { randomUUID } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import type { StsMaterial } from './keys.ts';
import { esc, NS, xmlTime } from './xml.ts';

export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
export const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';

/** The SSO domain, the only one this STS serves. */
export const SSO_DOMAIN = 'vsphere.local';
/** vCenter's policy grants this many delegations / renewals to a token that allows them. */
export const MAX_DELEGATIONS = 10;
export const MAX_RENEWALS = 10;

const UPN = 'http://schemas.xmlsoap.org/claims/UPN';
const ENTITY = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const PASSWORD_TRANSPORT = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const PREVIOUS_SESSION = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PreviousSession';
const URI_FORMAT = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri';

export interface AssertionSpec {
  /** Canonical user name, `name@domain`. */
  user: string;
  /** Group names as the SSO domain writes them, `vsphere.local\Users`. */
  groups: string[];
  issuer: string;
  issuedAt: number;
  notBefore: number;
  notOnOrAfter: number;
  /** Delegations left (ProxyRestriction Count); 0: not delegatable. */
  delegations: number;
  /** Renewals left (RenewRestriction Count); 0: not renewable. */
  renewals: number;
  /** How the subject authenticated: a password (Issue) or an earlier token (Renew). */
  renewed?: boolean;
}

/** The Issuer vCenter writes: its SSO metadata URL for the domain. */
export function issuerFor(origin: string): string {
  return `${origin}/websso/SAML2/Metadata/${SSO_DOMAIN}`;
}

/**
 * A SAML 2.0 assertion in the shape vCenter's STS issues (and the vendor's profile allows:
 * `_<uuid>` ids, UTC times, UPN subject, bearer confirmation, RSA group attributes), signed
 * with an enveloped RSA-SHA256 signature over its exclusive canonical form.
 */
export function signedAssertion(spec: AssertionSpec, signer: StsMaterial): string {
  const id = `_${randomUUID()}`;
  const [name, domain] = splitUser(spec.user);
  const attribute = (friendly: string, uri: string, values: string[]) =>
    `<saml2:Attribute FriendlyName="${friendly}" Name="${uri}" NameFormat="${URI_FORMAT}">${values
      .map((v) => `<saml2:AttributeValue xsi:type="xs:string">${esc(v)}</saml2:AttributeValue>`)
      .join('')}</saml2:Attribute>`;
  const xml =
    `<saml2:Assertion xmlns:saml2="${NS.saml}" xmlns:xs="${NS.xs}" xmlns:xsi="${NS.xsi}" ID="${id}" IssueInstant="${xmlTime(spec.issuedAt)}" Version="2.0">` +
    `<saml2:Issuer Format="${ENTITY}">${esc(spec.issuer)}</saml2:Issuer>` +
    `<saml2:Subject><saml2:NameID Format="${UPN}">${esc(spec.user)}</saml2:NameID>` +
    `<saml2:SubjectConfirmation Method="${BEARER}"><saml2:SubjectConfirmationData NotOnOrAfter="${xmlTime(spec.notOnOrAfter)}"/></saml2:SubjectConfirmation></saml2:Subject>` +
    `<saml2:Conditions NotBefore="${xmlTime(spec.notBefore)}" NotOnOrAfter="${xmlTime(spec.notOnOrAfter)}">` +
    `<saml2:ProxyRestriction Count="${spec.delegations}"/>` +
    `<saml2:Condition xmlns:rsa="${NS.rsa}" Count="${spec.renewals}" xsi:type="rsa:RenewRestrictionType"/>` +
    `</saml2:Conditions>` +
    `<saml2:AuthnStatement AuthnInstant="${xmlTime(spec.issuedAt)}" SessionIndex="_${randomUUID()}" SessionNotOnOrAfter="${xmlTime(spec.notOnOrAfter)}">` +
    `<saml2:AuthnContext><saml2:AuthnContextClassRef>${spec.renewed ? PREVIOUS_SESSION : PASSWORD_TRANSPORT}</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>` +
    `<saml2:AttributeStatement>` +
    attribute('Groups', 'http://rsa.com/schemas/attr-names/2009/01/GroupIdentity', spec.groups) +
    attribute('givenName', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname', [name]) +
    attribute('surname', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname', [domain]) +
    attribute('Subject Type', 'http://vmware.com/schemas/attr-names/2011/07/isSolution', ['false']) +
    `</saml2:AttributeStatement></saml2:Assertion>`;

  const sig = new SignedXml({ privateKey: signer.keyPem, publicCert: signer.certPem, signatureAlgorithm: RSA_SHA256, canonicalizationAlgorithm: EXC_C14N });
  sig.addReference({ xpath: "/*[local-name()='Assertion']", transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: SHA256 });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: "/*[local-name()='Assertion']/*[local-name()='Issuer']", action: 'after' } });
  return sig.getSignedXml();
}

export function splitUser(user: string): [string, string] {
  const at = user.lastIndexOf('@');
  return at > 0 ? [user.slice(0, at), user.slice(at + 1)] : [user, SSO_DOMAIN];
}
