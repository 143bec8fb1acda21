import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { buildOpenApi, type OpenApiOptions } from '../vapi/openapi.ts';
import type { Operation } from '../vapi/operation.ts';

export const OPENAPI_PATH = '/api/openapi.json';
export const DOCS_PATH = '/docs';

/** Swagger UI's files, served from the installed `swagger-ui-dist` package: no CDN, works offline. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/**
 * Everything the page loads comes from this server; the policy makes that a rule (the page
 * never reaches a CDN or Swagger's online validator, which is also turned off).
 */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Snapservice API</title>
  <link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css">
  <link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-16x16.png" sizes="16x16">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
  <script src="${DOCS_PATH}/init.js"></script>
</body>
</html>
`;

/**
 * Swagger UI's configuration. "Authorize" offers Basic and the session header (the document's
 * security schemes); a session created from the page ("Try it out" on a session create) is
 * put into the session header for the calls that follow.
 *
 * Path keys carry the vAPI dispatch query (`.../{vm}?action=revert&vmw-task=true`, the vendor's
 * convention). Swagger UI's client only fills `{param}` in keys that are bare paths, so for
 * those it would send `%7Bvm%7D`; the plugin hands the request's parameter values to the
 * interceptor, which fills the placeholders it left. (The client builds and intercepts the
 * request synchronously inside executeRequest, so the values are those of this request.)
 */
const INIT = `(function () {
  var pendingParameters = null;
  function PathTemplatesWithQuery() {
    return { statePlugins: { spec: { wrapActions: { executeRequest: function (original) {
      return function (req) {
        pendingParameters = req.parameters || {};
        try { return original(req); } finally { pendingParameters = null; }
      };
    } } } } };
  }
  function fillPathParameters(req) {
    var values = pendingParameters;
    if (!values) return req;
    var q = req.url.indexOf('?');
    var path = q < 0 ? req.url : req.url.slice(0, q);
    var filled = path.replace(/(?:%7B|\\{)([^/{}%]+)(?:%7D|\\})/gi, function (whole, name) {
      var v = values['path.' + name];
      return v === undefined || v === null || v === '' ? whole : encodeURIComponent(String(v));
    });
    req.url = filled + (q < 0 ? '' : req.url.slice(q));
    return req;
  }
  function rememberSession(res) {
    try {
      var path = new URL(res.url, window.location.href).pathname;
      if (res.status === 201 && /^\\/api\\/(session|snapservice\\/sessions)$/.test(path) && typeof res.body === 'string') {
        window.ui.preauthorizeApiKey('api_key_auth', res.body);
      }
    } catch (e) { /* never break the response display */ }
    return res;
  }
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(OPENAPI_PATH)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    plugins: [PathTemplatesWithQuery],
    layout: 'BaseLayout',
    validatorUrl: null,
    displayOperationId: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    filter: true,
    requestInterceptor: fillPathParameters,
    responseInterceptor: rememberSession
  });
})();
`;

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function swaggerUiDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

/**
 * GET /api/openapi.json (the generated document) and GET /docs (Swagger UI on it). Both are
 * public, like the vendor's API explorer pages; every operation they describe still requires
 * authentication. Unknown files under /docs fall to the vAPI not-found handler.
 */
export function registerDocs(app: FastifyInstance, operations: readonly Operation[], opts: Pick<OpenApiOptions, 'notServed' | 'apiRelease'>): void {
  // Built once, up front: a definition the generator cannot describe fails startup, not a page.
  const document = JSON.stringify(buildOpenApi(operations, { ...opts, serverVersion: packageVersion() }));
  const assetDir = swaggerUiDir();
  const cache = new Map<string, Buffer>();

  app.get(OPENAPI_PATH, (_req, reply) => reply.type('application/json; charset=utf-8').header('cache-control', 'no-cache').send(document));

  app.get(DOCS_PATH, (_req, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).header('cache-control', 'no-cache').send(PAGE),
  );

  app.get(`${DOCS_PATH}/init.js`, (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(INIT));

  for (const [file, type] of Object.entries(ASSETS)) {
    app.get(`${DOCS_PATH}/${file}`, async (_req, reply) => {
      let body = cache.get(file);
      if (!body) {
        body = await readFile(join(assetDir, file));
        cache.set(file, body);
      }
      return reply.type(type).header('cache-control', 'public, max-age=3600').send(body);
    });
  }
}
