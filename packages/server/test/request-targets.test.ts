import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { png } from '../../../test-support/images.js';
import { waitFor } from '../../../test-support/ports.js';
import { Stack } from '../../../test-support/processes.js';
import { rawRequest, type RawReply } from '../../../test-support/raw-http.js';

/**
 * Every route, REST and tRPC, reached through every spelling of its path that some part
 * of the server might read differently from another: absolute-form targets with several
 * hosts, dot segments (plain, percent-encoded, double-encoded) under each public prefix,
 * double slashes, backslashes, mixed case. Without a key each answers 401 or 404 and
 * shows no job; with another tenant's key, none shows the first tenant's job; and each
 * request is logged.
 */
const KEY_A = 'walk-key-alpha-91c2';
const KEY_B = 'walk-key-bravo-4e7d';

const walk = suite('request targets: one reading of the path, for the gate and the routers');
// The limiters would turn the walk's hundreds of refusals into 429s; their own tests are in abuse-limits.test.ts.
const stack = new Stack({ API_KEYS: `${KEY_A},${KEY_B}`, RATE_LIMIT_POINTS: '0', AUTH_FAILURE_LIMIT: '0', ANALYZER_OCR: 'off' });
let jobId = '';
let port = 0;

walk.before(async () => {
  await stack.start();
  port = stack.server.port;
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await png({ width: 8, height: 8 }))]), 'a.png');
  const res = await fetch(`${stack.url}/submit`, { method: 'POST', body: form, headers: { authorization: `Bearer ${KEY_A}` } });
  assert.is(res.status, 202);
  jobId = ((await res.json()) as { job_id: string }).job_id;
});
walk.after(async () => {
  await stack.stop();
});

interface Route {
  method: string;
  /** The path, with JOB where the job id goes. */
  path: string;
  /** A JSON body, or 'form' for an upload. */
  body?: unknown;
}

const input = (value: unknown) => `?input=${encodeURIComponent(JSON.stringify(value))}`;

const ROUTES: Route[] = [
  { method: 'GET', path: '/status/JOB' },
  { method: 'GET', path: '/result/JOB' },
  { method: 'GET', path: '/events/JOB' },
  { method: 'GET', path: '/jobs' },
  { method: 'DELETE', path: '/jobs/JOB' },
  { method: 'POST', path: '/jobs/JOB/retry' },
  { method: 'POST', path: '/jobs/retry', body: {} },
  { method: 'GET', path: '/stats' },
  { method: 'POST', path: '/submit', body: 'form' },
  { method: 'GET', path: '/ready' },
  { method: 'GET', path: '/metrics' },
  { method: 'GET', path: '/openapi.json' },
  { method: 'GET', path: '/docs' },
  { method: 'GET', path: `/trpc/job.status${input({ job_id: 'JOB' })}` },
  { method: 'GET', path: `/trpc/job.result${input({ job_id: 'JOB' })}` },
  { method: 'GET', path: `/trpc/job.list${input({})}` },
  { method: 'GET', path: `/trpc/job.stats` },
  { method: 'GET', path: `/trpc/job.watch${input({ job_id: 'JOB' })}` },
  { method: 'GET', path: `/trpc/job.list,job.stats?batch=1&input=${encodeURIComponent('{"0":{},"1":{}}')}` },
  { method: 'POST', path: '/trpc/job.delete', body: { job_id: 'JOB' } },
  { method: 'POST', path: '/trpc/job.retry', body: { job_id: 'JOB' } },
  { method: 'POST', path: '/trpc/job.retryMany', body: {} },
  { method: 'POST', path: '/trpc/job.submit', body: 'form' },
];

/** Ways to write `path` (which starts with "/") that must never reach it without a key. */
function spellings(path: string): string[] {
  const rest = path.slice(1);
  const out = [
    `http://127.0.0.1:${port}${path}`,
    `http://localhost:${port}${path}`,
    `http://evil.example${path}`,
    `https://[::1]:${port}${path}`,
    `HTTP://EVIL.EXAMPLE${path}`,
    `//${rest}`,
    `///${rest}`,
    `http://127.0.0.1:${port}/static/..${path}`,
    `http://127.0.0.1:${port}/static/%2e%2e${path}`,
    `http://evil.example//${rest}`,
  ];
  for (const prefix of ['/static', '/STATIC', '/Static', '/static/x', '/ui', '/UI', '/health', '/favicon.ico']) {
    for (const dots of ['..', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '%252e%252e', '%25252E%25252E']) {
      out.push(`${prefix}/${dots}${path}`, `${prefix}/./${dots}${path}`);
    }
    out.push(`${prefix}/..%2f${rest}`, `${prefix}%2f..%2f${rest}`, `${prefix}/..%5c${rest}`, `${prefix}\\..\\${rest}`, `${prefix}//..${path}`);
  }
  out.push(path.replace(/^\/[a-z]+/, (s) => s.toUpperCase()));
  return out;
}

