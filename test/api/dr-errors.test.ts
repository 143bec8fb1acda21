import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { dr, twoSites, type TwoSites } from '../helpers/dr.ts';
import { json, task } from '../helpers/sites.ts';
import { callError, userPass } from '../jsonrpc/client.ts';

/** Every refusal of the DR operations, before a task exists: 401, 403, 404, each 400 kind. */
let s: TwoSites;
let a: TestApp;
let b: TestApp;
let local: string;

const ACTIONS = ['demote', 'promote', 'activate', 'start-ransomware-recovery', 'end-ransomware-recovery'];
const url = (cluster: string, pg: string, action: string, task = true) => (action.includes('ransomware')
  ? `/api/snapservice/protection-groups/${pg}?action=${action}`
  : `/api/snapservice/clusters/${cluster}/protection-groups/${pg}?action=${action}`) + (task ? '&vmw-task=true' : '');

beforeAll(async () => {
  s = await twoSites();
  ({ a, b } = s);
  const made = await a.req({
    method: 'POST', url: `/api/snapservice/clusters/${s.clusterA}/protection-groups?vmw-task=true`, headers: json,
    payload: { name: 'local-only', target_entities: { vm_name_patterns: ['db-*'] } },
  });
  local = (await task(a, made.json())).result;
});
afterAll(async () => {
  await a.close();
  await b.close();
});

async function refusal(t: TestApp, action: string, opts: { cluster?: string; pg?: string; as?: 'admin' | 'readonly' | null } = {}) {
  const r = await t.req({ method: 'POST', url: url(opts.cluster ?? s.clusterA, opts.pg ?? s.pg, action), as: opts.as === undefined ? 'admin' : opts.as });
  return { status: r.statusCode, type: r.json().error_type, id: r.json().messages?.[0]?.id, text: r.json().messages?.[0]?.default_message };
}

