import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notImplemented } from '../../src/modules/later/operations.ts';
import { LATER_OPERATIONS, type LaterOperation } from '../../src/modules/later/table.ts';
import { makeApp, type TestApp } from '../helpers/app.ts';
import { callError, userPass } from '../jsonrpc/client.ts';

/**
 * Vendor operations of later releases that we do not serve would answer, after
 * authentication, a vAPI UNSUPPORTED error naming the operation and its release (src/modules/
 * later). Since the disaster-recovery operations every 9.0 and 9.1 operation is served, so the
 * table is empty; below the release that added an operation it does not exist: 404
 * OPERATION_NOT_FOUND over REST and JSON-RPC alike.
 */
describe('later-release operations we do not serve', () => {
  it('are none: every 9.0 and 9.1 operation of the vendor document is served', () => {
    expect(LATER_OPERATIONS).toEqual([]);
  });

  it('would be answered UNSUPPORTED naming the operation and the release that added it', () => {
    const e: LaterOperation = {
      operationId: 'Snapservice.Things_frob$Task', service: 'com.vmware.snapservice.things', name: 'frob$task', since: '9.2.0.0',
      method: 'POST', path: '/api/snapservice/things', task: true, query: [],
    };
    const err = notImplemented(e);
    expect(err.kind).toBe('UNSUPPORTED');
    expect(err.messages[0]).toMatchObject({
      id: 'com.vmware.snapservice.operation.not_implemented',
      default_message: 'Snapservice.Things.frob$Task (added in vSphere API 9.2.0.0) is not implemented by this server.',
      args: ['Snapservice.Things.frob$Task', '9.2.0.0'],
    });
  });
});

const PG_URL = '/api/snapservice/clusters/domain-c404/protection-groups/pg-1?vmw-task=true&action=';
const LATER = {
  '8.0.3': [
    { method: 'POST', url: `${PG_URL}demote`, service: 'com.vmware.snapservice.clusters.protection_groups', name: 'demote$task' },
    { method: 'POST', url: `${PG_URL}promote`, service: 'com.vmware.snapservice.clusters.protection_groups', name: 'promote$task' },
    { method: 'POST', url: `${PG_URL}activate`, service: 'com.vmware.snapservice.clusters.protection_groups', name: 'activate$task' },
  ],
  '9.0': [
    { method: 'POST', url: '/api/snapservice/protection-groups/pg-1?action=start-ransomware-recovery&vmw-task=true', service: 'com.vmware.snapservice.protection_groups', name: 'start_ransomware_recovery$task' },
    { method: 'POST', url: '/api/snapservice/protection-groups/pg-1?action=end-ransomware-recovery&vmw-task=true', service: 'com.vmware.snapservice.protection_groups', name: 'end_ransomware_recovery$task' },
  ],
} as const;

describe.each(['8.0.3', '9.0'] as const)('with --release %s', (release) => {
  let r: TestApp;
  beforeAll(async () => {
    r = await makeApp({ release });
  });
  afterAll(() => r.close());
  const later = release === '8.0.3' ? [...LATER['8.0.3'], ...LATER['9.0']] : LATER['9.0'];

  it('has no operation added after it: 404 OPERATION_NOT_FOUND over REST, whoever asks', async () => {
    for (const e of later) {
      for (const as of ['admin', null] as const) {
        const res = await r.req({ method: e.method, url: e.url, as });
        expect(res.statusCode, `${e.name} as ${as}`).toBe(404);
        expect(res.json().error_type).toBe('OPERATION_NOT_FOUND');
      }
    }
  });

  it('nor over JSON-RPC', async () => {
    for (const e of later) {
      const err = await callError(r, e.service, e.name, {}, userPass('admin'), 'OPERATION_NOT_FOUND');
      expect(err.messages[0].default_message, e.name).toMatch(/does not exist|has no operation/);
    }
  });

  it('still serves its own operations at the paths later operations share (pause beside demote)', async () => {
    expect((await r.req({ method: 'POST', url: `${PG_URL}pause` })).json().error_type).toBe('NOT_FOUND');
    const demote = await r.req({ method: 'POST', url: `${PG_URL}demote` });
    expect(demote.json().error_type).toBe(release === '8.0.3' ? 'OPERATION_NOT_FOUND' : 'NOT_FOUND');
  });
});
