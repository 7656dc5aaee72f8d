import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { CanceledResult, DoneResult, ErrorBody, FailedResult, PendingResult } from '@depict/contract';
import { GATE_STATUSES, RETRY_AFTER_HEADER, errorResponse } from './openapi-errors.js';
import { SUCCESS_EXAMPLES } from './openapi-examples.js';
import { EXPRESS_ROUTES } from './openapi-routes.js';
import type { AppRouter } from './router.js';

type Security = 'api' | 'metrics' | 'none';

interface OperationFacts {
  /** Who may call it: an API key (when API_KEYS is set), the metrics key, or anyone. */
  readonly security: Security;
  /** The error statuses it can answer with, besides the request gate's (401, 421, 429) where keys apply. */
  readonly errors: readonly number[];
}

/**
 * What the routers cannot say about each operation, by operationId: who may call it and
 * every error it can answer with. A store that stops answering is a 503; one that is full,
 * on a route that writes, a 507.
 */
const OPERATIONS: Record<string, OperationFacts> = {
  'job-submit': { security: 'api', errors: [400, 408, 413, 415, 422, 502, 503, 504, 507] },
  'job-status': { security: 'api', errors: [400, 404, 503] },
  'job-result': { security: 'api', errors: [400, 404, 503] },
  'job-events': { security: 'api', errors: [404, 503] },
  'job-list': { security: 'api', errors: [400, 503] },
  'job-delete': { security: 'api', errors: [400, 404, 409, 503, 507] },
  'job-retry': { security: 'api', errors: [400, 404, 409, 410, 503, 507] },
  'job-retryMany': { security: 'api', errors: [400, 503, 507] },
  'job-stats': { security: 'api', errors: [503] },
  health: { security: 'none', errors: [421] },
  ready: { security: 'api', errors: [] },
  metrics: { security: 'metrics', errors: [] },
  openapi: { security: 'api', errors: [] },
};

const SECURITY: Record<Security, Array<Record<string, string[]>>> = {
  // `{}`: without API_KEYS the server asks for no key.
  api: [{ ApiKey: [] }, {}],
  metrics: [{ MetricsKey: [] }, {}],
  none: [],
};

interface Operation {
  operationId?: string;
  security?: unknown;
  responses: Record<string, { content?: Record<string, Record<string, unknown>> } & Record<string, unknown>>;
}

/**
 * The API as OpenAPI 3.1: the tRPC procedures' REST routes generated from their zod
 * schemas, the routes express serves itself (openapi-routes.ts), then for every
 * operation its security, every error status it can answer and an example. `servers`
 * is filled in per request (withServer).
 */
export function buildOpenApiDocument(router: AppRouter, version: string): OpenAPIObject {
  const document = generateOpenApiDocument(router, {
    title: 'Depict',
    description:
      'Upload a PNG or JPEG, get a job id at once, then read the description when the background worker has written it. ' +
      'Errors are JSON `{error: {code, message}}`; the codes are stable.',
    version,
    baseUrl: '/',
    securitySchemes: {
      ApiKey: { type: 'http', scheme: 'bearer', description: 'One of API_KEYS. Needed only when the server sets API_KEYS.' },
      MetricsKey: { type: 'http', scheme: 'bearer', description: 'METRICS_KEY, for GET /metrics.' },
    },
    tags: [],
    defs: { ErrorBody },
    paths: EXPRESS_ROUTES,
  });
  document.tags = [
    { name: 'jobs', description: 'Submit images, follow their jobs, read and manage the results.' },
    { name: 'service', description: 'Liveness, readiness, metrics and this document.' },
  ];
  splitResultByStatus(document);
  const deleteJob = document.paths?.['/jobs/{job_id}']?.delete as Operation | undefined;
  if (!deleteJob) throw new Error('No DELETE /jobs/{job_id} in the document');
  deleteJob.responses['200']!.description = 'A queued job was canceled.';
  deleteJob.responses['204'] = { description: 'A finished job was deleted with its data.' };
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item as Record<string, Operation>)) {
      complete(operation, `${method.toUpperCase()} ${path}`);
    }
  }
  const schemas = document.components?.schemas ?? {};
  for (const name of Object.keys(schemas)) if (name.startsWith('error.')) delete schemas[name];
  return document;
}

/** The document with its one server: PUBLIC_URL, or else the origin the request was sent to. */
export function withServer(document: OpenAPIObject, url: string): OpenAPIObject {
  return { ...document, servers: [{ url: url.replace(/\/+$/, '') }] };
}

function complete(operation: Operation, name: string): void {
  const facts = operation.operationId ? OPERATIONS[operation.operationId] : undefined;
  if (!facts) throw new Error(`openapi.ts knows nothing of ${name} (${operation.operationId})`);
  operation.security = SECURITY[facts.security];
  // trpc-to-openapi's guesses (tRPC's error shape, 500) give way to what the route answers.
  // (GET /ready's 503 is its own report, not an error body.)
  for (const status of Object.keys(operation.responses)) {
    if (Number(status) >= 400 && !(operation.operationId === 'ready' && status === '503')) delete operation.responses[status];
  }
  const statuses = [...(facts.security === 'none' ? [] : GATE_STATUSES), ...facts.errors];
  for (const status of [...new Set(statuses)].sort()) operation.responses[String(status)] = errorResponse(status);
  for (const [status, example] of Object.entries(SUCCESS_EXAMPLES[operation.operationId!] ?? {})) {
    const media = Object.values(operation.responses[status]?.content ?? {})[0];
    if (!media) throw new Error(`No ${status} response in ${name} for its example`);
    media.example = example;
  }
}

/**
 * GET /result answers 200 with a finished job and 202 (with Retry-After) while it is
 * queued or processing; the router has one output schema for both.
 */
function splitResultByStatus(document: OpenAPIObject): void {
  const operation = document.paths?.['/result/{job_id}']?.get as Operation | undefined;
  if (!operation) throw new Error('No GET /result/{job_id} in the document');
  const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
  const ids = [DoneResult, FailedResult, CanceledResult, PendingResult].map((s) => s.meta()?.id as string);
  operation.responses['200'] = {
    description: 'The job is finished: done with its description, failed with its error, or canceled.',
    content: { 'application/json': { schema: { oneOf: ids.slice(0, 3).map(ref), discriminator: { propertyName: 'status' } } } },
  };
  operation.responses['202'] = {
    description: 'The job is queued or processing; ask again after Retry-After, or follow GET /events/{job_id}.',
    headers: RETRY_AFTER_HEADER,
    content: { 'application/json': { schema: ref(ids[3]!) } },
  };
}
