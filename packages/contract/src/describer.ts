import type { JobFailureCode } from './codes.js';

/**
 * The one interface every describer implements: an image in, a description out.
 * The worker loop only knows this shape, so new describers (or wrappers such as a
 * fallback chain) never touch it.
 */
export type ImageMediaType = 'image/png' | 'image/jpeg';

export interface ImageInput {
  /** The upload: the path of a file on local disk, or its bytes. */
  readonly source: string | Buffer;
  readonly mediaType: ImageMediaType;
  readonly byteSize: number;
  /** The file name the client sent, if any (never used as a path). */
  readonly filename: string | null;
}

export interface Description {
  readonly description: string;
  /** `openai:<model>` or `depict-analyzer@<version>`. */
  readonly generatedBy: string;
  readonly details: Record<string, unknown>;
}

/** How much a description should say: alt text (at most 125 characters), a paragraph, or everything. */
export type DescriptionLength = 'alt' | 'normal' | 'detailed';

export interface DescribeOptions {
  readonly signal?: AbortSignal;
  readonly length?: DescriptionLength;
  /** BCP 47 tag of the language to answer in. */
  readonly language?: string;
  /** An extra instruction for a model. */
  readonly prompt?: string;
  /** The vision API's image detail. */
  readonly detail?: 'low' | 'high' | 'auto';
  /**
   * Called before each request to a paid model (each retry too), to check the job is
   * still this worker's and count the call. It rejects, with `signal` aborted, when the
   * call must not be made.
   */
  readonly beforeModelCall?: () => Promise<void>;
}

export interface Describer {
  readonly name: string;
  describe(image: ImageInput, options?: DescribeOptions): Promise<Description>;
  /** Release what the describer holds (an OCR worker, connections). */
  close?(): Promise<void>;
}

/**
 * A describer's way to fail with a reason a client can read. Anything else a describer
 * throws is recorded as `describe_failed` with its message.
 *
 * `transient`: the service behind the describer is unwell (a timeout, refused
 * connection, 429 or 5xx), which is what the vision circuit breaker counts.
 * `retryAfterMs`: not a failure of the job at all; it should wait this long and run
 * again, without using up an attempt (the breaker is open and there is no fallback).
 */
export class DescribeError extends Error {
  override readonly name = 'DescribeError';
  readonly transient: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(
    readonly code: JobFailureCode,
    message: string,
    options?: { cause?: unknown; transient?: boolean; retryAfterMs?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.transient = options?.transient ?? false;
    this.retryAfterMs = options?.retryAfterMs;
  }
}
