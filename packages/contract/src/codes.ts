/**
 * Every code a client can meet, in one table: the refusals of a request (with their HTTP
 * status) and the reasons a job failed, and whether trying again may help. The server
 * maps codes to statuses from here, the worker names its failures from here, the SDK
 * says which errors pass with time from here, and the web UI loads this table as
 * /static/codes.js; a test checks that the UI has words for every code.
 */
export interface CodeInfo {
  /** The HTTP status of a request refused with this code; absent for codes only a job fails with. */
  readonly http?: number;
  /** A job can end failed with this code (details.error.code). */
  readonly job?: boolean;
  /** Trying again (the request, or the job through POST /jobs/{id}/retry) may succeed: nothing is wrong with the image itself. */
  readonly retry: boolean;
  /** A failure of the vision model's service: the offline analyzer stands in for it (OPENAI_FALLBACK=analyzer). */
  readonly vision?: boolean;
}

export const CODES = {
  // A request the server could not take as sent.
  bad_request: { http: 400, retry: false },
  no_file: { http: 400, retry: false },
  too_many_files: { http: 400, retry: false },
  unauthorized: { http: 401, retry: false },
  not_found: { http: 404, retry: false },
  upload_timeout: { http: 408, retry: true },
  conflict: { http: 409, retry: false },
  upload_gone: { http: 410, retry: false },
  too_large: { http: 413, retry: false },
  unsupported_media_type: { http: 415, retry: false },
  host_not_allowed: { http: 421, retry: false },
  idempotency_conflict: { http: 422, retry: false },
  // An image the server or a worker will not decode: refused at upload, or a job that fails.
  corrupt_image: { http: 422, job: true, retry: false },
  too_many_pixels: { http: 422, job: true, retry: false },
  too_many_scans: { http: 422, job: true, retry: false },
  too_large_to_decode: { http: 422, job: true, retry: false },
  too_slow_to_decode: { http: 422, job: true, retry: false },
  // The server is too busy or unwell now: ask again after Retry-After.
  rate_limited: { http: 429, retry: true },
  too_many_uploads: { http: 429, retry: true },
  /** An image URL the server will not fetch: a special-use address, or not http(s). */
  url_refused: { http: 400, retry: false },
  /** The image URL's server could not be reached, or did not answer 2xx. */
  url_unreachable: { http: 502, retry: true },
  /** The image URL did not answer in full within URL_FETCH_TIMEOUT_MS. */
  url_timeout: { http: 504, retry: true },
  /** KEY_DAILY_TOKEN_LIMIT reached: passes at midnight UTC (Retry-After). */
  quota_exceeded: { http: 429, retry: true },
  internal: { http: 500, retry: true },
  not_ready: { http: 503, retry: true },
  busy: { http: 503, retry: true },
  store_unavailable: { http: 503, retry: true },
  insufficient_storage: { http: 507, retry: true },
  // Why a job failed while it was being described.
  /** The describer failed in a way it could not name: trying again may pass. */
  describe_failed: { job: true, retry: true },
  timeout: { job: true, retry: true },
  /** Its processing ended its worker MAX_ATTEMPTS times; a retry gives it as many again (a worker short of memory, say). */
  too_many_attempts: { job: true, retry: true },
  upload_missing: { job: true, retry: false },
  vision_api_error: { job: true, retry: true, vision: true },
  vision_unreachable: { job: true, retry: true, vision: true },
  vision_timeout: { job: true, retry: true, vision: true },
  vision_empty_answer: { job: true, retry: true, vision: true },
  /** Not a failure: the breaker is open, the job waits (or the analyzer describes it, in details.fallback_reason). */
  vision_breaker_open: { job: true, retry: true, vision: true },
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;

/** The codes a request can be refused with. */
export type ErrorCode = { [C in Code]: (typeof CODES)[C] extends { http: number } ? C : never }[Code];

/** The codes a job can fail with. */
export type JobFailureCode = { [C in Code]: (typeof CODES)[C] extends { job: true } ? C : never }[Code];

export const isCode = (code: string): code is Code => Object.hasOwn(CODES, code);

export const isJobFailureCode = (code: string): code is JobFailureCode => isCode(code) && 'job' in CODES[code];

/** Whether an error with this code may pass by trying again; unknown codes do not. */
export const mayPassOnRetry = (code: string): boolean => isCode(code) && CODES[code].retry;

/** Whether a job failure is the vision service's, for which the offline analyzer may stand in. */
export const isVisionFailure = (code: string): boolean => isCode(code) && 'vision' in CODES[code];
