import { TRPCClientError } from '@trpc/client';
import { mayPassOnRetry } from '@depict/contract';

/** The server refused a call; `code` is the API's stable error code, `status` the HTTP status. */
export class DepictApiError extends Error {
  override readonly name = 'DepictApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Whether asking again later may succeed (busy, rate limited, store unavailable...), from the contract's codes table. */
  get retryable(): boolean {
    return this.code === 'unreachable' || mayPassOnRetry(this.code);
  }
}

/** The job ran and failed; `code` and the message say why. */
export class DepictJobFailedError extends Error {
  override readonly name = 'DepictJobFailedError';
  constructor(
    readonly jobId: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** Whether `client.retry(jobId)` may succeed: nothing is wrong with the image itself. */
  get retryable(): boolean {
    return mayPassOnRetry(this.code);
  }
}

/** describe() gave up waiting; the job goes on and can still be read by id. */
export class DepictTimeoutError extends Error {
  override readonly name = 'DepictTimeoutError';
  constructor(
    readonly jobId: string,
    readonly timeoutMs: number,
  ) {
    super(`Job ${jobId} did not finish within ${timeoutMs} ms.`);
  }
}

interface ErrorShape {
  error?: { code?: unknown; message?: unknown };
  data?: { httpStatus?: unknown };
}

/** Turn whatever the tRPC client threw into a DepictApiError with the server's own code. */
export function toApiError(err: unknown): unknown {
  if (!(err instanceof TRPCClientError)) return err;
  const shape = (err.shape ?? {}) as ErrorShape;
  const status = typeof shape.data?.httpStatus === 'number' ? shape.data.httpStatus : undefined;
  const code = typeof shape.error?.code === 'string' ? shape.error.code : status === undefined ? 'unreachable' : 'unknown';
  const message = typeof shape.error?.message === 'string' ? shape.error.message : err.message;
  return new DepictApiError(code, message, status, { cause: err });
}
