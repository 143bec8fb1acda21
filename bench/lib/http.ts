import { Agent, request as httpRequest } from 'node:http';

/**
 * A tiny keep-alive HTTP/1.1 client for setup steps and sequential latency loops. Load is
 * generated with autocannon (lib/load.ts); this is for one request at a time.
 */
export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json<T = any>(): T;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Objects are sent as JSON. */
  body?: unknown;
}

export class HttpClient {
  private readonly agent: Agent;
  private readonly base: URL;
  /** Headers sent with every request (e.g. the session token). */
  headers: Record<string, string> = {};

  constructor(baseUrl: string, opts: { maxSockets?: number } = {}) {
    this.base = new URL(baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 8 });
  }

  request(path: string, opts: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...this.headers, ...opts.headers };
    let payload: Buffer | undefined;
    if (opts.body !== undefined) {
      payload = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
      headers['content-type'] ??= 'application/json';
      headers['content-length'] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: this.base.hostname, port: this.base.port, path, method: opts.method ?? 'GET', headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text,
              json: () => JSON.parse(text),
            });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like request, but throws unless the status is the expected one. */
  async expect(status: number, path: string, opts: RequestOptions = {}): Promise<Response> {
    const res = await this.request(path, opts);
    if (res.status !== status) {
      throw new Error(`${opts.method ?? 'GET'} ${path}: expected ${status}, got ${res.status}: ${res.text.slice(0, 500)}`);
    }
    return res;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
