import { TRPCClientError } from '@trpc/client';

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
