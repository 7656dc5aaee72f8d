import { z } from 'zod';

/**
 * Every error code a client can see, with its HTTP status. The HTTP layer maps codes to
 * statuses here and nowhere else, so a message never decides a status.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  no_file: 400,
  too_many_files: 400,
  unauthorized: 401,
  not_found: 404,
  upload_timeout: 408,
  conflict: 409,
  upload_gone: 410,
  too_large: 413,
  unsupported_media_type: 415,
  corrupt_image: 422,
  too_many_pixels: 422,
  too_many_scans: 422,
  too_large_to_decode: 422,
  too_slow_to_decode: 422,
  idempotency_conflict: 422,
  host_not_allowed: 421,
  rate_limited: 429,
  too_many_uploads: 429,
  internal: 500,
  not_ready: 503,
  busy: 503,
  store_unavailable: 503,
  insufficient_storage: 507,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ErrorCodeSchema = z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]);

/** An error a client caused or may act on; its `code` is stable, its message is for people. */
export class DepictError extends Error {
  override readonly name = 'DepictError';
  /** For refusals that pass with time (429, 503): the seconds a client should wait, sent as Retry-After. */
  readonly retryAfterS: number | undefined;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterS?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterS = options?.retryAfterS;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe('A stable machine-readable code, e.g. "unsupported_media_type".'),
      message: z.string().describe('What went wrong, for a person.'),
    }),
  })
  .meta({ id: 'ErrorBody' });
export type ErrorBody = z.infer<typeof ErrorBody>;

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/** Why a job failed, as stored with it and shown to clients. */
export const JobError = z
  .object({
    code: z.string().describe('For example "describe_failed", "vision_api_error", "corrupt_image".'),
    message: z.string(),
  })
  .meta({ id: 'JobError' });
export type JobError = z.infer<typeof JobError>;
