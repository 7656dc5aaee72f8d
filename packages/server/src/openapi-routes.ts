import { z } from 'zod';
import type { GenerateOpenApiDocumentOptions } from 'trpc-to-openapi';
import { BatchSubmitResponse, ErrorBody, JobId, JobOptions, SubmitResponse } from '@depict/contract';

/**
 * The routes express serves itself, outside tRPC, in the form trpc-to-openapi merges
 * into the document: the multipart upload, the event stream, liveness, readiness,
 * metrics and this document. Their error statuses, security and examples are added
 * with every other operation's (openapi.ts).
 */

const SubmitForm = z.object({
  file: z
    .string()
    .meta({
      format: 'binary',
      description: 'A PNG or JPEG image. Repeat the field to send up to BATCH_MAX images in one request; each gets its own job.',
    })
    .optional(),
  url: z
    .url()
    .optional()
    .describe(
      'Instead of (or beside) a file: the address of a PNG or JPEG image, which the server fetches (at most 3 redirects, ' +
        'MAX_UPLOAD_MB, URL_FETCH_TIMEOUT_MS; special-use addresses refused unless URL_FETCH_ALLOW_PRIVATE). Repeat it for a batch.',
    ),
  length: JobOptions.shape.length,
  language: JobOptions.shape.language,
  prompt: JobOptions.shape.prompt,
  detail: JobOptions.shape.detail,
  cache: z
    .enum(['true', 'false'])
    .default('true')
    .describe('false: describe again, even if the same bytes with the same options were described before.'),
  callback_url: z
    .url()
    .optional()
    .describe('Where to POST the finished job, signed with WEBHOOK_SECRET (only when the server has one).'),
});

/** POST /submit as JSON: images by URL, with the same options as the form. */
const SubmitJson = z.object({
  url: z.union([z.url(), z.array(z.url()).min(1)]).describe('One image URL, or several for a batch (up to BATCH_MAX).'),
  length: JobOptions.shape.length,
  language: JobOptions.shape.language,
  prompt: JobOptions.shape.prompt,
  detail: JobOptions.shape.detail,
  cache: SubmitForm.shape.cache,
  callback_url: SubmitForm.shape.callback_url,
});

const IdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/)
  .optional()
  .describe(
    'A key of your choosing (printable ASCII): the same key with the same upload and options within 24 hours answers with the same job ' +
      'instead of a new one, so a retried request is safe. Reused for another upload: 422 idempotency_conflict.',
  );

const Readiness = z
  .object({
    ready: z.boolean(),
    checks: z.array(z.object({ name: z.string(), ok: z.boolean(), error: z.string().optional() })),
    details: z.object({ vision_breaker: z.looseObject({ state: z.string() }) }),
    error: ErrorBody.shape.error.optional(),
  })
  .meta({ id: 'Readiness' });

const jobIdPath = { path: z.object({ job_id: JobId }) };

export const EXPRESS_ROUTES: NonNullable<GenerateOpenApiDocumentOptions['paths']> = {
  '/submit': {
    post: {
      operationId: 'job-submit',
      summary: 'Upload an image, or name it by URL (up to BATCH_MAX images), to describe',
      description:
        'One image: 202 with its job, and a Location header. Several (files in fields named "file", URLs in fields named "url", ' +
        'or a JSON array of URLs): 202 {jobs: [...]}, one entry per image in order (files first, then URLs), each a job or ' +
        '{filename, error}; the good ones are queued whatever became of the others. With KEY_DAILY_TOKEN_LIMIT, a key that has ' +
        'spent its tokens for the day gets 429 quota_exceeded until midnight UTC.',
      tags: ['jobs'],
      requestParams: { header: z.object({ 'Idempotency-Key': IdempotencyKey }) },
      requestBody: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: SubmitForm,
            encoding: { file: { contentType: 'image/png, image/jpeg' } },
          },
          'application/json': { schema: SubmitJson },
        },
      },
      responses: {
        '202': {
          description: 'Accepted: the job is queued (or done, when the content cache answered).',
          headers: { Location: { description: 'The status URL of the job (one file only).', schema: { type: 'string' } } },
          content: { 'application/json': { schema: z.union([SubmitResponse, BatchSubmitResponse]) } },
        },
      },
    },
  },
  '/events/{job_id}': {
    get: {
      operationId: 'job-events',
      summary: "A job's state changes as Server-Sent Events",
      description:
        'One `event: status` per state, the current one first, each with the job (as GET /status answers, without details) as `data:`; ' +
        'a comment line every 15 s keeps the connection open. The stream ends once the job is finished.',
      tags: ['jobs'],
      requestParams: jobIdPath,
      responses: {
        '200': {
          description: 'The event stream.',
          content: { 'text/event-stream': { schema: z.string().describe('Server-Sent Events: event, id and data lines.') } },
        },
      },
    },
  },
  '/health': {
    get: {
      operationId: 'health',
      summary: 'Liveness: the server process answers',
      tags: ['service'],
      responses: {
        '200': { description: 'Alive.', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } },
      },
    },
  },
  '/ready': {
    get: {
      operationId: 'ready',
      summary: 'Readiness: the job store, Redis and the upload storage answer',
      description: 'The vision breaker is reported beside the checks; an open breaker does not make the server unready.',
      tags: ['service'],
      responses: {
        '200': { description: 'Ready.', content: { 'application/json': { schema: Readiness } } },
        '503': { description: 'Not ready: the checks say which part fails.', content: { 'application/json': { schema: Readiness } } },
      },
    },
  },
  '/metrics': {
    get: {
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      description: 'Behind METRICS_KEY when set; closed when API_KEYS is set and METRICS_KEY is not.',
      tags: ['service'],
      responses: {
        '200': {
          description: 'The Prometheus text format.',
          content: { 'text/plain': { schema: z.string().describe('Prometheus exposition format, version 0.0.4.') } },
        },
      },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'openapi',
      summary: 'This document',
      tags: ['service'],
      responses: {
        '200': { description: 'The OpenAPI 3.1 document of this server.', content: { 'application/json': { schema: z.looseObject({}) } } },
      },
    },
  },
};
