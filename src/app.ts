import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Deps } from './context.ts';
import { registerBodyParsers } from './vapi/body.ts';
import { registerDocs } from './http/docs.ts';
import { handleError, registerErrorHandling } from './http/errors.ts';
import { limitOptions, refuseConnect } from './http/limits.ts';
import { entryOf } from './journal/journal.ts';
import { registerObservability } from './http/observability.ts';
import { requestLoggerFactory } from './http/request-log.ts';
import { allOperations } from './modules/index.ts';
import { isNotImplemented } from './modules/later/operations.ts';
import { REVERT_TASK } from './modules/vms/revert-task.ts';
import { registerSts } from './modules/sts/route.ts';
import { registerJsonRpc } from './vapi/jsonrpc/route.ts';
import { apiRelease } from './vapi/release.ts';
import { registerRest } from './vapi/rest.ts';

export interface AppOptions {
  /** TLS material for HTTPS; plain HTTP when absent. */
  https?: { key: string | Buffer; cert: string | Buffer };
}

/** Builds the HTTP app around ready dependencies. Never listens: main does, tests inject. */
export async function buildApp(deps: Deps, opts: AppOptions = {}): Promise<FastifyInstance> {
  const { node, ...limits } = limitOptions(deps.config);
  const serverOpts: FastifyServerOptions = {
    ...limits,
    loggerInstance: deps.log,
    logController: new LogController({ disableRequestLogging: !deps.config.logRequests }),
    bodyLimit: deps.config.bodyLimit,
    // Ids arrive in paths; odd ones (10 KB strings, unicode) must reach the handlers and be
    // answered NOT_FOUND rather than fall through the router.
    routerOptions: { maxParamLength: 16 * 1024, ignoreTrailingSlash: true },
    return503OnClosing: true,
    genReqId: () => crypto.randomUUID(),
    childLoggerFactory: requestLoggerFactory,
    // Errors Fastify raises before routing (an undecodable URL) take the same path as ours.
    frameworkErrors: (err, req, reply) => handleError(err, req, reply),
  };
  const app = (opts.https ? Fastify({ ...serverOpts, https: { ...node, ...opts.https } } as FastifyServerOptions) : Fastify({ ...serverOpts, http: node } as FastifyServerOptions)) as unknown as FastifyInstance;
  app.server.maxConnections = deps.config.maxConnections;
  refuseConnect(app.server);
  registerBodyParsers(app);
  registerErrorHandling(app);
  // First, so that its request hooks cover every route registered after it.
  registerObservability(app, deps, { revertKind: REVERT_TASK.kind });

  // A journalled call is recorded once its reply has gone, with the status it got. A
  // callback hook, and none at all without a journal: it runs on every request.
  if (deps.journal.enabled) {
    app.decorateRequest('journalEntry', null);
    app.addHook('onResponse', (req, reply, done) => {
      const entry = entryOf(req);
      if (entry) deps.journal.finish(entry, reply.statusCode, deps.clock.now());
      done();
    });
  }
  const operations = allOperations(deps.config);
  registerRest(app, deps, operations);
  registerJsonRpc(app, deps, operations);
  registerSts(app, deps);
  registerDocs(app, operations, { notServed: isNotImplemented, apiRelease: apiRelease(deps.config.release) });
  await app.ready();
  return app;
}
