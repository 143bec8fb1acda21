import autocannon from 'autocannon';
import { cpuMs } from './cpu.ts';
import { percentileSorted } from './stats.ts';

/**
 * HTTP load with autocannon. Latency percentiles are computed here from every response's
 * own time (autocannon's histogram rounds to whole milliseconds, too coarse for a route that
 * answers in 0.3 ms).
 */
export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  method?: string;
  /** Path (and query) of every request; autocannon takes it from the URL, not an option. */
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Builds each request (rotate ids here); overrides method/path/headers/body. */
  setupRequest?: (req: autocannon.RawRequest) => autocannon.RawRequest;
  /** Called with each response's status and body (only when setupRequest is used). */
  onResponse?: (status: number, body: string) => void;
  /** Requests per second across all connections (open loop); unset: as fast as answered. */
  rate?: number;
}

export interface LoadResult {
  durationS: number;
  /** Completed responses, whatever their status. */
  responses: number;
  byStatus: Record<number, number>;
  /** Responses per second, whatever their status. */
  rps: number;
  /** Per-response latency in ms, all statuses. */
  latencies: number[];
  /** Per-response latency in ms, by status. */
  latenciesByStatus: Map<number, number[]>;
  errors: number;
  timeouts: number;
}

export function load(opts: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const latenciesByStatus = new Map<number, number[]>();
  return new Promise((resolve, reject) => {
    const requests: autocannon.Request[] | undefined = opts.setupRequest
      ? [{
          setupRequest: (req) => opts.setupRequest!(req),
          ...(opts.onResponse ? { onResponse: (status: number, body: string) => opts.onResponse!(status, body) } : {}),
        }]
      : undefined;
    const instance = autocannon(
      {
        url: opts.path ? new URL(opts.path, opts.url).href : opts.url,
        connections: opts.connections,
        duration: opts.durationS,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        body: opts.body,
        requests,
        ...(opts.rate ? { overallRate: opts.rate } : {}),
        timeout: 10,
      },
      (err, result) => {
        if (err) return reject(err);
        const byStatus: Record<number, number> = {};
        let responses = 0;
        for (const [code, { count }] of Object.entries(result.statusCodeStats)) {
          byStatus[Number(code)] = Number(count);
          responses += Number(count);
        }
        resolve({
          durationS: result.duration,
          responses,
          byStatus,
          rps: responses / result.duration,
          latencies,
          latenciesByStatus,
          errors: result.errors,
          timeouts: result.timeouts,
        });
      },
    );
    instance.on('response', (_client, status: number, _bytes: number, time: number) => {
      latencies.push(time);
      let list = latenciesByStatus.get(status);
      if (!list) latenciesByStatus.set(status, (list = []));
      list.push(time);
    });
  });
}

/** Throughput and latency of one GET route: a short warm-up, then the measured run. */
export interface GetThroughput {
  rps: number;
  p50: number;
  p99: number;
  responses: number;
  byStatus: Record<number, number>;
  errors: number;
  /** CPU the server (`pid`) used during the measured load, in ms; NaN when not known. */
  serverCpuMs: number;
}

export async function measureGet(url: string, path: string, opts: { headers?: Record<string, string>; connections: number; durationS: number; warmupS: number; pid?: number; rate?: number }): Promise<GetThroughput> {
  if (opts.warmupS > 0) await load({ url, path, headers: opts.headers, connections: opts.connections, durationS: opts.warmupS, rate: opts.rate });
  const before = opts.pid === undefined ? undefined : cpuMs(opts.pid);
  const r = await load({ url, path, headers: opts.headers, connections: opts.connections, durationS: opts.durationS, rate: opts.rate });
  const after = opts.pid === undefined ? undefined : cpuMs(opts.pid);
  if ((r.byStatus[200] ?? 0) !== r.responses || r.errors + r.timeouts > 0) {
    throw new Error(`GET ${path} answered ${JSON.stringify(r.byStatus)} with ${r.errors} errors and ${r.timeouts} timeouts; expected only 200`);
  }
  const sorted = [...r.latencies].sort((a, b) => a - b);
  return {
    rps: r.rps,
    p50: percentileSorted(sorted, 50),
    p99: percentileSorted(sorted, 99),
    responses: r.responses,
    byStatus: r.byStatus,
    errors: r.errors + r.timeouts,
    serverCpuMs: before === undefined || after === undefined ? Number.NaN : after - before,
  };
}
