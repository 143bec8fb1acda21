import { describe, expect, it } from 'vitest';
import type { SimTransport } from '../../src/embed/http.ts';
import { createSimClient } from '../../src/embed/sim-client.ts';

/** The typed link and replica clients: camelCase here, the sim API's snake_case on the wire. */
function fake(replies: unknown[]): { t: SimTransport; calls: Array<[string, string, unknown]> } {
  const calls: Array<[string, string, unknown]> = [];
  return { calls, t: { call: async <T>(method: string, path: string, body?: unknown) => (calls.push([method, path, body]), replies.shift() as T) } };
}

describe('sim client: links and replicas', () => {
  it('sets, cuts, restores, reads and resets a link', async () => {
    const { t, calls } = fake([undefined, undefined, undefined, { cut: false, latency_ms: 20, bandwidth: 300 }, undefined]);
    const sim = createSimClient(t);
    await sim.links.set('site 1', { latencyMs: 20, bandwidth: 300 });
    await sim.links.cut('site 1');
    await sim.links.restore('site 1');
    expect(await sim.links.get('site 1')).toEqual({ cut: false, latencyMs: 20, bandwidth: 300 });
    await sim.links.reset('site 1');
    const path = '/api/sim/sites/site%201/link';
    expect(calls).toEqual([
      ['PUT', path, { latency_ms: 20, bandwidth: 300 }], ['PUT', path, { cut: true }], ['PUT', path, { cut: false }],
      ['GET', path, undefined], ['DELETE', path, undefined],
    ]);
  });

  it('reads a replica with dates and camelCase disks', async () => {
    const { t, calls } = fake([{
      site: 's', name: 'web-01', pg: 'pg-1',
      snapshots: [{ source_snapshot: 'snap-1', name: 'n', taken_at: '2026-01-01T00:00:00.000Z', received_at: '2026-01-01T00:01:00.000Z', disks: [{ key: 2000, block_size: 4096, blocks: 10, written_blocks: 2, digest: 'abc' }] }],
    }]);
    const replica = await createSimClient(t).replicas.get('vm-1');
    expect(calls).toEqual([['GET', '/api/sim/replica-vms/vm-1', undefined]]);
    expect(replica).toEqual({
      site: 's', name: 'web-01', pg: 'pg-1',
      snapshots: [{ sourceSnapshot: 'snap-1', name: 'n', takenAt: new Date('2026-01-01T00:00:00.000Z'), receivedAt: new Date('2026-01-01T00:01:00.000Z'), disks: [{ key: 2000, blockSize: 4096, blocks: 10, writtenBlocks: 2, digest: 'abc' }] }],
    });
  });
});