async function send(route: Route, target: string, key: string | undefined, requestId: string): Promise<RawReply> {
  const headers: Record<string, string> = { 'x-request-id': requestId };
  if (key) headers.authorization = `Bearer ${key}`;
  let body: Buffer | string | undefined;
  if (route.body === 'form') {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(await png({ width: 4, height: 4 }))]), 'walk.png');
    const encoded = new Request('http://x/', { method: 'POST', body: form });
    body = Buffer.from(await encoded.arrayBuffer());
    headers['content-type'] = encoded.headers.get('content-type')!;
  } else if (route.body !== undefined) {
    body = JSON.stringify(route.body).replaceAll('JOB', jobId);
    headers['content-type'] = 'application/json';
  }
  return rawRequest(port, target.replaceAll('JOB', jobId), { method: route.method, headers, body });
}

/** Whether an answer shows the job: its id anywhere but in the 404's "No job with id" that repeats the id the client sent. */
const showsJob = (text: string) => text.replaceAll(`No job with id ${jobId}.`, '').includes(jobId);
/** For a caller with no key: the job, or any list of jobs at all. */
const leaks = (text: string) => showsJob(text) || text.includes('"items"');

/**
 * A refusal: 401 or 404; or, for a tRPC subscription (served as Server-Sent Events,
 * which tRPC opens before it runs the procedure), a stream that carries nothing but a
 * serialized 401 or 404.
 */
function refused(reply: RawReply): boolean {
  if (reply.status === 401 || reply.status === 404) return true;
  if (reply.status !== 200 || !String(reply.headers['content-type']).startsWith('text/event-stream')) return false;
  const events = reply.text.split('\n\n').map((e) => e.trim()).filter((e) => e.includes('event:'));
  return (
    events.every((e) => e.startsWith('event: connected') || e.startsWith('event: serialized-error')) &&
    events.some((e) => /"httpStatus":(401|404)/.test(e))
  );
}

const sentIds: string[] = [];

walk('without a key, every spelling of every route is 401 or 404, and shows no job', async () => {
  let n = 0;
  const wrong: string[] = [];
  for (const route of ROUTES) {
    for (const target of spellings(route.path)) {
      const id = `walk-anon-${n++}`;
      sentIds.push(id);
      const reply = await send(route, target, undefined, id);
      if (!refused(reply) || leaks(reply.text)) {
        wrong.push(`${route.method} ${target}: ${reply.status} ${reply.text.slice(0, 160)}`);
      }
    }
  }
  assert.ok(n > 1500, `walked ${n} targets`);
  assert.equal(wrong, [], `${wrong.length} targets got through:\n${wrong.slice(0, 20).join('\n')}`);
  // Nothing was submitted or deleted on the way.
  const list = await rawRequest(port, '/jobs', { headers: { authorization: `Bearer ${KEY_A}` } });
  assert.is((JSON.parse(list.text) as { items: unknown[] }).items.length, 1);
});

walk("with another tenant's key, no spelling shows or touches the first tenant's job", async () => {
  let n = 0;
  const wrong: string[] = [];
  for (const route of ROUTES.filter((r) => r.body !== 'form')) {
    for (const target of spellings(route.path)) {
      const id = `walk-b-${n++}`;
      sentIds.push(id);
      const reply = await send(route, target, KEY_B, id);
      if (reply.status >= 500 || showsJob(reply.text)) wrong.push(`${route.method} ${target}: ${reply.status} ${reply.text.slice(0, 160)}`);
    }
  }
  assert.equal(wrong, [], `${wrong.length} targets showed key A's job to key B:\n${wrong.slice(0, 20).join('\n')}`);
  const status = await rawRequest(port, `/status/${jobId}`, { headers: { authorization: `Bearer ${KEY_A}` } });
  assert.is(status.status, 200, 'the job is still there for its owner');
});

walk('the canonical spellings still work for the owner, also in absolute form', async () => {
  const auth = { authorization: `Bearer ${KEY_A}` };
  for (const target of [`/status/${jobId}`, `http://127.0.0.1:${port}/status/${jobId}`, `http://any.example/trpc/job.status${input({ job_id: jobId })}`]) {
    const reply = await rawRequest(port, target, { headers: auth });
    assert.is(reply.status, 200, target);
    assert.ok(reply.text.includes(jobId), target);
  }
  assert.is((await rawRequest(port, '/static/app.js')).status, 200);
  assert.is((await rawRequest(port, '/static/no-such-file.js')).status, 404);
});

walk('every request of the walk was logged, under the target it was sent with', async () => {
  const logged = await waitFor(
    'every walk request in the log',
    () => {
      const ids = new Set(
        stack.server.proc
          .logs()
          .filter((l) => l.msg === 'request completed' || l.msg === 'request aborted')
          .map((l) => l.reqId),
      );
      return sentIds.every((id) => ids.has(id)) ? ids : undefined;
    },
    { timeoutMs: 20_000 },
  );
  assert.ok(logged.size >= sentIds.length);
  const line = stack.server.proc.logs().find((l) => l.reqId === 'walk-anon-1') as { req: { url: string } } | undefined;
  assert.match(line!.req.url, /^http:\/\/localhost:/, 'the raw target is what the line shows');
});

walk.run();
