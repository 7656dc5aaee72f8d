// The REST API, as this page uses it. Every failure becomes an ApiError carrying the
// server's code and message, or code "unreachable" when no answer came back at all.

export class ApiError extends Error {
  /**
   * @param {string} code stable code from the server ("too_large"), or one of ours
   * @param {string} message the server's own words, for people
   * @param {number} status HTTP status, 0 when the server could not be reached
   * @param {number} retryAfterMs what the server's Retry-After asked for, 0 if nothing
   */
  constructor(code, message, status, retryAfterMs = 0) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }

  /** Worth asking again later: nothing is wrong with the image itself. */
  get transient() {
    return this.status === 0 || this.status === 429 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

/** Retry-After is either delta-seconds or an HTTP date; 0 when absent or unreadable. */
export function parseRetryAfter(header) {
  if (!header) return 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? 0 : Math.max(0, at - Date.now());
}

const KEY_STORAGE = 'depict.apiKey';

/** The API key this browser keeps for a server that asks for one (401), or ''. */
export function storedApiKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) || '';
  } catch {
    return '';
  }
}

export function storeApiKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    // Storage may be off (private mode): the key then lasts only for this page.
  }
  sessionKey = key;
}

let sessionKey = storedApiKey();

async function call(url, init) {
  let response;
  const headers = { ...(init && init.headers), ...authHeaders() };
  try {
    response = await fetch(url, { credentials: 'same-origin', ...init, headers });
  } catch (err) {
    throw new ApiError('unreachable', err instanceof Error ? err.message : String(err), 0);
  }
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  let body = null;
  try {
    body = await response.json();
  } catch {
    // A proxy's HTML error page, or an empty body: handled below.
  }
  if (response.status === 204) return { status: 204, body: {}, retryAfterMs };
  if (!response.ok) {
    const error =
      body && body.error && typeof body.error.code === 'string'
        ? body.error
        : { code: 'http_' + response.status, message: response.statusText || 'HTTP ' + response.status };
    throw new ApiError(error.code, String(error.message ?? ''), response.status, retryAfterMs);
  }
  if (!body || typeof body !== 'object') {
    throw new ApiError('bad_response', 'The server answered with something other than JSON.', response.status);
  }
  return { status: response.status, body, retryAfterMs };
}

/** The key sent with every call, for code that opens its own requests (the event stream). */
export function authHeaders() {
  return sessionKey ? { authorization: 'Bearer ' + sessionKey } : {};
}

/**
 * POST /submit with one image in the field "file" and the job's options (length,
 * language, prompt; empty ones are left out); resolves to the queued job.
 */
export async function submitImage(file, options = {}) {
  const form = new FormData();
  for (const [name, value] of Object.entries(options)) {
    if (typeof value === 'string' && value.trim() !== '') form.append(name, value.trim());
  }
  form.append('file', file, file.name);
  const { body } = await call('/submit', { method: 'POST', body: form });
  // The multi-file form of /submit answers {jobs: [...]}; one file gives one entry.
  const job = Array.isArray(body.jobs) ? body.jobs[0] : body;
  if (job && job.error) throw new ApiError(job.error.code, job.error.message, 200);
  if (!job || typeof job.job_id !== 'string') {
    throw new ApiError('bad_response', 'The server did not return a job id.', 200);
  }
  return job;
}

/** POST /submit as JSON {url, ...options}: the server fetches the image; resolves to the queued job. */
export async function submitUrl(url, options = {}) {
  const body = { url };
  for (const [name, value] of Object.entries(options)) {
    if (typeof value === 'string' && value.trim() !== '') body[name] = value.trim();
  }
  const { body: job } = await call('/submit', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  if (!job || typeof job.job_id !== 'string') throw new ApiError('bad_response', 'The server did not return a job id.', 200);
  return job;
}

/**
 * GET /result/:id. 200 with a finished job (done or failed), or 202 {job_id, status}
 * while it is queued or processing, with retryAfterMs taken from Retry-After.
 */
export function getResult(jobId) {
  return call('/result/' + encodeURIComponent(jobId));
}

/**
 * POST /jobs/:id/retry: a failed job goes back on the queue with its history kept.
 * Rejects with upload_gone (410) once the server has let go of the upload.
 */
export function retryJob(jobId) {
  return call('/jobs/' + encodeURIComponent(jobId) + '/retry', { method: 'POST' });
}

/** GET /jobs: a page of the caller's jobs, newest first, and the cursor of the next (null on the last). */
export async function listJobs({ limit, cursor } = {}) {
  const query = new URLSearchParams();
  if (limit) query.set('limit', String(limit));
  if (cursor) query.set('cursor', cursor);
  const { body } = await call('/jobs?' + query);
  return { items: Array.isArray(body.items) ? body.items : [], nextCursor: body.next_cursor ?? null };
}

/** DELETE /jobs/:id: cancels a queued job (200), or deletes a finished one with its data (204). */
export function deleteJob(jobId) {
  return call('/jobs/' + encodeURIComponent(jobId), { method: 'DELETE' });
}
