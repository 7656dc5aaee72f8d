import { CODES, type ErrorCode } from '@depict/contract';

/**
 * Every error status a route can answer with, and the words, example and headers that
 * document it. The statuses come from the codes table (codes.ts), so a code the server
 * answers with is a status this document names.
 */

/** What every route behind the request gate may answer: no key, a Host not allowed, the rate limit. */
export const GATE_STATUSES = [401, 421, 429] as const;

const WORDS: Record<number, string> = {
  400: 'A field, parameter or header the server cannot take as sent.',
  401: 'No API key, or not a valid one. Only when the server sets API_KEYS (METRICS_KEY for /metrics).',
  404: 'No job with that id, or not one of this key\'s jobs.',
  408: 'The upload did not arrive within UPLOAD_TIMEOUT_MS.',
  409: 'The job is in a state that does not allow this.',
  410: 'The upload is no longer kept (FAILED_RETENTION_HOURS), so the job cannot be retried.',
  413: 'A file is larger than MAX_UPLOAD_MB.',
  415: 'Not a PNG or JPEG image (the bytes decide, not the name or the Content-Type).',
  421: 'The Host header names a host this server does not answer for (ALLOWED_HOSTS).',
  422: 'A damaged image, one that would cost too much to decode, or an Idempotency-Key reused for another upload.',
  429: "Too many requests or uploads in flight for this key or address, or the key's daily tokens are spent; ask again after Retry-After.",
  502: 'The image URL could not be fetched: its server did not answer, or answered with an error.',
  504: 'The image URL did not answer in full within URL_FETCH_TIMEOUT_MS.',
  503: 'The server is busy or its job store is not answering; ask again after Retry-After.',
  507: "The server's storage is full; nothing was stored.",
};

/** The code each status's example shows: a real code with that status. */
const EXAMPLE_CODE: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  408: 'upload_timeout',
  409: 'conflict',
  410: 'upload_gone',
  413: 'too_large',
  415: 'unsupported_media_type',
  421: 'host_not_allowed',
  422: 'corrupt_image',
  429: 'rate_limited',
  502: 'url_unreachable',
  503: 'store_unavailable',
  504: 'url_timeout',
  507: 'insufficient_storage',
};

const EXAMPLE_MESSAGE: Partial<Record<ErrorCode, string>> = {
  bad_request: 'Invalid option: length: Invalid option: expected one of "alt"|"normal"|"detailed".',
  unauthorized: 'Send an API key: Authorization: Bearer <key>.',
  not_found: 'No job with id 0b6c6f1e-8d1c-4a49-9a51-3c2f0f6f2b7e.',
  upload_timeout: 'The upload did not arrive within 60 s.',
  conflict: 'The job is processing; a job being processed can be neither canceled nor deleted.',
  upload_gone: 'The image of this job is no longer kept, so the job cannot be retried. Submit the image again.',
  too_large: 'The file is larger than the 20971520-byte limit (MAX_UPLOAD_MB).',
  unsupported_media_type: 'This file is not a PNG or JPEG image.',
  host_not_allowed: 'This server does not answer for the host "example.net" (ALLOWED_HOSTS).',
  corrupt_image: 'The image could not be decoded.',
  rate_limited: 'Too many requests; try again in 12 s.',
  store_unavailable: 'The job store is not answering; nothing was stored. Try again shortly.',
  url_unreachable: 'example.com answered 404 for the image URL.',
  url_timeout: 'The image URL did not answer in full within 10000 ms (URL_FETCH_TIMEOUT_MS).',
  insufficient_storage: "The server's storage is full; nothing was stored. Try again later.",
};

const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before asking again.', schema: { type: 'integer', minimum: 0 } },
};

const HEADERS: Record<number, Record<string, unknown>> = {
  401: { 'WWW-Authenticate': { description: 'Bearer realm="depict"', schema: { type: 'string' } } },
  429: retryAfter,
  503: retryAfter,
  507: retryAfter,
};

/** The response object of an error status: ErrorBody, an example with a code of that status, its headers. */
export function errorResponse(status: number): Record<string, unknown> {
  const description = WORDS[status];
  const code = EXAMPLE_CODE[status];
  if (!description || !code || CODES[code].http !== status) throw new Error(`No documented error for status ${status}`);
  return {
    description,
    ...(HEADERS[status] ? { headers: HEADERS[status] } : {}),
    content: {
      'application/json': {
        schema: { $ref: '#/components/schemas/ErrorBody' },
        example: { error: { code, message: EXAMPLE_MESSAGE[code] ?? code } },
      },
    },
  };
}

export { retryAfter as RETRY_AFTER_HEADER };
