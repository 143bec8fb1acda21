import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/config.ts';
import { makeApp, USERS, type TestApp } from '../helpers/app.ts';
import { assertionOf, faultOf, fixture, issueRequest, replay, type Captured } from './helpers.ts';

const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const STS = '/sts/STSService/vsphere.local';

let t: TestApp;
beforeEach(async () => {
  t = await makeApp();
});
afterEach(() => t.close());

/** A server whose real time is when the captured request was made (plus `ms`). */
async function atCaptureTime(c: Captured, ms = 0, config: ConfigInput = {}): Promise<void> {
  await t.close();
  t = await makeApp(config, { wallStart: c.created + ms });
}

const hasXmlsec = spawnSync('xmlsec1', ['--version']).status === 0;

/**
 * Checks the enveloped signature with a verifier that shares no code with the signer: xmlsec1
 * where installed, else xml-crypto's verifier given only the STS certificate.
 */
async function independentlyVerified(assertion: string): Promise<boolean> {
  const { certPem } = await t.runtime.deps.sts.material();
  if (!hasXmlsec) {
    const v = new SignedXml({ publicCert: certPem });
    v.loadSignature(new DOMParser().parseFromString(assertion, 'text/xml').getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature')[0]);
    return v.checkSignature(assertion);
  }
  const dir = mkdtempSync(join(tmpdir(), 'sts-'));
  try {
    writeFileSync(join(dir, 'a.xml'), assertion);
    writeFileSync(join(dir, 'cert.pem'), certPem);
    const r = spawnSync('xmlsec1', ['--verify', '--trusted-pem', join(dir, 'cert.pem'), '--id-attr:ID', `${SAML}:Assertion`, join(dir, 'a.xml')], { encoding: 'utf8' });
    return r.status === 0 && r.stderr.includes('OK');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function read(assertion: string) {
  const doc = new DOMParser().parseFromString(assertion, 'text/xml');
  const one = (local: string) => doc.getElementsByTagNameNS(SAML, local)[0];
  const conditions = one('Conditions');
  const renew = Array.from(conditions.getElementsByTagNameNS(SAML, 'Condition')).find((c) => c.getAttribute('xsi:type') === 'rsa:RenewRestrictionType');
  return {
    root: doc.documentElement,
    nameId: one('NameID'),
    notBefore: Date.parse(conditions.getAttribute('NotBefore')!),
    notOnOrAfter: Date.parse(conditions.getAttribute('NotOnOrAfter')!),
    delegations: Number(one('ProxyRestriction').getAttribute('Count')),
    renewals: Number(renew?.getAttribute('Count')),
    method: one('SubjectConfirmation').getAttribute('Method'),
    attributes: Array.from(doc.getElementsByTagNameNS(SAML, 'Attribute')),
    authnClass: one('AuthnContextClassRef').textContent,
    times: [...assertion.matchAll(/(?:NotBefore|NotOnOrAfter|IssueInstant|AuthnInstant)="([^"]+)"/g)].map((m) => m[1]),
  };
}

describe('the STS answers what pyVim.sso sends (captured requests replayed byte for byte)', () => {
  it('bearer, default lifetime: a signed assertion for the user, capped at the configured maximum, not delegatable', async () => {
    const c = fixture('bearer');
    await atCaptureTime(c);
    const res = await replay(t, c);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    expect(res.body).toContain('<wst:RequestSecurityTokenResponseCollection');
    const assertion = assertionOf(res);
    expect(await independentlyVerified(assertion)).toBe(true);
    const a = read(assertion);
    expect(a.nameId.textContent).toBe(USERS.admin.user);
    expect(a.notBefore).toBe(c.created);
    // pyVim asks for 600 s; vCenter's default policy (and ours) caps bearer tokens at 300 s.
    expect(a.notOnOrAfter - a.notBefore).toBe(300_000);
    expect([a.delegations, a.renewals]).toEqual([0, 0]);
  });

  it('delegatable with a 30 minute request (the vendor samples): delegatable, 30 minutes when the maximum allows it', async () => {
    const c = fixture('delegatable');
    await atCaptureTime(c, 0, { stsMaxTokenLifetimeMs: 3600_000 });
    const res = await replay(t, c);
    const a = read(assertionOf(res));
    expect(a.notOnOrAfter - a.notBefore).toBe(1800_000);
    expect(a.delegations).toBe(10);
    expect(res.body).toContain('<wst:Delegatable>true</wst:Delegatable>');
  });

  it('custom lifetime, renewable, another user: exactly the lifetime asked for, renewable, no admin group', async () => {
    const c = fixture('lifetime');
    await atCaptureTime(c);
    const assertion = assertionOf(await replay(t, c));
    expect(await independentlyVerified(assertion)).toBe(true);
    const a = read(assertion);
    expect(a.nameId.textContent).toBe(USERS.operator.user);
    expect(a.notOnOrAfter - a.notBefore).toBe(120_000);
    expect([a.delegations, a.renewals]).toEqual([0, 10]);
    expect(assertion).toContain('vsphere.local\\Users');
    expect(assertion).not.toContain('vsphere.local\\Administrators');
  });

  it('issues assertions that fit the vendor profile (ids, UTC times, NameID format, confirmation, attribute names)', async () => {
    const c = fixture('delegatable');
    await atCaptureTime(c);
    const assertion = assertionOf(await replay(t, c));
    const a = read(assertion);
    expect(a.root.getAttribute('ID')).toMatch(/^_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(a.root.getAttribute('Version')).toBe('2.0');
    for (const time of a.times) expect(time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d*)?Z$/);
    expect(a.nameId.getAttribute('Format')).toBe('http://schemas.xmlsoap.org/claims/UPN');
    expect(a.method).toBe('urn:oasis:names:tc:SAML:2.0:cm:bearer');
    expect(a.authnClass).toBe('urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport');
    const allowed = [
      'http://rsa.com/schemas/attr-names/2009/01/GroupIdentity',
      'http://vmware.com/schemas/attr-names/2011/07/isSolution',
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname',
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname',
    ];
    for (const attr of a.attributes) {
      expect(allowed).toContain(attr.getAttribute('Name'));
      expect(attr.getAttribute('NameFormat')).toBe('urn:oasis:names:tc:SAML:2.0:attrname-format:uri');
    }
    expect(assertion).toContain('vsphere.local\\Administrators');
  });

  it('the same on /sts/STSService without the domain; another domain is 404', async () => {
    const c = fixture('bearer');
    await atCaptureTime(c);
    expect((await replay(t, c, c.body, '/sts/STSService')).statusCode).toBe(200);
    const other = await replay(t, c, c.body, '/sts/STSService/example.com');
    expect(other.statusCode).toBe(404);
    expect(other.body).toContain('vsphere.local');
  });
});

describe('STS refusals: a SOAP 1.1 fault with HTTP 500, in the two-text-node shape pyVim parses', () => {
  const expectFault = (res: Awaited<ReturnType<typeof replay>>, code: string, text: RegExp) => {
    expect(res.statusCode).toBe(500);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    const f = faultOf(res);
    expect(f.code).toBe(code);
    expect(f.text).toMatch(text);
    expect(f.textNodes).toBe(2);
  };

  it('wrong password (captured): wst:FailedAuthentication', async () => {
    const c = fixture('wrong-password');
    await atCaptureTime(c);
    expectFault(await replay(t, c), 'wst:FailedAuthentication', /Invalid credentials/);
  });

  it('unknown user: the same fault, nothing tells the name does not exist', async () => {
    const res = await t.app.inject({ method: 'POST', url: STS, payload: issueRequest(t, { user: 'nobody@vsphere.local', password: 'x' }) });
    expectFault(res, 'wst:FailedAuthentication', /^Invalid credentials\.$/);
  });

  it('an expired request timestamp (past the clock tolerance): wsse:MessageExpired', async () => {
    const c = fixture('bearer');
    await atCaptureTime(c, 60_000 + 600_000 + 1);
    expectFault(await replay(t, c), 'wsse:MessageExpired', /expired at 2026-/);
  });

  it('holder-of-key (captured, certificate and signed request): wsse:UnsupportedSecurityToken saying so', async () => {
    const c = fixture('holder-of-key');
    await atCaptureTime(c);
    expectFault(await replay(t, c), 'wsse:UnsupportedSecurityToken', /Holder-of-key tokens are not issued/);
  });

  it('malformed XML, a non-SOAP document, an empty body, an unknown request type: wst:InvalidRequest', async () => {
    const c = fixture('bearer');
    await atCaptureTime(c);
    expectFault(await replay(t, c, c.body.slice(0, 400)), 'wst:InvalidRequest', /not well-formed/);
    expectFault(await replay(t, c, '<hello/>'), 'wst:InvalidRequest', /SOAP 1.1 Envelope/);
    expectFault(await replay(t, c, ''), 'wst:InvalidRequest', /no body/);
    expectFault(await replay(t, c, c.body.replace('200512/Issue<', '200512/Cancel<')), 'wst:InvalidRequest', /Cancel is not supported/);
    expectFault(await replay(t, c, c.body.replace('<Delegatable>false', '<Delegatable>maybe')), 'wst:InvalidRequest', /Delegatable must be true or false/);
    expectFault(await replay(t, c, c.body.replace(/<ns2:UsernameToken[^]*<\/ns2:UsernameToken>/, '')), 'wsse:InvalidSecurity', /no UsernameToken/);
  });

  it('XXE: an external entity is never resolved, the request is refused', async () => {
    const c = fixture('bearer');
    await atCaptureTime(c);
    const xxe = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY pw SYSTEM "file:///etc/passwd">]>${c.body.replace('>VMware1!<', '>&pw;<')}`;
    const res = await replay(t, c, xxe);
    expectFault(res, 'wst:InvalidRequest', /document type declarations are not allowed/);
    expect(res.body).not.toContain('root:');
  });

  it('billion laughs: refused at once, nothing expanded', async () => {
    const c = fixture('bearer');
    await atCaptureTime(c);
    const defs = ['<!ENTITY l0 "ha">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`)].join('');
    const bomb = `<?xml version="1.0"?><!DOCTYPE d [${defs}]>${c.body.replace('>VMware1!<', '>&l9;<')}`;
    const res = await replay(t, c, bomb);
    expectFault(res, 'wst:InvalidRequest', /document type declarations are not allowed/);
    expect(res.body.length).toBeLessThan(1000);
  });

  it('a lifetime that ends before it starts: wst:InvalidTimeRange', async () => {
    const c = fixture('bearer');
    await atCaptureTime(c);
    const body = c.body.replace(/(<Lifetime>[^]*?<ns3:Expires[^>]*>)[^<]*</, '$12020-01-01T00:00:00.000Z<');
    expectFault(await replay(t, c, body), 'wst:InvalidTimeRange', /ends before it starts/);
  });
});

