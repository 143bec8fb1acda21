import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, makeApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp({ seed: 'empty' });
});
afterAll(() => t.close());

describe('POST/GET/DELETE /api/session', () => {
  it('creates a session from Basic credentials and uses it', async () => {
    const created = await t.req({ method: 'POST', url: '/api/session' });
    expect(created.statusCode).toBe(201);
    const token = created.json();
    expect(typeof token).toBe('string');
    expect(token).toMatch(/^[0-9a-f]{64}$/);

    const info = await t.req({ method: 'GET', url: '/api/session', as: null, headers: { 'vmware-api-session-id': token } });
    expect(info.statusCode).toBe(200);
    expect(info.json()).toEqual({
      user: 'administrator@vsphere.local',
      created_time: '2026-11-27T09:00:00.000Z',
      last_accessed_time: '2026-11-27T09:00:00.000Z',
    });

    const about = await t.req({ method: 'GET', url: '/api/snapservice/info/about', as: null, headers: { 'vmware-api-session-id': token } });
    expect(about.statusCode).toBe(200);
    expect(about.json()).toEqual({ version: '9.1.0.0' });

    const del = await t.req({ method: 'DELETE', url: '/api/session', as: null, headers: { 'vmware-api-session-id': token } });
    expect(del.statusCode).toBe(204);
    const after = await t.req({ method: 'GET', url: '/api/session', as: null, headers: { 'vmware-api-session-id': token } });
    expect(after.statusCode).toBe(401);
    expect(after.json().error_type).toBe('UNAUTHENTICATED');
  });

  it('serves the same three operations at /api/snapservice/sessions (added in 9.0)', async () => {
    const created = await t.req({ method: 'POST', url: '/api/snapservice/sessions' });
    expect(created.statusCode).toBe(201);
    const headers = { 'vmware-api-session-id': created.json() };
    const info = await t.req({ method: 'GET', url: '/api/snapservice/sessions', as: null, headers });
    expect(info.statusCode).toBe(200);
    expect(info.json().user).toBe('administrator@vsphere.local');
    expect((await t.req({ method: 'GET', url: '/api/session', as: null, headers })).statusCode).toBe(200);
    expect((await t.req({ method: 'DELETE', url: '/api/snapservice/sessions', as: null, headers })).statusCode).toBe(204);
    expect((await t.req({ method: 'GET', url: '/api/snapservice/sessions', as: null, headers })).statusCode).toBe(401);
    expect((await t.req({ method: 'GET', url: '/api/snapservice/sessions' })).statusCode).toBe(401);
  });

  it('refuses wrong passwords without saying which part was wrong', async () => {
    const res = await t.req({ method: 'POST', url: '/api/session', as: null, headers: { authorization: basic('administrator@vsphere.local', 'nope') } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toContain('Basic');
    const unknown = await t.req({ method: 'POST', url: '/api/session', as: null, headers: { authorization: basic('nobody@vsphere.local', 'nope') } });
    expect(unknown.json().messages[0].default_message).toBe(res.json().messages[0].default_message);
  });

  it('expires sessions idle for 30 minutes of real time, not of simulated time', async () => {
    const token = (await t.req({ method: 'POST', url: '/api/session' })).json();
    await t.advance(3 * 3600_000);
    expect((await t.req({ method: 'GET', url: '/api/snapservice/info/about', as: null, headers: { 'vmware-api-session-id': token } })).statusCode).toBe(200);
    await t.wall.advance(31 * 60_000);
    const res = await t.req({ method: 'GET', url: '/api/snapservice/info/about', as: null, headers: { 'vmware-api-session-id': token } });
    expect(res.statusCode).toBe(401);
  });

  it('answers unknown routes with a vAPI error', async () => {
    const res = await t.req({ method: 'GET', url: '/api/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error_type).toBe('OPERATION_NOT_FOUND');
  });
});
