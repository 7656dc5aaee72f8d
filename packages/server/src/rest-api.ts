import type { RequestHandler, Response } from 'express';
import { createOpenApiExpressMiddleware } from 'trpc-to-openapi';
import { DepictError, RESULT_RETRY_AFTER_S, errorBody } from '@depict/contract';
import type { AppDeps } from './deps.js';
import type { AppRouter } from './router.js';
import type { Context } from './trpc.js';

function isPendingResult(data: unknown): boolean {
  const status = (data as { status?: unknown } | undefined)?.status;
  return status === 'queued' || status === 'processing';
}

/**
 * trpc-to-openapi writes its error bodies as the tRPC error shape plus its own fields.
 * Our contract is `{error: {code, message}}` alone, which the error formatter already
 * put in the shape, so keep just that part.
 */
function keepOnlyErrorField(res: Response): void {
  const end = res.end.bind(res) as (chunk?: unknown, ...rest: unknown[]) => Response;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (res.statusCode >= 400 && typeof chunk === 'string') {
      try {
        const parsed = JSON.parse(chunk) as { error?: { code: string; message: string }; message?: string };
        const error = parsed.error ?? { code: 'internal', message: parsed.message ?? 'Internal server error.' };
        chunk = JSON.stringify(errorBody(error.code, error.message));
      } catch {
        // Not JSON: pass through untouched.
      }
    }
    return end(chunk, ...rest);
  }) as Response['end'];
}

/** The REST routes that map one-to-one onto tRPC procedures (GET /status, GET /result). */
export function restApi(
  router: AppRouter,
  createContext: (opts: { req: Parameters<RequestHandler>[0]; res: Response }) => Context,
  deps: AppDeps,
): RequestHandler {
  const handler = createOpenApiExpressMiddleware({
    router,
    createContext,
    responseMeta: ({ paths, data, errors }) => {
      // Our codes decide REST statuses, including those tRPC has no code for (410).
      const cause = errors[0]?.cause;
      if (cause instanceof DepictError) return { status: cause.status };
      if (errors.length === 0 && paths?.[0] === 'job.result' && isPendingResult(data[0])) {
        return { status: 202, headers: { 'Retry-After': String(RESULT_RETRY_AFTER_S) } };
      }
      if (errors.length === 0 && paths?.[0] === 'job.delete' && (data[0] as { deleted?: boolean } | undefined)?.deleted) {
        return { status: 204 };
      }
      return {};
    },
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') deps.logger.error({ err: error, procedure: path }, 'REST call failed');
    },
  });
  return (req, res, next) => {
    keepOnlyErrorField(res);
    // A POST without a body (`curl -X POST .../retry`) means an empty JSON object.
    const hasBody = (req.headers['content-length'] ?? '0') !== '0' || req.headers['transfer-encoding'] !== undefined;
    if (req.method === 'POST' && !req.headers['content-type'] && !hasBody) {
      req.headers['content-type'] = 'application/json';
      (req as { body?: unknown }).body = {};
    }
    handler(req, res).catch(next);
  };
}