describe('Renew and Validate', () => {
  const soap = (rst: string) =>
    `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><wst:RequestSecurityToken xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512">${rst}</wst:RequestSecurityToken></S:Body></S:Envelope>`;
  const renew = (a: string) => soap(`<wst:TokenType>${SAML}</wst:TokenType><wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Renew</wst:RequestType><wst:RenewTarget>${a}</wst:RenewTarget>`);
  const validate = (a: string) => soap(`<wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Validate</wst:RequestType><wst:ValidateTarget>${a}</wst:ValidateTarget>`);
  const post = (payload: string) => t.app.inject({ method: 'POST', url: STS, headers: { 'content-type': 'text/xml' }, payload });
  const issued = async (renewable: boolean) =>
    assertionOf(await post(issueRequest(t, { user: USERS.admin.user, password: USERS.admin.password, seconds: 200, renewable })));

  it('renews a renewable token: a new signed token for the same user with one renewal fewer', async () => {
    const old = await issued(true);
    await t.wall.advance(100_000);
    const res = await post(renew(old));
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<wst:RequestSecurityTokenResponse ');
    const fresh = assertionOf(res);
    expect(await independentlyVerified(fresh)).toBe(true);
    const a = read(fresh);
    expect(a.nameId.textContent).toBe(USERS.admin.user);
    expect(a.renewals).toBe(9);
    expect(a.notBefore).toBe(t.wall.now());
    expect(a.notOnOrAfter - a.notBefore).toBe(200_000);
    expect(a.authnClass).toBe('urn:oasis:names:tc:SAML:2.0:ac:classes:PreviousSession');
  });

  it('refuses to renew a token that is not renewable, altered or expired: wst:UnableToRenew', async () => {
    expect(faultOf(await post(renew(await issued(false))))).toMatchObject({ code: 'wst:UnableToRenew', text: 'The token is not renewable.' });
    const good = await issued(true);
    expect(faultOf(await post(renew(good.replace(USERS.admin.user, USERS.operator.user)))).text).toMatch(/altered/);
    await t.wall.advance(200_000 + 600_000);
    expect(faultOf(await post(renew(good))).text).toMatch(/expired/);
  });

  it('validates: a good token is valid, a bad one invalid with the reason', async () => {
    const good = await issued(false);
    const ok = await post(validate(good));
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('/status/valid</wst:Code>');
    const bad = await post(validate(good.replace('Count="0"', 'Count="10"')));
    expect(bad.body).toContain('/status/invalid</wst:Code>');
    expect(bad.body).toMatch(/<wst:Reason>[^<]*altered/);
  });
});
