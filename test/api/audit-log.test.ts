import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeApp({ taskDelayMs: 0, taskQueueMs: 0 });
});
afterEach(() => t.close());

function capture(level: string): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  t.runtime.deps.log = pino({ level }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return lines;
}

describe('the audit log', () => {
  it('has one line per write, with the request id and the caller; none for reads', async () => {
    const lines = capture('info');
    const I = await ids(t);
    const vm = I.vm('web-01');
    const snaps = (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}/snapshots` })).json().items as Array<{ snapshot: string }>;
    const res = await t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}?action=revert&vmw-task=true`, payload: { snapshot: snaps[0].snapshot } });
    expect(res.statusCode).toBe(202);
    const audit = lines.filter((l) => l.audit === true);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ msg: 'audit', user: 'administrator@vsphere.local', cluster: I.clusterA, vm });
    expect(typeof audit[0].reqId).toBe('string');
  });

  it('is not written below the info level', async () => {
    const lines = capture('warn');
    const I = await ids(t);
    const vm = I.vm('web-01');
    const snaps = (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}/snapshots` })).json().items as Array<{ snapshot: string }>;
    await t.req({ method: 'POST', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}?action=revert&vmw-task=true`, payload: { snapshot: snaps[0].snapshot } });
    expect(lines.filter((l) => l.audit === true)).toEqual([]);
  });
});
