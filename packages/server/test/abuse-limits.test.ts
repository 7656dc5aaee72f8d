import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { png } from '../../../test-support/images.js';
import { waitFor } from '../../../test-support/ports.js';
import { Stack, redisCli, startWorker } from '../../../test-support/processes.js';
import { rawRequest, slowRequest } from '../../../test-support/raw-http.js';

/**
 * What a client may not do cheaply: guess keys without end, read /metrics with a tenant's
 * key, send JSON bodies of MAX_UPLOAD_MB, hold upload slots by trickling, reach a server
 * without keys under a foreign host name. Each refusal is a 4xx or 503 JSON error, before
 * the server spends on it.
 */
const KEY_A = 'limits-key-alpha-0b1e';
const KEY_B = 'limits-key-bravo-77d3';
const KEY_C = 'limits-key-charlie-5a90';
/** Spent on the rate limit's own test. */
const KEY_R = 'limits-key-romeo-e2a8';
const METRICS_KEY = 'limits-metrics-key-c4f1';

const limits = suite('abuse limits, with API keys');
const stack = new Stack({
  API_KEYS: `${KEY_A},${KEY_B},${KEY_C},${KEY_R}`,
  METRICS_KEY,
  RATE_LIMIT_POINTS: '30',
  RATE_LIMIT_WINDOW_S: '120',
  AUTH_FAILURE_LIMIT: '5',
  UPLOADS_PER_CALLER: '2',
  UPLOADS_IN_FLIGHT: '3',
  UPLOAD_MEMORY_MB: '5',
  MAX_UPLOAD_MB: '2',
  UPLOAD_TIMEOUT_MS: '8000',
  ANALYZER_OCR: 'off',
});
let port = 0;
const auth = (key: string) => ({ authorization: `Bearer ${key}` });

limits.before(async () => {
  await stack.start({ worker: false });
  port = stack.server.port;
});
limits.after(async () => {
  await stack.stop();
});

async function multipart(file: Buffer): Promise<{ body: Buffer; type: string }> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(file)]), 'limits.png');
  form.append('cache', 'false');
  const encoded = new Request('http://x/', { method: 'POST', body: form });
  return { body: Buffer.from(await encoded.arrayBuffer()), type: encoded.headers.get('content-type')! };
}

/** The status code of a raw HTTP answer. */
const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);

limits('bad keys are counted per address: past AUTH_FAILURE_LIMIT, 429 for any key from it, REST and tRPC alike', async () => {
  const from = '127.0.0.7';
  for (let i = 0; i < 5; i++) {
    const r = await rawRequest(port, '/jobs', { headers: auth(`guess-${i}`), from });
    assert.is(r.status, 401, `guess ${i}`);
  }
  const limited = await rawRequest(port, '/jobs', { headers: auth('guess-5'), from });
  assert.is(limited.status, 429);
  assert.is(JSON.parse(limited.text).error.code, 'rate_limited');
  assert.ok(Number(limited.headers['retry-after']) >= 1);
  // The right key does not help a guessing address for the rest of the window...
  assert.is((await rawRequest(port, '/jobs', { headers: auth(KEY_A), from })).status, 429);
  const trpc = await rawRequest(port, `/trpc/job.list?input=%7B%7D`, { headers: auth(KEY_A), from });
  assert.is(trpc.status, 429);
  assert.is(JSON.parse(trpc.text).error.error.code, 'rate_limited');
  // ...while other addresses go on.
  assert.is((await rawRequest(port, '/jobs', { headers: auth(KEY_A), from: '127.0.0.8' })).status, 200);
});

limits('every spelling of a route counts against the caller rate limit, tRPC and REST alike', async () => {
  const spellings = ['/jobs', `http://127.0.0.1:${port}/jobs`, '/trpc/job.list?input=%7B%7D', `http://elsewhere.example/trpc/job.list?input=%7B%7D`, '/stats'];
  const statuses: number[] = [];
  for (let i = 0; i < 31; i++) statuses.push((await rawRequest(port, spellings[i % spellings.length]!, { headers: auth(KEY_R) })).status);
  assert.equal(statuses.slice(0, 30), Array(30).fill(200));
  assert.is(statuses[30], 429, 'the 31st request of the window');
  assert.is((await rawRequest(port, '/jobs', { headers: auth(KEY_B) })).status, 200, 'another key is not limited');
});

