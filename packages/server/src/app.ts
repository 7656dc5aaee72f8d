import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
// The package's index also loads swagger-ui's browser bundle (about 400 ms); only its path is needed.
import swaggerUiPath from 'swagger-ui-dist/absolute-path.js';
import cors from 'cors';
import helmet from 'helmet';
import { CODES, DepictError, errorBody, type ErrorCode } from '@depict/contract';
import { REPO_ROOT } from '@depict/core';
import type { RateLimit } from './rate-limit.js';
import { canonicalRequest, requestGate } from './request-gate.js';
import { UploadSlots } from './upload-slots.js';
import { UrlFetchSlots } from './url-batch.js';
import type { AppDeps } from './deps.js';
import { serverMetrics } from './metrics.js';
import { buildOpenApiDocument, withServer } from './openapi.js';
import { readiness } from './readiness.js';
import { requestLog } from './request-log.js';
import { restApi } from './rest-api.js';
import { jobEvents } from './job-events-route.js';
import { restSubmit } from './rest-upload.js';
import { appRouter } from './router.js';
import { MULTIPART_OVERHEAD_BYTES, type Context } from './trpc.js';

const PUBLIC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../public');
const WEB_DIR = path.join(REPO_ROOT, 'web');

/** The UI runs no inline code and loads nothing from elsewhere. */
const UI_CSP =
  "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
// Swagger UI sets inline styles on its elements.
const DOCS_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const withCsp =
  (policy: string): RequestHandler =>
  (_req, res, next) => {
    res.setHeader('Content-Security-Policy', policy);
    next();
  };

/**
 * tRPC's JSON calls need little room: the largest input, a prompt, is 1,000 characters.
 * Without this, every procedure read MAX_UPLOAD_MB of JSON before refusing it.
 */
const JSON_BODY_MAX_BYTES = 100 * 1024;

/**
 * The server: an outer app that logs every request and puts its target in canonical form
 * (request-gate.ts), around the app that routes it. Two apps, because express computes
 * an absolute-form target's scheme and host once, when a router starts on a request, and
 * puts them back in front of req.url at every mount point after; the inner app starts on
 * the canonical target, so every router in it reads the same path the gate decided on.
 */
export function createApp(deps: AppDeps, options: { version: string; rateLimit: RateLimit }): express.Express {
  const outer = express();
  outer.disable('x-powered-by');
  // Every request is logged, under the target it was sent with, whatever becomes of it.
  outer.use(
    requestLog(deps.logger, { quiet: (req, res) => res.statusCode < 400 && req.routeKind === 'public', level: deps.config.requestLogLevel }),
  );
  outer.use(canonicalRequest(deps.config));
  outer.use(routes(deps, options));
  outer.use(errorHandler(deps));
  return outer;
}

