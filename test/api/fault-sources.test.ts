import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock/clock.ts';
import { testConfig } from '../../src/config/config.ts';
import { createRuntime } from '../../src/runtime.ts';
import { demoSeed } from '../../src/seed/demo.ts';
import { toLines } from '../../src/seed/records.ts';
import { ids, makeApp, USERS, type TestApp } from '../helpers/app.ts';
import { faultOf, issueRequest } from '../sts/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'snapservice-faults-'));
const file = (name: string, json: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(json));
  return path;
};
const VMS = 'com.vmware.snapservice.clusters.virtual_machines';
const busy = { type: 'ERROR', error_kind: 'SERVICE_UNAVAILABLE' };

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('fault rules from files', () => {
  it('loads --faults FILE at start ({"rules": [...]})', async () => {
    t = await makeApp({ faults: file('rules.json', { rules: [{ name: 'slow', match: { service: VMS, operation: 'list' }, effect: busy, after: 1 }] }) });
    const I = await ids(t);
    const list = () => t!.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines` });
    expect((await list()).statusCode).toBe(200);
    expect((await list()).statusCode).toBe(503);
    expect((await t.req({ method: 'GET', url: '/api/sim/faults' })).json()).toMatchObject([{ rule: 'fault-1', name: 'slow', matches: 2, hits: 1 }]);
  });

  it('loads the faults of a seed file at every start', async () => {
    const seed = { ...demoSeed({ groups: false }), faults: [{ match: { method: 'GET', path: '/api/snapservice/clusters/{cluster}/virtual-machines/{vm}' }, effect: busy }] };
    t = await makeApp({ seed: file('seed.json', seed) });
    const I = await ids(t);
    expect((await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${I.vm('web-01')}` })).statusCode).toBe(503);
  });

  it('loads the faults of a line seed at every start, the inventory lines left unparsed', async () => {
    const seed = { ...demoSeed({ groups: false }), faults: [{ match: { method: 'GET', path: '/api/snapservice/clusters/{cluster}/virtual-machines/{vm}' }, effect: busy }] };
    const path = join(dir, 'seed.jsonl');
    writeFileSync(path, [...toLines(seed)].join('\n'));
    const data = mkdtempSync(join(tmpdir(), 'snapservice-faults-data-'));
    for (let start = 0; start < 2; start++) {
      t = await makeApp({ seed: path, dataDir: data });
      const I = await ids(t);
      expect((await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${I.vm('web-01')}` })).statusCode).toBe(503);
      await t.close();
      t = undefined;
    }
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['no rules list', { rule: [] }, /expected \{"rules": \[\.\.\.\]\}/],
    ['a schema error', [{ match: { service: VMS }, effect: { type: 'BOOM' } }], /rules\[0\]\.effect\.type/],
    ['a rule naming nothing', [{ match: { service: 'com.example.nothing' }, effect: busy }], /rules\[0\]\.match/],
  ])('refuses to start with %s, saying where', async (_what, content, message) => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    const start = createRuntime(testConfig({ faults: path }), { clock: new ManualClock(0), wall: new ManualClock(0) });
    await expect(start).rejects.toThrow(message);
  });

  it('refuses a missing file', async () => {
    await expect(createRuntime(testConfig({ faults: join(dir, 'missing.json') }))).rejects.toThrow(/cannot read fault rules file/);
  });
});

describe('fault rules for the STS', () => {
  const sts = (app: TestApp, user: string, password: string) =>
    app.app.inject({ method: 'POST', url: '/sts/STSService/vsphere.local', headers: { 'content-type': 'text/xml' }, payload: issueRequest(app, { user, password }) });

  it('answer an injected error as the closest SOAP fault, for the user the rule names only', async () => {
    t = await makeApp();
    const res = await t.req({ method: 'POST', url: '/api/sim/faults', payload: { match: { service: 'com.vmware.cis.sts', operation: 'issue', user: USERS.operator.user }, effect: { type: 'ERROR', error_kind: 'SERVICE_UNAVAILABLE', message: 'Lookup service down' } } });
    expect(res.statusCode).toBe(201);
    expect((await sts(t, USERS.admin.user, USERS.admin.password)).statusCode).toBe(200);
    const refused = await sts(t, USERS.operator.user, USERS.operator.password);
    expect(refused.statusCode).toBe(500);
    expect(faultOf(refused)).toMatchObject({ code: 'wst:RequestFailed', text: 'Lookup service down' });
    const [entry] = (await t.req({ method: 'GET', url: `/api/sim/requests?user=${encodeURIComponent(USERS.operator.user)}` })).json();
    expect(entry).toMatchObject({ protocol: 'STS', status: 500, error: 'wst:RequestFailed' });
  });

  it('match the STS by its path too, and delay it', async () => {
    t = await makeApp();
    await t.req({ method: 'POST', url: '/api/sim/faults', payload: { match: { method: 'POST', path: '/sts/STSService/{domain}' }, effect: { type: 'LATENCY', delay_ms: 1500 } } });
    const delayed = t.runtime.deps.faults.nextDelay();
    const pending = sts(t, USERS.admin.user, USERS.admin.password);
    await delayed;
    await t.advance(1500);
    expect((await pending).statusCode).toBe(200);
  });
});
