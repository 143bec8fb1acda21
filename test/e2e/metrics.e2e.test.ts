import { afterEach, describe, expect, it } from 'vitest';
import { killAll, serve, stop } from '../helpers/cli.ts';
import { parseMetrics, value } from '../helpers/prometheus.ts';

// The real CLI: /metrics, /healthz and /readyz on the listening server, and --no-metrics.
afterEach(killAll);

const base = ['--port', '0', '--http', '--data', ':memory:', '--scrypt-cost', '10', '--log-level', 'silent'];

describe('snapservice serve: metrics and health', () => {
  it('serves Prometheus text, liveness and readiness without credentials', async () => {
    const cli = await serve(base);
    expect(cli.url, cli.stderr()).toMatch(/^http:\/\//);
    expect(await (await fetch(`${cli.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${cli.url}/readyz`)).json()).toEqual({ status: 'ready' });
    await fetch(`${cli.url}/api/vcenter/vm`);
    const res = await fetch(`${cli.url}/metrics`);
    expect(res.status).toBe(200);
    const m = parseMetrics(await res.text());
    expect(value(m, 'snapservice_requests_total', { protocol: 'rest', operation: 'com.vmware.vcenter.VM.list', status: '401', result: 'UNAUTHENTICATED' })).toBe(1);
    expect(value(m, 'snapservice_reverts_max')).toBe(4);
    expect(value(m, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect((await stop(cli)).code).toBe(0);
  });

  it('--no-metrics leaves health and readiness and removes /metrics', async () => {
    const cli = await serve([...base, '--no-metrics']);
    expect((await fetch(`${cli.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${cli.url}/readyz`)).status).toBe(200);
    expect((await stop(cli)).code).toBe(0);
  });
});
