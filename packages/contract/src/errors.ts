import { z } from 'zod';
import { CODES, type ErrorCode } from './codes.js';

/** The HTTP status of each code a request can be refused with (codes.ts); the HTTP layer maps codes to statuses here and nowhere else. */
export const ERROR_STATUS = Object.fromEntries(
  Object.entries(CODES).flatMap(([code, info]) => ('http' in info ? [[code, info.http]] : [])),
) as { readonly [C in ErrorCode]: number };

export type { ErrorCode } from './codes.js';

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
