import { afterAll, describe, expect, it } from 'vitest';
import type { PgStatus } from '../../src/domain/model.ts';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';

/** A status a release lacks never reaches its clients (data outlives a restart with an older --release). */
const apps: TestApp[] = [];
afterAll(async () => {
  for (const t of apps) await t.close();
});

async function shown(release: '8.0.3' | '9.0' | '9.1', status: PgStatus): Promise<string> {
  const t = await makeApp({ release });
  apps.push(t);
  const cluster = (await ids(t)).clusterA;
  const now = t.runtime.deps.clock.now();
  await t.runtime.deps.store.repos.groups.insert({
    id: 'pg-dr', clusterId: cluster, name: 'dr', status, locked: false, targetEntities: { vms: [] }, policies: [], createdAt: now, scheduleAnchor: now,
  });
  const one = (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${cluster}/protection-groups/pg-dr` })).json();
  const list = (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${cluster}/protection-groups` })).json();
  expect(list.items[0].info.status).toBe(one.status);
  return one.status;
}

describe('group statuses by release', () => {
  it('9.1 shows ransomware recovery; 9.0 shows it as DORMANT; 8.0.3 shows the DR states as PAUSED', async () => {
    expect(await shown('9.1', 'DORMANT_RANSOMWARE_RECOVERY')).toBe('DORMANT_RANSOMWARE_RECOVERY');
    expect(await shown('9.0', 'DORMANT_RANSOMWARE_RECOVERY')).toBe('DORMANT');
    expect(await shown('9.0', 'RECOVERY')).toBe('RECOVERY');
    expect(await shown('8.0.3', 'DEMOTED')).toBe('PAUSED');
    expect(await shown('8.0.3', 'DORMANT_RANSOMWARE_RECOVERY')).toBe('PAUSED');
  });
});
