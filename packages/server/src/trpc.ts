import { initTRPC, TRPCError } from '@trpc/server';
import type { CreateExpressContextOptions } from '@trpc/server/adapters/express';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ZodError } from 'zod';
import { DepictError, type ErrorCode } from '@depict/shared';
import type { AppDeps } from './deps.js';
import { limitKey, type RateLimit } from './rate-limit.js';

export interface Context extends AppDeps {
  readonly req: CreateExpressContextOptions['req'];
  readonly res: CreateExpressContextOptions['res'];
  /** The caller's owner hash (with API keys), or null. Set for REST calls by `authenticate`. */
  readonly owner: string | null;
  /** For tRPC calls: the caller from the Authorization header, or why it is refused. */
  readonly caller: string | null | DepictError;
  readonly rateLimit: RateLimit;
}

type TRPCCode = TRPCError['code'];

/** Our error codes as tRPC codes; tRPC (and trpc-to-openapi) turn these into HTTP statuses. */
const TRPC_CODE: Record<ErrorCode, TRPCCode> = {
  bad_request: 'BAD_REQUEST',
  no_file: 'BAD_REQUEST',
  too_many_files: 'BAD_REQUEST',
  unauthorized: 'UNAUTHORIZED',
  not_found: 'NOT_FOUND',
  upload_timeout: 'TIMEOUT',
  conflict: 'CONFLICT',
  // tRPC has no 410; REST answers 410 from ERROR_STATUS (rest-api.ts), tRPC clients get 412.
  upload_gone: 'PRECONDITION_FAILED',
  too_large: 'PAYLOAD_TOO_LARGE',
  unsupported_media_type: 'UNSUPPORTED_MEDIA_TYPE',
  corrupt_image: 'UNPROCESSABLE_CONTENT',
  too_many_pixels: 'UNPROCESSABLE_CONTENT',
  idempotency_conflict: 'UNPROCESSABLE_CONTENT',
  rate_limited: 'TOO_MANY_REQUESTS',
  internal: 'INTERNAL_SERVER_ERROR',
  not_ready: 'SERVICE_UNAVAILABLE',
};

/** For errors tRPC raises itself (bad input, unknown route, body too large). */
const CODE_FOR_TRPC: Partial<Record<TRPCCode, ErrorCode>> = {
  BAD_REQUEST: 'bad_request',
  PARSE_ERROR: 'bad_request',
  METHOD_NOT_SUPPORTED: 'bad_request',
  NOT_FOUND: 'not_found',
  UNAUTHORIZED: 'unauthorized',
  CONFLICT: 'conflict',
  PAYLOAD_TOO_LARGE: 'too_large',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  UNPROCESSABLE_CONTENT: 'corrupt_image',
  TOO_MANY_REQUESTS: 'rate_limited',
  SERVICE_UNAVAILABLE: 'not_ready',
};

export function toTRPCError(err: DepictError): TRPCError {
  return new TRPCError({ code: TRPC_CODE[err.code], message: err.message, cause: err });
}

function describeZodError(err: ZodError): string {
  return err.issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/** The client-facing form of any error: `{code, message}`, never a stack trace. */
export function publicError(error: TRPCError): { code: string; message: string } {
  const cause = error.cause;
  if (cause instanceof DepictError) return { code: cause.code, message: cause.message };
  if (cause instanceof ZodError) return { code: 'bad_request', message: describeZodError(cause) };
  const code = CODE_FOR_TRPC[error.code] ?? 'internal';
  return { code, message: code === 'internal' ? 'Internal server error.' : error.message };
}

const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta>()
  .create({
    errorFormatter({ shape, error }) {
      // The REST layer sends `error` alone; tRPC clients get it beside the usual shape.
      const { stack: _stack, ...data } = shape.data;
      // data.httpStatus is what SDK errors report: ours, where tRPC's code is only near it (410).
      const httpStatus = error.cause instanceof DepictError ? error.cause.status : data.httpStatus;
      return { ...shape, data: { ...data, httpStatus }, error: publicError(error) };
    },
  });

/** DepictErrors thrown anywhere below become tRPC errors with the matching status. */
const depictErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DepictError) throw toTRPCError(result.error.cause);
  return result;
});

/**
 * tRPC calls authenticate and count against the rate limit here, not in express, so a
 * refusal reaches tRPC clients in tRPC's error shape. REST calls arrive with `owner`
 * already set by express and pass straight through.
 */
const callerChecks = t.middleware(async ({ ctx, next, path }) => {
  if (!ctx.req.originalUrl.startsWith('/trpc/')) return next();
  if (ctx.caller instanceof DepictError) throw toTRPCError(ctx.caller);
  const limited = await ctx.rateLimit.take(limitKey(ctx.caller, ctx.req.ip));
  if (limited) {
    ctx.res.setHeader('Retry-After', String((limited.cause as { retryAfterS: number }).retryAfterS));
    throw toTRPCError(limited);
  }
  ctx.req.log?.debug({ procedure: path }, 'tRPC call');
  return next({ ctx: { owner: ctx.caller } });
});

export const router = t.router;
export const publicProcedure = t.procedure.use(depictErrors).use(callerChecks);
export const createCallerFactory = t.createCallerFactory;
