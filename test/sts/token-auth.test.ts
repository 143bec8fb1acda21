import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signedAssertion } from '../../src/sts/assertion.ts';
import { stsKeys } from '../../src/sts/keys.ts';
import { ids, makeApp, USERS, type TestApp } from '../helpers/app.ts';
import { call, callError, O, rpc, S } from '../jsonrpc/client.ts';
import { samlBearer, signHeader, token } from './helpers.ts';

const VMS = 'com.vmware.snapservice.clusters.virtual_machines';
const CHALLENGE = /^SIGN realm="[0-9a-f-]{36}",sts="http:\/\/localhost:80\/sts\/STSService\/vsphere\.local", Basic realm="snapservice"$/;

let t: TestApp;
beforeEach(async () => {
  t = await makeApp({ taskDelayMs: 2000 });
});
afterEach(() => t.close());

const admin = (opts: { delegatable?: boolean; seconds?: number } = {}) => token(t, { user: USERS.admin.user, password: USERS.admin.password, ...opts });
const rest = (url: string, authorization: string, method: 'GET' | 'POST' = 'GET') => t.req({ method, url, as: null, headers: { authorization } });

describe('SAML bearer tokens over JSON-RPC (the vAPI runtime: create_saml_bearer_security_context)', () => {
  it.each(['/api', '/snapservice'])('STS -> revert on %s with the token on every call (the sample clients) -> task polled to SUCCEEDED', async (path) => {
    const I = await ids(t);
    const sec = samlBearer(await admin({ delegatable: true, seconds: 1800 }));
    const vms = await call(t, VMS, 'list', { cluster: I.clusterA, filter: O() }, sec, path);
    const web = vms.items.find((i: { info: { name: string } }) => i.info.name === 'web-01');
    const snaps = await call(t, `${VMS}.snapshots`, 'list', { cluster: I.clusterA, vm: web.vm, filter: O() }, sec, path);
    const target = snaps.items.find((s: { info: { name: string } }) => s.info.name === 'daily-1');
    const task = await call(t, VMS, 'revert$task', { cluster: I.clusterA, vm: web.vm, spec: S(`${VMS}.revert_spec`, { snapshot: target.snapshot }) }, sec, path);
    // VMware's create_protection_group.py reads progress.completed on its first poll: the
    // task has started by the time its id comes back.
    const first = await call(t, 'com.vmware.snapservice.tasks', 'get', { task }, sec, path);
    expect(first.status).toBe('RUNNING');
    expect(first.progress).toMatchObject({ completed: 0 });
    await t.advance(3000);
    const done = await call(t, 'com.vmware.snapservice.tasks', 'get', { task }, sec, path);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.user).toBe(USERS.admin.user);
  });

  it('session create with a delegatable token on /api and /snapservice; the session then works alone', async () => {
    const assertion = await admin({ delegatable: true });
    for (const path of ['/api', '/snapservice']) {
      const { reply } = await rpc(t, 'com.vmware.cis.session', 'create', {}, samlBearer(assertion), path);
      expect(reply.output?.t).toBe('SECRET');
      const sessionId = (reply.output as { v: string }).v;
      const info = await call(t, 'com.vmware.cis.session', 'get', {}, { schemeId: 'com.vmware.vapi.std.security.session_id', sessionId }, path);
      expect(info.user).toBe(USERS.admin.user);
    }
  });

  it('a token that is not delegatable serves operations but cannot create a session (the spec 401 says so)', async () => {
    const sec = samlBearer(await admin({ delegatable: false }));
    expect(await call(t, 'com.vmware.vcenter.cluster', 'list', { filter: O() }, sec)).toHaveLength(2);
    const e = await callError(t, 'com.vmware.cis.session', 'create', {}, sec, 'UNAUTHENTICATED');
    expect(e.messages[0].default_message).toMatch(/needs a delegatable SAML token/);
    expect(e.challenge).toMatch(CHALLENGE);
  });

  it("the caller is the token's user with that user's privileges", async () => {
    const I = await ids(t);
    const sec = samlBearer(await token(t, { user: USERS.readonly.user, password: USERS.readonly.password }));
    const e = await callError(t, VMS, 'revert$task', { cluster: I.clusterA, vm: I.vm('web-01'), spec: S(`${VMS}.revert_spec`, { snapshot: 'x' }) }, sec, 'UNAUTHORIZED');
    expect(e.messages[0].default_message).toContain(USERS.readonly.user);
  });

  it('holder-of-key contexts and a context without samlToken are UNAUTHENTICATED saying why', async () => {
    const hok = await callError(t, 'com.vmware.vcenter.cluster', 'list', { filter: O() }, { schemeId: 'com.vmware.vapi.std.security.saml_hok_token', samlToken: 'x' }, 'UNAUTHENTICATED');
    expect(hok.messages[0].default_message).toMatch(/Holder-of-key/);
    const empty = await callError(t, 'com.vmware.cis.session', 'create', {}, { schemeId: 'com.vmware.vapi.std.security.saml_bearer_token' }, 'UNAUTHENTICATED');
    expect(empty.messages[0].default_message).toMatch(/samlToken/);
  });
});

