import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { KeyedHistogram } from './histogram.ts';
import { registerProcessMetrics } from './process.ts';

/** Which door a request came through. */
export type Protocol = 'rest' | 'jsonrpc' | 'sts' | 'http';

/** One finished HTTP request, as the metrics see it. */
export interface RequestSample {
  protocol: Protocol;
  /** vAPI `service.operation`, a fixed route for the others, `unknown` when nothing matched. */
  operation: string;
  status: number;
  /** `success`, or the vAPI error kind (`NOT_FOUND`...), or `fault` (a JSON-RPC protocol error). */
  result: string;
  seconds: number;
}

/** What the scrape reads from the store when it is asked for. */
export interface StateSample {
  tasks: Array<{ kind: string; status: string; count: number }>;
  reverts: { pending: number; running: number; max: number };
  sessions: number;
}

/**
 * Everything the process measures. Instruments are per instance (not prom-client's global
 * registry) so that several servers in one process, as tests and embedders start them, each
 * report their own. With metrics off every method is a no-op and nothing is registered.
 */
export interface Metrics {
  readonly enabled: boolean;
  request(sample: RequestSample): void;
  /** One store statement (Kysely's query event); `statement` is select/insert/update/delete/other. */
  storeQuery(statement: string, seconds: number, failed: boolean): void;
  /** How late (service time) a scheduled snapshot was taken after it fell due. */
  schedulerLag(seconds: number): void;
  /**
   * Refreshes the gauges that mirror stored state, then renders the exposition text. `state`
   * resolves to undefined when the store does not answer: those gauges are then left out (NaN
   * for sessions) and `snapservice_store_up` reads 0, while what memory holds is still served.
   */
  render(state: () => Promise<StateSample | undefined>): Promise<string>;
  readonly contentType: string;
}

// Request latency spans a cached GET (~0.2 ms) to a login that hashes a password (~100 ms).
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const QUERY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2];
// Scheduled runs are taken within a scheduler pass of falling due; minutes mean a stalled process.
const LAG_BUCKETS = [0.001, 0.01, 0.1, 1, 5, 15, 60, 300, 900, 3600];

const requestLabels = (s: RequestSample) => ({ protocol: s.protocol, operation: s.operation, status: String(s.status), result: s.result });
const statementLabels = (statement: string) => ({ statement });

export function createMetrics(enabled: boolean): Metrics {
  return enabled ? new PromMetrics() : DISABLED;
}

const DISABLED: Metrics = {
  enabled: false,
  request: () => undefined,
  storeQuery: () => undefined,
  schedulerLag: () => undefined,
  render: async () => '',
  contentType: 'text/plain',
};

type RequestLabel = 'protocol' | 'operation' | 'status' | 'result';

/**
 * A request sample's series key, found through maps of its parts rather than built as a new
 * string on every request: that string was flattened, hashed and compared character by character
 * with the series' key, half of the metrics hook's time on a task GET. The parts are mostly the
 * same string objects from call to call (an operation's key, a route's protocol, 'success'),
 * whose hash V8 keeps. As many keys as series, which the histogram keeps anyway.
 */
class RequestKeys {
  private readonly keys = new Map<string, Map<number, Map<string, Map<string, string>>>>();

  of(s: RequestSample): string {
    let byStatus = this.keys.get(s.operation);
    if (!byStatus) this.keys.set(s.operation, (byStatus = new Map()));
    let byResult = byStatus.get(s.status);
    if (!byResult) byStatus.set(s.status, (byResult = new Map()));
    let byProtocol = byResult.get(s.result);
    if (!byProtocol) byResult.set(s.result, (byProtocol = new Map()));
    let key = byProtocol.get(s.protocol);
    if (key === undefined) byProtocol.set(s.protocol, (key = `${s.protocol} ${s.operation} ${s.status} ${s.result}`));
    return key;
  }
}

