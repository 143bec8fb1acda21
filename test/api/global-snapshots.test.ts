import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, makeApp, type TestApp, type Who } from '../helpers/app.ts';

let t: TestApp;
let I: Awaited<ReturnType<typeof ids>>;
beforeAll(async () => {
  t = await makeApp({ taskDelayMs: 1000, taskQueueMs: 0 });
  I = await ids(t);
});
afterAll(() => t.close());

const LIST = '/api/snapservice/virtual-machines/snapshots';

export function expectError(res: { statusCode: number; json(): any }, status: number, kind: string, text?: string) {
  expect(res.statusCode, res.statusCode === status ? undefined : JSON.stringify(res.json())).toBe(status);
  const body = res.json();
  expect(body.error_type).toBe(kind);
  if (text) expect(body.messages[0].default_message).toContain(text);
}

const list = async (query = '', as: Who = 'admin') => {
  const res = await t.req({ method: 'GET', url: `${LIST}${query ? `?${query}` : ''}`, as });
  expect(res.statusCode, res.payload).toBe(200);
  return res.json() as { snapshots: any[]; total_count: number };
};

describe('GET /api/snapservice/virtual-machines/snapshots', () => {
  it('lists every VM snapshot of every cluster by creation time, with a total', async () => {
    const all = await list();
    const expected = (await t.runtime.deps.store.repos.snapshots.list({})).length;
    expect(all.total_count).toBe(expected);
    expect(all.snapshots).toHaveLength(expected);
    const times = all.snapshots.map((s) => s.creation_time);
    expect([...times].sort()).toEqual(times);
    const first = all.snapshots[0];
    const vm = I.vms.find((v) => v.id === first.vm)!;
    expect(first).toEqual({
      name: 'daily-1', snapshot: expect.any(String), vm: vm.id, vm_bios_uuid: vm.biosUuid,
      creation_time: expect.stringMatching(/\.\d{3}Z$/), snapshot_type: 'ONE_TIME', labels: [],
    });
  });
});
