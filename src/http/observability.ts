import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Deps } from '../context.ts';
import type { Protocol, StateSample } from '../metrics/metrics.ts';

/** Probes and scrapes live outside the vAPI base path, as orchestrators and Prometheus expect. */
export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';
export const METRICS_PATH = '/metrics';

/** A store that has not answered a trivial read by then is as good as down for a probe. */
const READY_TIMEOUT_MS = 2000;

/**
 * GET /healthz (the process answers), GET /readyz (the store answers too) and, unless metrics
 * are off, GET /metrics with the request measurements behind it. None needs credentials:
 * probes and scrapers carry none, and none of them shows more than counts and timings.
 */
export function registerObservability(app: FastifyInstance, deps: Deps, opts: { revertKind: string }): void {
  app.get(HEALTH_PATH, async (_req, reply) => json(reply, 200, { status: 'ok' }));
  app.get(READY_PATH, async (req, reply) => {
    const problem = await storeProblem(deps);
    if (problem === undefined) return json(reply, 200, { status: 'ready' });
    req.log.warn({ problem }, 'not ready: the store does not answer');
    return json(reply, 503, { status: 'unavailable', store: problem.startsWith('timeout') ? 'timeout' : 'unreachable' });
  });
  if (!deps.metrics.enabled) return;

  const { metrics } = deps;
  // Fields rather than an onRequest hook that would make a trace object for every request.
  app.decorateRequest('vapiOperation', '');
  app.decorateRequest('vapiProtocol', '');
  app.decorateRequest('vapiError', '');
  app.addHook('onResponse', (req, reply, done) => {
    const status = reply.statusCode;
    let protocol: Protocol;
    let operation: string;
    if (req.vapiOperation) {
      protocol = req.vapiProtocol as Protocol;
      operation = req.vapiOperation;
    } else {
      // A getter that builds a new object on every read: only where no protocol layer noted
      // an operation (the route's own protocol and URL then name the request).
      const route = req.routeOptions;
      protocol = route.config?.protocol ?? 'http';
      operation = protocol === 'http' || protocol === 'sts' ? route.url ?? 'unknown' : 'unknown';
    }
    metrics.request({
      protocol,
      operation,
      status,
      result: req.vapiError || (status >= 400 ? 'fault' : 'success'),
      seconds: reply.elapsedTime / 1000,
    });
    done();
  });
  app.get(METRICS_PATH, async (req, reply) => {
    // A store that is down is when metrics matter most: serve what memory holds.
    const text = await metrics.render(() => stateSample(deps, opts.revertKind).catch((err: unknown) => {
      req.log.warn({ err }, 'metrics: the store does not answer');
      return undefined;
    }));
    return reply.code(200).type(metrics.contentType).send(text);
  });
}

function json(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type('application/json').send(JSON.stringify(body));
}

/** Undefined when the store answers a one-row read in time; otherwise why not. */
async function storeProblem(deps: Deps): Promise<string | undefined> {
  let cancel: () => void = () => undefined;
  const timeout = new Promise<string>((resolve) => {
    cancel = deps.wall.every(READY_TIMEOUT_MS, () => resolve(`timeout after ${READY_TIMEOUT_MS} ms`));
  });
  try {
    return await Promise.race([
      deps.store.repos.meta.get('rootFolder').then(() => undefined, (err: unknown) => (err instanceof Error ? err.message : String(err)) || 'error'),
      timeout,
    ]);
  } finally {
    cancel();
  }
}

async function stateSample(deps: Deps, revertKind: string): Promise<StateSample> {
  const { store, config, wall } = deps;
  const now = wall.now();
  const [tasks, sessions] = await Promise.all([
    store.repos.tasks.countByKindAndStatus(),
    store.repos.sessions.countLive(now - config.sessionIdleMs, now - config.sessionMaxMs),
  ]);
  const reverts = (status: string) => tasks.find((t) => t.kind === revertKind && t.status === status)?.count ?? 0;
  return { tasks, sessions, reverts: { pending: reverts('PENDING'), running: reverts('RUNNING'), max: config.maxConcurrentReverts } };
}