describe('Authorization: SIGN over REST', () => {
  it('POST /api/session and /api/snapservice/sessions with a delegatable token return a session', async () => {
    const header = signHeader(await admin({ delegatable: true }));
    for (const url of ['/api/session', '/api/snapservice/sessions']) {
      const res = await rest(url, header, 'POST');
      expect(res.statusCode).toBe(201);
      const session = res.json() as string;
      const me = await t.req({ method: 'GET', url, as: null, headers: { 'vmware-api-session-id': session } });
      expect(me.json().user).toBe(USERS.admin.user);
    }
  });

  it('any operation accepts the header (gzipped or plain assertion)', async () => {
    const assertion = await admin();
    expect((await rest('/api/vcenter/cluster', signHeader(assertion))).json()).toHaveLength(2);
    const plain = `SIGN token="${Buffer.from(assertion).toString('base64')}"`;
    expect((await rest('/api/snapservice/info/about', plain)).statusCode).toBe(200);
  });
});

describe('every token an appliance refuses: UNAUTHENTICATED naming the reason, with the SIGN challenge', () => {
  const refused = async (authorization: string, reason: RegExp) => {
    const res = await rest('/api/vcenter/cluster', authorization);
    expect(res.statusCode).toBe(401);
    expect(res.json().error_type).toBe('UNAUTHENTICATED');
    expect(res.json().messages[0].default_message).toMatch(reason);
    expect(res.json().challenge).toMatch(CHALLENGE);
    expect(res.headers['www-authenticate']).toMatch(CHALLENGE);
  };
  const spec = (user: string, now: number) => ({ user, groups: [], issuer: 'https://elsewhere', issuedAt: now, notBefore: now, notOnOrAfter: now + 300_000, delegations: 10, renewals: 0 });

  it('signed by another STS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sts-other-'));
    try {
      const foreign = await stsKeys({ dataDir: dir, now: () => t.wall.now() }).material();
      expect(foreign.certPem).not.toBe((await t.runtime.deps.sts.material()).certPem);
      await refused(signHeader(signedAssertion(spec(USERS.admin.user, t.wall.now()), foreign)), /not signed by this server's STS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('altered after signing (a different user, a longer lifetime, the signature removed)', async () => {
    const a = await admin();
    await refused(signHeader(a.replace(`>${USERS.admin.user}<`, `>${USERS.operator.user}<`)), /altered after it was signed/);
    await refused(signHeader(a.replace(/NotOnOrAfter="2026/g, 'NotOnOrAfter="2036')), /altered after it was signed/);
    await refused(signHeader(a.replace(/<ds:Signature[^]*<\/ds:Signature>/, '')), /not signed/);
  });

  it('expired, past the clock tolerance (real time, like sessions); within it still accepted', async () => {
    const a = await admin({ seconds: 60 });
    await t.wall.advance(60_000 + 600_000 - 1);
    expect((await rest('/api/vcenter/cluster', signHeader(a))).statusCode).toBe(200);
    await t.wall.advance(1);
    await refused(signHeader(a), /expired at/);
  });

  it('not valid yet, past the tolerance', async () => {
    const signer = await t.runtime.deps.sts.material();
    const now = t.wall.now();
    const future = signedAssertion({ ...spec(USERS.admin.user, now), notBefore: now + 700_000, notOnOrAfter: now + 900_000 }, signer);
    await refused(signHeader(future), /not valid before/);
  });

  it('for a user that does not exist here', async () => {
    const signer = await t.runtime.deps.sts.material();
    await refused(signHeader(signedAssertion(spec('ghost@vsphere.local', t.wall.now()), signer)), /subject ghost@vsphere.local is not a known user/);
  });

  it('malformed: not base64 gzip of XML, broken XML, a DOCTYPE, holder-of-key SIGN, no token', async () => {
    await refused('SIGN token="bm90IHhtbA=="', /neither a gzipped nor a plain SAML assertion/);
    await refused(`SIGN token="${gzipSync(Buffer.from('<saml2:Assertion')).toString('base64')}"`, /not well-formed/);
    await refused(signHeader('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'), /document type declarations/);
    await refused(`${signHeader('<a/>')}, signature_alg="RSA-SHA256", signature="abc"`, /Holder-of-key/);
    await refused('SIGN realm="x"', /needs token=/);
  });

  it('over JSON-RPC the challenge travels in the error too', async () => {
    const e = await callError(t, 'com.vmware.vcenter.cluster', 'list', { filter: O() }, samlBearer('<nope/>'), 'UNAUTHENTICATED');
    expect(e.messages[0].default_message).toMatch(/single saml2:Assertion/);
    expect(e.challenge).toMatch(CHALLENGE);
  });
});
