import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scryptRuns } from '../../src/security/passwords.ts';
import { basic, makeApp, USERS, type TestApp } from '../helpers/app.ts';

/**
 * Password logins under attack: what a flood of wrong passwords costs (counted in scrypt runs,
 * not time), whom it locks out, and for how long.
 */
let t: TestApp;
beforeEach(async () => (t = await makeApp()));
afterEach(() => t.close());

const ADMIN = USERS.admin.user;
const login = (user: string, password: string, from: string) =>
  t.app.inject({ method: 'POST', url: '/api/session', headers: { authorization: basic(user, password) }, remoteAddress: from });

async function expectLocked(res: Awaited<ReturnType<typeof login>>) {
  expect(res.statusCode).toBe(401);
  expect(res.json()).toMatchObject({ error_type: 'UNAUTHENTICATED', messages: [{ id: 'com.vmware.snapservice.session.locked' }] });
}

describe('login failure budgets', () => {
  it('50 concurrent guesses hash only the budget; then nothing is hashed and only that address is locked', async () => {
    const before = scryptRuns();
    const guesses = await Promise.all(Array.from({ length: 50 }, (_, i) => login(ADMIN, `guess-${i}`, '10.0.0.66')));
    expect(guesses.every((r) => r.statusCode === 401)).toBe(true);
    expect(scryptRuns() - before).toBe(5);
    expect(guesses.filter((r) => r.json().messages[0].id === 'com.vmware.snapservice.session.locked')).toHaveLength(45);

    const spent = scryptRuns();
    for (let i = 0; i < 100; i++) expect((await login(ADMIN, `more-${i}`, '10.0.0.66')).statusCode).toBe(401);
    await expectLocked(await login(ADMIN, USERS.admin.password, '10.0.0.66'));
    expect(scryptRuns()).toBe(spent);

    // The administrator elsewhere, and other users at that address, are not affected.
    expect((await login(ADMIN, USERS.admin.password, '10.0.0.1')).statusCode).toBe(201);
    expect((await login(USERS.readonly.user, USERS.readonly.password, '10.0.0.66')).statusCode).toBe(201);
  });

  it('a script retrying one stale password hashes it once and locks nobody out', async () => {
    const before = scryptRuns();
    for (let i = 0; i < 100; i++) expect((await login(ADMIN, 'stale-password', '10.0.0.7')).statusCode).toBe(401);
    expect(scryptRuns() - before).toBe(1);
    expect((await login(ADMIN, USERS.admin.password, '10.0.0.7')).statusCode).toBe(201);
  });

  it('an address that fails for many user names is locked for all of them', async () => {
    for (let i = 0; i < 20; i++) expect((await login(`user${i}@vsphere.local`, 'x', '10.0.0.9')).statusCode).toBe(401);
    await expectLocked(await login(USERS.readonly.user, USERS.readonly.password, '10.0.0.9'));
    expect((await login(USERS.readonly.user, USERS.readonly.password, '10.0.0.10')).statusCode).toBe(201);
  });

  it('a lock lifts after the lockout time of real time; sessions made before it keep working', async () => {
    const token = (await login(ADMIN, USERS.admin.password, '10.0.0.5')).json();
    for (let i = 0; i < 5; i++) await login(ADMIN, `wrong-${i}`, '10.0.0.5');
    await expectLocked(await login(ADMIN, USERS.admin.password, '10.0.0.5'));
    const about = await t.app.inject({ method: 'GET', url: '/api/snapservice/info/about', headers: { 'vmware-api-session-id': token }, remoteAddress: '10.0.0.5' });
    expect(about.statusCode).toBe(200);
    await t.wall.advance(299_000);
    await expectLocked(await login(ADMIN, USERS.admin.password, '10.0.0.5'));
    await t.wall.advance(1000);
    expect((await login(ADMIN, USERS.admin.password, '10.0.0.5')).statusCode).toBe(201);
  });

  it('failures spread beyond the window never add up to a lock', async () => {
    for (let i = 0; i < 12; i++) {
      expect((await login(ADMIN, `slow-${i}`, '10.0.0.8')).json().messages[0].id).toBe('com.vmware.snapservice.session.unauthenticated');
      await t.wall.advance(60_000);
    }
    expect((await login(ADMIN, USERS.admin.password, '10.0.0.8')).statusCode).toBe(201);
  });

  it('Basic on any operation and JSON-RPC logins spend the same budget', async () => {
    for (let i = 0; i < 4; i++) {
      await t.app.inject({ method: 'GET', url: '/api/vcenter/vm', headers: { authorization: basic(ADMIN, `w-${i}`) }, remoteAddress: '10.0.0.4' });
    }
    const rpc = await t.app.inject({
      method: 'POST', url: '/api', remoteAddress: '10.0.0.4',
      payload: { jsonrpc: '2.0', id: 1, method: 'invoke', params: {
        serviceId: 'com.vmware.cis.session', operationId: 'create', input: { STRUCTURE: { operation_input: {} } },
        ctx: { appCtx: {}, securityCtx: { schemeId: 'com.vmware.vapi.std.security.user_pass', userName: ADMIN, password: 'w-5' } },
      } },
    });
    expect(rpc.statusCode).toBe(200);
    await expectLocked(await login(ADMIN, USERS.admin.password, '10.0.0.4'));
  });
});
