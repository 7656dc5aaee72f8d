// The REST API, as this page uses it. Every failure becomes an ApiError with the
// server's code and message, or code "unreachable" when no answer came back.

export class ApiError extends Error {
  constructor(code, message, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

async function call(url, init) {
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    throw new ApiError('unreachable', err instanceof Error ? err.message : String(err), 0);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // an error page without JSON: handled below
  }
  if (!response.ok) {
    const error = body && body.error ? body.error : { code: 'http_' + response.status, message: response.statusText };
    throw new ApiError(error.code, error.message, response.status);
  }
  return { status: response.status, body, retryAfter: Number(response.headers.get('retry-after')) || 0 };
}

export async function submitImage(file) {
  const form = new FormData();
  form.append('file', file, file.name);
  return (await call('/submit', { method: 'POST', body: form })).body;
}

export function getResult(jobId) {
  return call('/result/' + encodeURIComponent(jobId));
}
