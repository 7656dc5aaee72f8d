import { initTRPC, TRPCError } from '@trpc/server';
import type { CreateExpressContextOptions } from '@trpc/server/adapters/express';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ZodError } from 'zod';
import { DepictError, type ErrorCode } from '@depict/contract';
import type { AppDeps } from './deps.js';
import { accessOf, ownerScope } from './auth.js';
import { limitKey } from './rate-limit.js';
import type { UploadSlots } from './upload-slots.js';
import type { UrlFetchSlots } from './url-batch.js';

export interface Context extends AppDeps {
  readonly req: CreateExpressContextOptions['req'];
  readonly res: CreateExpressContextOptions['res'];
  /** Caps on the uploads being received. */
  readonly uploads: UploadSlots;
  /** Caps on the image URLs being fetched. */
  readonly urlFetches: UrlFetchSlots;
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
  // tRPC has no 410; the HTTP status comes from ERROR_STATUS all the same (responseMeta in app.ts and rest-api.ts).
  upload_gone: 'PRECONDITION_FAILED',
  too_large: 'PAYLOAD_TOO_LARGE',
  unsupported_media_type: 'UNSUPPORTED_MEDIA_TYPE',
  corrupt_image: 'UNPROCESSABLE_CONTENT',
  too_many_pixels: 'UNPROCESSABLE_CONTENT',
  too_many_scans: 'UNPROCESSABLE_CONTENT',
  too_large_to_decode: 'UNPROCESSABLE_CONTENT',
  too_slow_to_decode: 'UNPROCESSABLE_CONTENT',
  idempotency_conflict: 'UNPROCESSABLE_CONTENT',
  // tRPC has no 421; the Host is checked before tRPC sees a request anyway.
  host_not_allowed: 'FORBIDDEN',
  rate_limited: 'TOO_MANY_REQUESTS',
  too_many_uploads: 'TOO_MANY_REQUESTS',
  quota_exceeded: 'TOO_MANY_REQUESTS',
  url_refused: 'BAD_REQUEST',
  url_unreachable: 'BAD_GATEWAY',
  url_timeout: 'GATEWAY_TIMEOUT',
  internal: 'INTERNAL_SERVER_ERROR',
  not_ready: 'SERVICE_UNAVAILABLE',
  busy: 'SERVICE_UNAVAILABLE',
  store_unavailable: 'SERVICE_UNAVAILABLE',
  // tRPC has no 507; as for 410.
  insufficient_storage: 'SERVICE_UNAVAILABLE',
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
const depictErrors = t.middleware(async ({ ctx, next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DepictError) {
    const { retryAfterS } = result.error.cause;
    if (retryAfterS !== undefined && !ctx.res.headersSent) ctx.res.setHeader('Retry-After', String(retryAfterS));
    throw toTRPCError(result.error.cause);
  }
  return result;
});

/**
 * The request gate (request-gate.ts) decided who the call acts for, or why it is
 * refused, before tRPC saw it; a refusal is thrown here, before any input is read, so
 * tRPC clients get it in tRPC's error shape. The job store is asked with this owner and
 * no other.
 */
const callerChecks = t.middleware(async ({ ctx, next, path }) => {
  const access = accessOf(ctx.res, ctx.config.apiKeys);
  ctx.req.log?.debug({ procedure: path }, 'tRPC call');
  return next({ ctx: { owner: ownerScope(access), access } });
});

export const router = t.router;
export const publicProcedure = t.procedure.use(depictErrors).use(callerChecks);
export const createCallerFactory = t.createCallerFactory;

/** A multipart body is a little larger than the file it carries. */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/**
 * For procedures that take an upload: the upload's slot (upload-slots.ts), taken before
 * tRPC reads the FormData body, which it holds whole in memory; released when the
 * response ends, however it ends. A body still arriving after UPLOAD_TIMEOUT_MS ends the
 * connection: tRPC reads it as a stream that has no way to be failed from outside.
 */
export const uploadProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const { req, res } = ctx;
  const declared = Number(req.headers['content-length']);
  const bodyBytes = Number.isFinite(declared) && declared >= 0 ? declared : ctx.config.maxUploadBytes;
  if (bodyBytes > ctx.config.maxUploadBytes + MULTIPART_OVERHEAD_BYTES) {
    throw new DepictError('too_large', `The upload is larger than the ${ctx.config.maxUploadBytes}-byte limit (MAX_UPLOAD_MB).`);
  }
  // The body's bytes, and the File that FormData parsing copies them into.
  const slot = ctx.uploads.acquire(limitKey(ctx.access, req.ip), 2 * bodyBytes);
  if (slot instanceof DepictError) throw slot;
  res.once('close', () => slot.release());
  if (!req.complete) {
    const timer = setTimeout(() => req.socket.destroy(), ctx.config.uploadTimeoutMs);
    req.once('end', () => clearTimeout(timer));
    res.once('close', () => clearTimeout(timer));
  }
  return next();
});