describe('DR operation refusals', () => {
  it('401 without credentials, before anything is looked up', async () => {
    for (const action of ACTIONS) {
      expect(await refusal(a, action, { as: null, pg: 'no-such-pg' })).toMatchObject({ status: 401, type: 'UNAUTHENTICATED' });
    }
  });

  it('404 for an unknown cluster or group, or a group of another cluster', async () => {
    for (const action of ['demote', 'promote', 'activate']) {
      expect(await refusal(a, action, { cluster: 'domain-c404' })).toMatchObject({ status: 404, type: 'NOT_FOUND', id: 'com.vmware.snapservice.cluster.not_found' });
      expect(await refusal(a, action, { pg: 'no-such-pg' })).toMatchObject({ status: 404, type: 'NOT_FOUND', id: 'com.vmware.snapservice.protection_group.not_found' });
      const other = (await a.req({ method: 'GET', url: '/api/vcenter/cluster' })).json().find((c: any) => c.cluster !== s.clusterA).cluster;
      expect(await refusal(a, action, { cluster: other })).toMatchObject({ status: 404, type: 'NOT_FOUND' });
    }
    for (const action of ['start-ransomware-recovery', 'end-ransomware-recovery']) {
      expect(await refusal(a, action, { pg: 'no-such-pg' })).toMatchObject({ status: 404, id: 'com.vmware.snapservice.protection_group.not_found' });
    }
  });

  it('403 naming Host.Config.Storage for a read-only user', async () => {
    for (const action of ACTIONS) {
      const r = await refusal(a, action, { as: 'readonly' });
      expect(r, action).toMatchObject({ status: 403, type: 'UNAUTHORIZED' });
      expect(r.text).toContain('Host.Config.Storage');
    }
  });

  it('404 OPERATION_NOT_FOUND without vmw-task=true', async () => {
    for (const action of ACTIONS) {
      const r = await a.req({ method: 'POST', url: url(s.clusterA, s.pg, action, false) });
      expect(r.statusCode, action).toBe(404);
      expect(r.json().error_type).toBe('OPERATION_NOT_FOUND');
    }
  });

  it('400 INVALID_ARGUMENT for an unknown query key', async () => {
    const r = await a.req({ method: 'POST', url: `${url(s.clusterA, s.pg, 'demote')}&bogus=1` });
    expect(r.statusCode).toBe(400);
    expect(r.json().error_type).toBe('INVALID_ARGUMENT');
  });

  it('400 UNSUPPORTED: demote and promote of a group without replication', async () => {
    for (const action of ['demote', 'promote']) {
      expect(await refusal(a, action, { pg: local })).toMatchObject({ status: 400, type: 'UNSUPPORTED', id: 'com.vmware.snapservice.pg.dr.no_replication' });
    }
  });

  it('400 ALREADY_IN_DESIRED_STATE: activate of an ACTIVE group', async () => {
    expect(await refusal(a, 'activate')).toMatchObject({ status: 400, type: 'ALREADY_IN_DESIRED_STATE' });
  });

  it('400 NOT_ALLOWED_IN_CURRENT_STATE for the transitions the state machine forbids', async () => {
    for (const action of ['promote', 'start-ransomware-recovery', 'end-ransomware-recovery']) {
      const r = await refusal(a, action);
      expect(r, action).toMatchObject({ status: 400, type: 'NOT_ALLOWED_IN_CURRENT_STATE', id: 'com.vmware.snapservice.pg.dr.state' });
      expect(r.text).toContain('not ACTIVE');
    }
  });

  it('400 NOT_ALLOWED_IN_CURRENT_STATE while another operation is in progress on the group', async () => {
    const config = a.runtime.deps.config as { taskDelayMs: number };
    config.taskDelayMs = 1000;
    try {
      const pause = await a.req({ method: 'POST', url: `/api/snapservice/clusters/${s.clusterA}/protection-groups/${s.pg}?action=pause&vmw-task=true` });
      expect(pause.statusCode).toBe(202);
      expect(await refusal(a, 'demote')).toMatchObject({ status: 400, type: 'NOT_ALLOWED_IN_CURRENT_STATE', id: 'com.vmware.snapservice.pg.busy' });
      await a.advance(1000);
      expect((await task(a, pause.json())).status).toBe('SUCCEEDED');
    } finally {
      config.taskDelayMs = 0;
    }
    // A PAUSED group may be demoted; a DEMOTED one refuses the other operations.
    expect((await dr(a, s.clusterA, s.pg, 'demote')).status).toBe('SUCCEEDED');
    expect(await refusal(a, 'activate')).toMatchObject({ status: 400, type: 'NOT_ALLOWED_IN_CURRENT_STATE' });
    const resume = await a.req({ method: 'POST', url: `/api/snapservice/clusters/${s.clusterA}/protection-groups/${s.pg}?action=resume&vmw-task=true` });
    expect(resume.json()).toMatchObject({ error_type: 'NOT_ALLOWED_IN_CURRENT_STATE', messages: [{ id: 'com.vmware.snapservice.pg.dr_state' }] });
  });

  it('the same refusals over JSON-RPC', async () => {
    const PGS = 'com.vmware.snapservice.clusters.protection_groups';
    const err = await callError(a, PGS, 'promote$task', { cluster: s.clusterA, pg: local }, userPass('admin'), 'UNSUPPORTED');
    expect(err.messages[0].id).toBe('com.vmware.snapservice.pg.dr.no_replication');
    await callError(a, 'com.vmware.snapservice.protection_groups', 'start_ransomware_recovery$task', { pg: 'no-such-pg' }, userPass('admin'), 'NOT_FOUND');
    await callError(a, PGS, 'activate$task', { cluster: s.clusterA, pg: s.pg }, userPass('readonly'), 'UNAUTHORIZED');
  });

  it('the peer question a promote asks is for paired sites only', async () => {
    const path = `/api/peer/dr/groups/${s.pg}`;
    expect((await a.req({ method: 'GET', url: path, as: null })).statusCode).toBe(401);
    const admin = await a.req({ method: 'GET', url: path });
    expect(admin.statusCode).toBe(404);
    expect(admin.json().messages[0].id).toBe('com.vmware.snapservice.site.not_found');
  });

  it('the simulation plane\'s replica view: 401, 403 without the simulation privilege, 404 for an unknown group', async () => {
    const path = (pg: string) => `/api/sim/protection-groups/${pg}/replicas`;
    expect((await b.req({ method: 'GET', url: path(s.pg), as: null })).statusCode).toBe(401);
    expect((await b.req({ method: 'GET', url: path(s.pg), as: 'readonly' })).json().error_type).toBe('UNAUTHORIZED');
    expect((await b.req({ method: 'GET', url: path('no-such-pg') })).json().error_type).toBe('NOT_FOUND');
    expect((await a.req({ method: 'GET', url: path(s.pg) })).json()).toEqual({ items: [] });
  });
});