limits("/metrics takes METRICS_KEY, and no tenant's key; so does a worker's", async () => {
  const withTenantKey = await rawRequest(port, '/metrics', { headers: auth(KEY_A) });
  assert.is(withTenantKey.status, 401);
  assert.is(JSON.parse(withTenantKey.text).error.code, 'unauthorized');
  assert.is((await rawRequest(port, '/METRICS/', { headers: auth(KEY_A) })).status, 401, 'another spelling');
  const scrape = await rawRequest(port, '/metrics', { headers: auth(METRICS_KEY) });
  assert.is(scrape.status, 200);
  assert.match(scrape.text, /depict_jobs\{/);
  assert.is((await rawRequest(port, '/jobs', { headers: auth(METRICS_KEY) })).status, 401, 'the metrics key opens nothing else');

  const worker = await startWorker({ ...stack.sharedEnv, WORKER_METRICS_PORT: '0' });
  try {
    const line = worker.logs().find((l) => l.msg === 'worker metrics at /metrics') as { port: number } | undefined;
    assert.ok(line, 'the worker says where its metrics are');
    assert.is((await rawRequest(line!.port, '/metrics', { headers: auth(KEY_A) })).status, 401);
    assert.is((await rawRequest(line!.port, '/metrics')).status, 401);
    assert.is((await rawRequest(line!.port, '/metrics', { headers: auth(METRICS_KEY) })).status, 200);
    assert.is((await rawRequest(line!.port, '/health')).status, 200, "the container's health check needs no key");
  } finally {
    await worker.stop();
  }
});

limits('JSON bodies are refused past 100 KB with 413, before the rest is read', async () => {
  const big = JSON.stringify({ job_id: 'x'.repeat(200 * 1024) });
  for (const target of ['/trpc/job.delete', '/trpc/job.retryMany', '/jobs/retry']) {
    const r = await rawRequest(port, target, { method: 'POST', headers: { ...auth(KEY_B), 'content-type': 'application/json' }, body: big });
    assert.is(r.status, 413, target);
    assert.match(r.text, /too_large/, target);
  }
  // 19 MB declared, 256 KB sent: the answer comes without the rest.
  const slow = slowRequest(port, '/trpc/job.delete', {
    headers: { ...auth(KEY_B), 'content-type': 'application/json' },
    contentLength: 19 * 1024 * 1024,
    firstBytes: Buffer.alloc(256 * 1024, 0x20),
  });
  const answer = await Promise.race([slow.answer, new Promise<string>((resolve) => setTimeout(() => resolve('no answer'), 10_000))]);
  slow.abandon();
  assert.is(statusOf(answer), 413, answer.slice(0, 200));
});

limits('uploads in flight are capped per caller (429) and in total (503), with Retry-After; slots come back when uploads end', async () => {
  const image = await png({ width: 16, height: 16 });
  const { body, type } = await multipart(image);
  const trickle = (key: string, target = '/submit') =>
    slowRequest(port, target, { headers: { ...auth(key), 'content-type': type }, contentLength: body.length + 1000, firstBytes: body.subarray(0, 200) });

  const held = [trickle(KEY_A), trickle(KEY_A, '/trpc/job.submit')];
  await waitFor('two uploads held', async () => ((await rawRequest(port, '/jobs', { headers: auth(KEY_B) })).status === 200 ? true : undefined));
  const third = trickle(KEY_A);
  const refused = await third.answer;
  assert.is(statusOf(refused), 429, refused.slice(0, 300));
  assert.match(refused, /too_many_uploads/);
  assert.match(refused, /Retry-After: \d+/i);

  held.push(trickle(KEY_B));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const busy = await rawRequest(port, '/submit', { method: 'POST', headers: { ...auth(KEY_C), 'content-type': type }, body });
  assert.is(busy.status, 503, busy.text);
  assert.is(JSON.parse(busy.text).error.code, 'busy');
  assert.ok(Number(busy.headers['retry-after']) >= 1);

  for (const h of held) h.abandon();
  await waitFor('the slots to come back', async () => {
    const r = await rawRequest(port, '/submit', { method: 'POST', headers: { ...auth(KEY_C), 'content-type': type }, body });
    return r.status === 202 ? r : undefined;
  });
});

limits('a tRPC upload that is still arriving after UPLOAD_TIMEOUT_MS loses its connection and its slot', async () => {
  const { body, type } = await multipart(await png({ width: 16, height: 16 }));
  const started = Date.now();
  const held = slowRequest(port, '/trpc/job.submit', { headers: { ...auth(KEY_B), 'content-type': type }, contentLength: body.length + 10, firstBytes: body.subarray(0, 100) });
  assert.is(await held.answer, '', 'no answer: the connection is closed');
  const seconds = (Date.now() - started) / 1000;
  assert.ok(seconds >= 4 && seconds < 30, `closed after ${seconds} s`);
  for (let i = 0; i < 2; i++) {
    const r = await rawRequest(port, '/submit', { method: 'POST', headers: { ...auth(KEY_B), 'content-type': type }, body });
    assert.is(r.status, 202, r.text);
  }
});

limits('tRPC uploads reserve their declared size in memory: past UPLOAD_MEMORY_MB, 503', async () => {
  const { type } = await multipart(await png({ width: 4, height: 4 }));
  // 1.5 MB declared reserves 3 MB (the bytes and the parsed copy) of the 5 MB allowed.
  const first = slowRequest(port, '/trpc/job.submit', { headers: { ...auth(KEY_A), 'content-type': type }, contentLength: 1.5 * 1024 * 1024, firstBytes: Buffer.from('--') });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const second = slowRequest(port, '/trpc/job.submit', { headers: { ...auth(KEY_B), 'content-type': type }, contentLength: 1.5 * 1024 * 1024, firstBytes: Buffer.from('--') });
  const answer = await Promise.race([second.answer, new Promise<string>((resolve) => setTimeout(() => resolve('no answer'), 5_000))]);
  first.abandon();
  second.abandon();
  assert.is(statusOf(answer), 503, answer.slice(0, 300));
  assert.match(answer, /"busy"/);
});

limits('job.watch with a malformed or unknown id answers NOT_FOUND, and logs no error', async () => {
  for (const id of ['x', '../etc', '00000000-0000-7000-8000-000000000000']) {
    const r = await rawRequest(port, `/trpc/job.watch?input=${encodeURIComponent(JSON.stringify({ job_id: id }))}`, { headers: auth(KEY_B) });
    assert.match(r.text, /"code":"NOT_FOUND"/, id);
    assert.not.match(r.text, /INTERNAL_SERVER_ERROR/, id);
  }
  assert.is((await rawRequest(port, '/status/x', { headers: auth(KEY_B) })).status, 404);
  const errors = stack.server.proc.logs().filter((l) => (l.level as number) >= 50);
  assert.equal(errors, [], JSON.stringify(errors).slice(0, 2000));
});

limits('bad keys counted across Redis going away and coming back: still 429 past AUTH_FAILURE_LIMIT', async () => {
  const from = '127.0.0.9';
  const guess = async (i: number) => (await rawRequest(port, '/jobs', { headers: auth(`away-${i}`), from })).status;
  await stack.stopRedis();
  for (let i = 0; i < 3; i++) assert.is(await guess(i), 401, `guess ${i}, Redis away`);
  await stack.startRedisAgain();
  // Until the server's limiter has reconnected, failures are counted in the process alone:
  // probe from fresh addresses until one's failure is counted in Redis.
  let probe = 0;
  await waitFor('the rate limiter counting in Redis again', async () => {
    await rawRequest(port, '/jobs', { headers: auth('probe'), from: `127.0.1.${++probe}` });
    return (await redisCli(stack.redis.port, 'keys', '*:authfail:127.0.1.*')).trim() ? true : undefined;
  });
  for (let i = 3; i < 5; i++) assert.is(await guess(i), 401, `guess ${i}, Redis back`);
  assert.is(await guess(5), 429, 'the sixth bad key, three counted while Redis was away');
});

limits.run();

const hosts = suite('ALLOWED_HOSTS, by default without keys');
const open = new Stack({ ANALYZER_OCR: 'off' });
hosts.before(async () => {
  await open.start({ worker: false });
});
hosts.after(async () => {
  await open.stop();
});

hosts('without keys, only loopback names are answered: a rebound name gets 421, in the Host header or the target', async () => {
  const p = open.server.port;
  for (const host of [`localhost:${p}`, `127.0.0.1:${p}`, `[::1]:${p}`, 'LOCALHOST.']) {
    assert.is((await rawRequest(p, '/jobs', { headers: { host } })).status, 200, host);
  }
  for (const host of [`evil.example:${p}`, 'evil.example', `127.0.0.1.nip.io:${p}`]) {
    const r = await rawRequest(p, '/jobs', { headers: { host } });
    assert.is(r.status, 421, host);
    assert.is(JSON.parse(r.text).error.code, 'host_not_allowed');
  }
  assert.is((await rawRequest(p, `http://evil.example/jobs`)).status, 421, 'absolute form');
  assert.is((await rawRequest(p, `/trpc/job.list?input=%7B%7D`, { headers: { host: 'evil.example' } })).status, 421, 'tRPC');
  assert.is((await rawRequest(p, `/ui`, { headers: { host: 'evil.example' } })).status, 421, 'the UI too');
});

hosts.run();