class PromMetrics implements Metrics {
  readonly enabled = true;
  private readonly registry = new Registry();
  private readonly requestSeconds: KeyedHistogram<RequestLabel>;
  private readonly querySeconds: KeyedHistogram<'statement'>;
  private readonly queryErrors: Counter<'statement'>;
  private readonly lag: Histogram;
  private readonly tasks: Gauge<'kind' | 'state'>;
  private readonly reverts: Gauge<'state'>;
  private readonly revertsMax: Gauge;
  private readonly sessions: Gauge;
  private readonly storeUp: Gauge;
  private readonly requestKeys = new RequestKeys();

  constructor() {
    const registers = [this.registry];
    registerProcessMetrics(this.registry);
    const requestSeconds = new KeyedHistogram<RequestLabel>({ name: 'snapservice_request_duration_seconds', help: 'Time from request received to response sent, by protocol, vAPI operation, HTTP status and result (success or vAPI error kind).', labelNames: ['protocol', 'operation', 'status', 'result'], buckets: REQUEST_BUCKETS, registers });
    this.requestSeconds = requestSeconds;
    // The counter is the histogram's count under its conventional name, filled at scrape time.
    new Counter<RequestLabel>({
      name: 'snapservice_requests_total', help: 'Requests by protocol, vAPI operation, HTTP status and result (success or vAPI error kind).', labelNames: ['protocol', 'operation', 'status', 'result'], registers,
      collect() {
        this.reset();
        for (const s of requestSeconds.entries()) this.inc(s.labels, s.count);
      },
    });
    this.querySeconds = new KeyedHistogram<'statement'>({ name: 'snapservice_store_query_duration_seconds', help: 'Store statement latency, by statement kind.', labelNames: ['statement'], buckets: QUERY_BUCKETS, registers });
    this.queryErrors = new Counter({ name: 'snapservice_store_query_errors_total', help: 'Store statements that failed, by statement kind.', labelNames: ['statement'], registers });
    this.lag = new Histogram({ name: 'snapservice_scheduler_lag_seconds', help: 'Service time between a scheduled snapshot falling due and being taken.', buckets: LAG_BUCKETS, registers });
    this.tasks = new Gauge({ name: 'snapservice_tasks', help: 'Stored tasks (unfinished, and finished ones within retention) by task kind and state.', labelNames: ['kind', 'state'], registers });
    this.reverts = new Gauge({ name: 'snapservice_reverts', help: 'Revert tasks counted against the cap (--max-concurrent-reverts), by state.', labelNames: ['state'], registers });
    this.revertsMax = new Gauge({ name: 'snapservice_reverts_max', help: 'Revert tasks allowed at once (--max-concurrent-reverts).', registers });
    this.sessions = new Gauge({ name: 'snapservice_sessions', help: 'Live API sessions (neither idle-expired nor past their maximum lifetime).', registers });
    this.storeUp = new Gauge({ name: 'snapservice_store_up', help: 'Whether the store answered the reads of this scrape (1) or not (0).', registers });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  request(s: RequestSample): void {
    this.requestSeconds.record(this.requestKeys.of(s), requestLabels, s, s.seconds);
  }

  storeQuery(statement: string, seconds: number, failed: boolean): void {
    this.querySeconds.record(statement, statementLabels, statement, seconds);
    if (failed) this.queryErrors.inc({ statement });
  }

  schedulerLag(seconds: number): void {
    this.lag.observe(seconds);
  }

  async render(state: () => Promise<StateSample>): Promise<string> {
    const s = await state();
    // Reset first: a kind/state pair with no tasks left must vanish, not keep its last value.
    this.tasks.reset();
    this.reverts.reset();
    this.storeUp.set(s ? 1 : 0);
    // An unlabelled gauge always has a sample; NaN says "unknown" where 0 would say "none".
    this.sessions.set(Number.NaN);
    if (s) {
      for (const t of s.tasks) this.tasks.set({ kind: t.kind, state: t.status }, t.count);
      this.reverts.set({ state: 'PENDING' }, s.reverts.pending);
      this.reverts.set({ state: 'RUNNING' }, s.reverts.running);
      this.revertsMax.set(s.reverts.max);
      this.sessions.set(s.sessions);
    }
    return this.registry.metrics();
  }
}
