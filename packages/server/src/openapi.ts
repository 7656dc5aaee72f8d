import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { z } from 'zod';
import { ErrorBody, SubmitResponse } from '@depict/contract';
import type { AppRouter } from './router.js';

const errorContent = { 'application/json': { schema: ErrorBody } };

/**
 * The API as OpenAPI 3, generated from the router's zod schemas. POST /submit is a
 * multipart upload served by multer, which trpc-to-openapi cannot describe, so it is
 * added here from the same schemas.
 */
export function buildOpenApiDocument(router: AppRouter, version: string): OpenAPIObject {
  const document = generateOpenApiDocument(router, {
    title: 'Depict',
    description:
      'Upload a PNG or JPEG, get a job id at once, then read the description when the background worker has written it.',
    version,
    baseUrl: '/',
    defs: { ErrorBody },
    paths: {
      '/submit': {
        post: {
          operationId: 'submit',
          summary: 'Upload an image (or up to BATCH_MAX images) to describe',
          description:
            'One file: 202 with its job. Several files in fields named "file": 202 {jobs: [...]}, one entry per file, ' +
            'a job or {filename, error}. Optional fields: length, language, prompt, detail, cache=false. ' +
            'Header Idempotency-Key (one file only) makes retries safe.',
          tags: ['jobs'],
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: z.object({
                  file: z.string().meta({ format: 'binary', description: 'A PNG or JPEG image.' }),
                }),
              },
            },
          },
          responses: {
            '202': { description: 'Accepted: the job is queued.', content: { 'application/json': { schema: SubmitResponse } } },
            '400': { description: 'No file, or a malformed form.', content: errorContent },
            '413': { description: 'The file is larger than MAX_UPLOAD_MB.', content: errorContent },
            '415': { description: 'Not a PNG or JPEG.', content: errorContent },
            '422': { description: 'A damaged image, or one with too many pixels.', content: errorContent },
          },
        },
      },
    },
  });
  useOurErrorShape(document);
  return document;
}

/**
 * trpc-to-openapi documents errors in tRPC's shape; ours are `{error: {code, message}}`
 * (see rest-api.ts), so point every error response at ErrorBody.
 */
function useOurErrorShape(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(item as Record<string, { responses?: Record<string, { content?: unknown }> }>)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (Number(status) >= 400) {
          response.content = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } };
        }
      }
    }
  }
  const schemas = document.components?.schemas ?? {};
  for (const name of Object.keys(schemas)) if (name.startsWith('error.')) delete schemas[name];
}
