import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { png } from '../../../test-support/images.js';
import { waitFor } from '../../../test-support/ports.js';
import { Stack } from '../../../test-support/processes.js';

const KEY_A = 'key-alpha-7f3c1e9a';
const KEY_B = 'key-bravo-2d8b6f04';

const access = suite('API keys, per-key jobs, rate limits, headers');
const stack = new Stack({ API_KEYS: `${KEY_A}, ${KEY_B}`, RATE_LIMIT_POINTS: '40', RATE_LIMIT_WINDOW_S: '60', ANALYZER_OCR: 'off' });
const image = await png({ width: 48, height: 32 });

access.before(async () => {
  await stack.start();
});
access.after(async () => {
  await stack.stop();
});

async function call(path: string, { key, method = 'GET', body }: { key?: string; method?: string; body?: FormData } = {}) {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    ...(body ? { body } : {}),
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });
  const text = await res.text();
  let json: any = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body: json };
}

function form(): FormData {
  const f = new FormData();
  f.append('file', new Blob([new Uint8Array(image)]), 'a.png');
  return f;
}

access('without a key: 401 on the API, with a clear error; /health, /ui and /static stay open', async () => {
  for (const [path, method] of [['/submit', 'POST'], ['/status/x', 'GET'], ['/result/x', 'GET'], ['/openapi.json', 'GET'], ['/ready', 'GET']] as const) {
    const r = await call(path, { method, ...(method === 'POST' ? { body: form() } : {}) });
    assert.is(r.status, 401, path);
    assert.is(r.body.error.code, 'unauthorized');
    assert.match(r.headers.get('www-authenticate') ?? '', /Bearer/);
  }
  assert.is((await call('/submit', { method: 'POST', body: form(), key: 'not-a-key' })).status, 401);
  for (const path of ['/health', '/ui', '/static/app.js']) assert.is((await call(path)).status, 200, path);
});

access('a job created with one key is 404 for every other key', async () => {
  const sent = await call('/submit', { method: 'POST', body: form(), key: KEY_A });
  assert.is(sent.status, 202);
  const id = sent.body.job_id;
  assert.is((await call(`/status/${id}`, { key: KEY_A })).status, 200);
  for (const route of ['status', 'result']) {
    const other = await call(`/${route}/${id}`, { key: KEY_B });
    assert.is(other.status, 404);
    assert.is(other.body.error.code, 'not_found');
  }
});

access('past the rate limit: 429 with Retry-After, for that key only', async () => {
  let limited: Awaited<ReturnType<typeof call>> | undefined;
  for (let i = 0; i < 45 && !limited; i++) {
    const r = await call('/status/00000000-0000-4000-8000-000000000000', { key: KEY_B });
    if (r.status === 429) limited = r;
    else assert.is(r.status, 404);
  }
  assert.ok(limited, 'the limit was reached');
  assert.is(limited!.body.error.code, 'rate_limited');
  assert.ok(Number(limited!.headers.get('retry-after')) >= 1);
  assert.is((await call('/status/00000000-0000-4000-8000-000000000000', { key: KEY_A })).status, 404, 'key A is not limited');
});

access('no API key and no image data in any log line; security headers set; no CORS by default', async () => {
  // An upload with a key, of its own, logged to its last line before the logs are read.
  const sent = await call('/submit', { method: 'POST', body: form(), key: KEY_A });
  assert.is(sent.status, 202);
  const requestId = sent.headers.get('x-request-id');
  await waitFor('the upload to be logged', () =>
    stack.server.proc.logs().some((l) => l.reqId === requestId && l.msg === 'request completed') ? true : undefined,
  );
  const logs = stack.output();
  assert.not.ok(logs.includes(KEY_A) || logs.includes(KEY_B), 'a key reached the logs');
  assert.not.match(logs, /iVBORw0KGgo/, 'image data reached the logs');
  const accepted = stack.server.proc.logs().filter((l) => l.msg === 'job accepted');
  assert.ok(accepted.length > 0);
  assert.ok(accepted.every((l) => typeof l.reqId === 'string' && typeof l.job_id === 'string'), JSON.stringify(accepted[0]));
  const page = await call('/ui');
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.is(page.headers.get('x-content-type-options'), 'nosniff');
  assert.ok(page.headers.get('x-frame-options'));
  const preflight = await fetch(`${stack.url}/submit`, {
    method: 'OPTIONS',
    headers: { origin: 'http://elsewhere.example', 'access-control-request-method': 'POST' },
  });
  assert.is(preflight.headers.get('access-control-allow-origin'), null);
});

access('request ids: a sane X-Request-Id is kept and echoed, any other replaced; one line per request names it, without headers', async () => {
  const post = (requestId: string) =>
    fetch(`${stack.url}/submit`, { method: 'POST', body: form(), headers: { authorization: `Bearer ${KEY_A}`, 'x-request-id': requestId } });
  const kept = await post('client-id.42');
  assert.is(kept.status, 202);
  assert.is(kept.headers.get('x-request-id'), 'client-id.42');
  const { job_id: jobId } = (await kept.json()) as { job_id: string };
  const replaced = await post('not a sane id');
  assert.match(replaced.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);

  // The log is written asynchronously: wait for the request's last line; those before it are in by then.
  const done: Record<string, any> = await waitFor('the request to be logged', () =>
    stack.server.proc.logs().find((l) => l.reqId === 'client-id.42' && l.msg === 'request completed'),
  );
  const lines: Array<Record<string, any>> = stack.server.proc.logs().filter((l) => l.reqId === 'client-id.42');
  assert.equal(done!.req, { method: 'POST', url: '/submit', remoteAddress: '127.0.0.1', userAgent: 'node' });
  assert.equal(done!.res, { statusCode: 202 });
  assert.type(done!.responseTime, 'number');
  // The job's own line (accepted, or answered from the cache), logged through req.log, carries the same id.
  assert.ok(lines.some((l) => l.job_id === jobId), JSON.stringify(lines));
  assert.not.ok(JSON.stringify(lines).includes('authorization'), 'no headers in the lines');
});

access.run();

const corsSuite = suite('CORS_ORIGINS');
const corsStack = new Stack({ CORS_ORIGINS: 'http://app.example', RATE_LIMIT_POINTS: '0' });
corsSuite.before(async () => {
  await corsStack.start({ worker: false });
});
corsSuite.after(async () => {
  await corsStack.stop();
});
corsSuite('a listed origin is allowed, another is not', async () => {
  const ok = await fetch(`${corsStack.url}/submit`, {
    method: 'OPTIONS',
    headers: { origin: 'http://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
  });
  assert.is(ok.headers.get('access-control-allow-origin'), 'http://app.example');
  assert.match(ok.headers.get('access-control-allow-headers') ?? '', /Authorization/i);
  const other = await fetch(`${corsStack.url}/status/x`, { headers: { origin: 'http://evil.example' } });
  assert.is(other.headers.get('access-control-allow-origin'), null);
});
corsSuite.run();
