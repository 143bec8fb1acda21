import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATER_OPERATIONS, type LaterOperation } from '../../src/modules/later/table.ts';
import { compareRelease } from '../../src/vapi/release.ts';
import { makeApp, type TestApp } from '../helpers/app.ts';
import { callError, userPass } from '../jsonrpc/client.ts';

/**
 * Vendor operations of later releases that we do not serve answer, after authentication, a vAPI
 * UNSUPPORTED error naming the operation and its release; served operations at the same path
 * keep their own behaviour. Below the release that added them they do not exist: 404
 * OPERATION_NOT_FOUND over REST and JSON-RPC alike. (The table is committed, so these run
 * without the spec files.)
 */
let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

function urlOf(e: LaterOperation, extra: Record<string, string> = {}): string {
  const path = e.path.replace(/\{(\w+)\}/g, (_, p: string) => `${p}-1`);
  const q = new URLSearchParams();
  if (e.action) q.set('action', e.action);
  for (const [k, v] of Object.entries(e.select ?? {})) q.set(k, v);
  if (e.task) q.set('vmw-task', 'true');
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

const display = (e: LaterOperation) => e.operationId.replace('_', '.');


describe('later-release operations we do not serve', () => {
  it('covers the 9.0 and 9.1 additions', () => {
    expect(LATER_OPERATIONS.length).toBeGreaterThan(0);
    expect(LATER_OPERATIONS.every((e) => /^9\./.test(e.since))).toBe(true);
  });

  it('answers 401 before anything else', async () => {
    for (const e of LATER_OPERATIONS) {
      const r = await t.req({ method: e.method, url: urlOf(e), as: null });
      expect(r.statusCode, e.operationId).toBe(401);
      expect(r.json().error_type).toBe('UNAUTHENTICATED');
    }
  });

  it('then answers 400 UNSUPPORTED naming the operation and the release that added it', async () => {
    for (const e of LATER_OPERATIONS) {
      const r = await t.req({ method: e.method, url: urlOf(e), as: 'readonly' });
      expect(r.statusCode, e.operationId).toBe(400);
      const body = r.json();
      expect(body.error_type).toBe('UNSUPPORTED');
      expect(body.messages[0].id).toBe('com.vmware.snapservice.operation.not_implemented');
      expect(body.messages[0].default_message).toBe(
        `${display(e)} (added in vSphere API ${e.since}) is not implemented by this server.`,
      );
      expect(body.messages[0].args).toEqual([display(e), e.since]);
    }
  });

  it('says so whatever the input: unknown query keys and bodies do not come first', async () => {
    const ransomware = LATER_OPERATIONS.find((e) => e.operationId === 'Snapservice.ProtectionGroups_startRansomwareRecovery$Task') as LaterOperation;
    const r = await t.req({ method: 'POST', url: urlOf(ransomware, { bogus: '1' }) });
    expect(r.statusCode).toBe(400);
    expect(r.json().messages[0].default_message).toMatch(/\(added in vSphere API 9\.1\.0\.0\) is not implemented/);
    const demote = LATER_OPERATIONS.find((e) => e.operationId === 'Snapservice.Clusters.ProtectionGroups_demote$Task') as LaterOperation;
    const d = await t.req({ method: 'POST', url: urlOf(demote), headers: { 'content-type': 'application/json' }, payload: '{not json' });
    expect(d.json().error_type).toBe('UNSUPPORTED');
  });

  it('leaves served operations at the same method and path to themselves', async () => {
    // pause is served; demote (9.0) shares its method and path and differs by action.
    const pause = await t.req({ method: 'POST', url: '/api/snapservice/clusters/domain-c404/protection-groups/pg-1?action=pause&vmw-task=true' });
    expect(pause.statusCode).toBe(404);
    expect(pause.json().error_type).toBe('NOT_FOUND');
    const demote = await t.req({ method: 'POST', url: '/api/snapservice/clusters/domain-c404/protection-groups/pg-1?action=demote&vmw-task=true' });
    expect(demote.json().error_type).toBe('UNSUPPORTED');
    // An action nobody has is still OPERATION_NOT_FOUND, and a later task operation without
    // vmw-task=true does not exist either.
    const unknown = await t.req({ method: 'POST', url: '/api/snapservice/clusters/domain-c404/protection-groups/pg-1?action=explode&vmw-task=true' });
    expect(unknown.json().error_type).toBe('OPERATION_NOT_FOUND');
    const noTask = await t.req({ method: 'POST', url: '/api/snapservice/clusters/domain-c404/protection-groups/pg-1?action=demote' });
    expect(noTask.json().error_type).toBe('OPERATION_NOT_FOUND');
  });
});

describe.each([
  ['8.0.3', '8.0.3.0'],
  ['9.0', '9.0.0.0'],
] as const)('with --release %s', (release, api) => {
  let r: TestApp;
  beforeAll(async () => {
    r = await makeApp({ release });
  });
  afterAll(() => r.close());
  const later = LATER_OPERATIONS.filter((e) => compareRelease(e.since, api) > 0);
  const current = LATER_OPERATIONS.filter((e) => compareRelease(e.since, api) <= 0);

  it('has no operation added after it: 404 OPERATION_NOT_FOUND over REST, whoever asks', async () => {
    expect(later.length).toBeGreaterThan(0);
    for (const e of later) {
      for (const as of ['admin', null] as const) {
        const res = await r.req({ method: e.method, url: urlOf(e), as });
        expect(res.statusCode, `${e.operationId} as ${as}`).toBe(404);
        expect(res.json().error_type).toBe('OPERATION_NOT_FOUND');
      }
    }
  });

  it('nor over JSON-RPC', async () => {
    for (const e of later) {
      const err = await callError(r, e.service, e.name, {}, userPass('admin'), 'OPERATION_NOT_FOUND');
      expect(err.messages[0].default_message, e.operationId).toMatch(/does not exist|has no operation/);
    }
  });

  it('answers UNSUPPORTED for the operations of its own release that are not served yet', async () => {
    expect(current.every((e) => e.since === api)).toBe(true);
    for (const e of current) {
      const res = await r.req({ method: e.method, url: urlOf(e), as: 'readonly' });
      expect(res.statusCode, e.operationId).toBe(400);
      expect(res.json().messages[0].args).toEqual([display(e), e.since]);
    }
  });

  it('still serves its own operations at the paths later operations share (pause beside demote)', async () => {
    const url = '/api/snapservice/clusters/domain-c404/protection-groups/pg-1?vmw-task=true&action=';
    expect((await r.req({ method: 'POST', url: `${url}pause` })).json().error_type).toBe('NOT_FOUND');
    const demote = await r.req({ method: 'POST', url: `${url}demote` });
    expect(demote.json().error_type).toBe(release === '8.0.3' ? 'OPERATION_NOT_FOUND' : 'UNSUPPORTED');
  });
});