function routes(deps: AppDeps, options: { version: string; rateLimit: RateLimit }): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const metrics = serverMetrics(deps);
  const uploads = new UploadSlots(deps.config.uploads);
  const urlFetches = new UrlFetchSlots(deps.config.uploads.memoryBytes, deps.config.maxUploadBytes);
  const createContext = ({ req, res }: { req: express.Request; res: express.Response }): Context => ({ ...deps, req, res, uploads, urlFetches });

  app.use(metrics.httpTimer);
  // helmet's headers (nosniff, frame and referrer policies...); the CSPs are set per page below.
  app.use(helmet({ contentSecurityPolicy: false, crossOriginEmbedderPolicy: false }));
  // Cross-origin browser calls only from the origins listed in CORS_ORIGINS.
  if (deps.config.corsOrigins.length > 0) {
    app.use(
      cors({
        origin: [...deps.config.corsOrigins],
        methods: ['GET', 'POST', 'DELETE'],
        allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
        exposedHeaders: ['Retry-After', 'Location', 'X-Request-Id'],
        maxAge: 600,
      }),
    );
  }

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.use(requestGate(deps.config, options.rateLimit));
  app.get('/ready', async (_req, res) => {
    const report = await readiness(deps);
    res.status(report.ready ? 200 : 503).json(report);
  });
  // Prometheus text format; behind METRICS_KEY (request-gate.ts).
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.end(await metrics.registry.metrics());
  });

  app.post('/submit', ...restSubmit(deps, uploads, urlFetches));
  app.get('/events/:job_id', jobEvents(deps));

  const trpcMiddleware = (maxBodySize: number) =>
    createExpressMiddleware({
      router: appRouter,
      createContext,
      maxBodySize,
      // Our codes decide the status, including those tRPC has no code for (410, 421, 507).
      responseMeta: ({ errors }) => {
        const cause = errors.length === 1 ? errors[0]!.cause : undefined;
        return cause instanceof DepictError ? { status: cause.status } : {};
      },
      onError: ({ error, path: procedure }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') deps.logger.error({ err: error, procedure }, 'tRPC call failed');
      },
    });
  const trpcUpload = trpcMiddleware(deps.config.maxUploadBytes + MULTIPART_OVERHEAD_BYTES);
  const trpcJson = trpcMiddleware(JSON_BODY_MAX_BYTES);
  // Only the upload may send a large body; it is never batched (FormData goes alone).
  app.use('/trpc', (req, res, next) => (req.path === '/job.submit' ? trpcUpload : trpcJson)(req, res, next));

  const openApiDocument = buildOpenApiDocument(appRouter, options.version);
  app.get('/openapi.json', (req, res) => {
    // The Host header was checked against ALLOWED_HOSTS (request-gate.ts).
    res.json(withServer(openApiDocument, deps.config.publicUrl ?? `${req.protocol}://${req.get('host') ?? `${deps.config.host}:${deps.config.port}`}`));
  });
  app.get('/docs', withCsp(DOCS_CSP), (_req, res) => {
    res.sendFile(path.join(PUBLIC_DIR, 'docs.html'));
  });
  app.use('/docs', withCsp(DOCS_CSP), express.static(PUBLIC_DIR, { index: false }));
  app.use('/docs/swagger-ui', express.static(swaggerUiPath(), { index: false }));

  app.get('/', (_req, res) => {
    res.redirect(302, '/ui');
  });
  app.get('/ui', withCsp(UI_CSP), (_req, res) => {
    res.sendFile(path.join(WEB_DIR, 'index.html'));
  });
  // Browsers ask for /favicon.ico whatever the page links; the icon is an SVG, which they all read.
  app.get('/favicon.ico', (_req, res) => {
    res.sendFile(path.join(WEB_DIR, 'favicon.svg'), { maxAge: '1d' });
  });
  // The codes table as an ES module for the UI, made from the contract: the one place every code is written.
  const codesModule = `// Made by the server from @depict/contract's codes.ts.\nexport const CODES = ${JSON.stringify(CODES)};\n`;
  app.get('/static/codes.js', withCsp(UI_CSP), (_req, res) => {
    res.type('text/javascript').send(codesModule);
  });
  // Public: whatever is not a file here ends here, as a 404, and reaches no other route.
  app.use('/static', withCsp(UI_CSP), express.static(WEB_DIR, { index: false, fallthrough: false }));

  // GET /status/:job_id, GET /result/:job_id, and a JSON 404 for anything else.
  app.use(restApi(appRouter, createContext, deps));

  app.use(errorHandler(deps));
  return app;
}

/** The codes of the client errors that express and its middleware raise themselves. */
const CODE_OF_STATUS: Partial<Record<number, ErrorCode>> = { 404: 'not_found', 413: 'too_large', 415: 'unsupported_media_type' };

/** The last stop for REST errors: known ones by their code, everything else a 500 without details. */
function errorHandler(deps: AppDeps): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof DepictError) {
      if (err.retryAfterS !== undefined) res.setHeader('Retry-After', String(err.retryAfterS));
      res.status(err.status).json(errorBody(err.code, err.message));
      return;
    }
    // express.json() and friends mark client errors with a 4xx status.
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) {
      req.log.error({ err }, 'request failed');
      res.status(500).json(errorBody('internal', 'Internal server error.'));
      return;
    }
    deps.logger.debug({ err }, 'client error');
    res.status(status).json(errorBody(CODE_OF_STATUS[status] ?? 'bad_request', String(err.message ?? 'Bad request.')));
  };
}
