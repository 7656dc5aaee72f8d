import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeOpenAI } from '../../../test-support/fake-openai.js';
import { scene } from '../../../test-support/images.js';
import { waitFor } from '../../../test-support/ports.js';
import { Stack } from '../../../test-support/processes.js';

/**
 * What each key spent: tokens and cost per UTC day in /stats, kept when jobs are
 * deleted, and KEY_DAILY_TOKEN_LIMIT refusing a key's submits once it is spent, while
 * another key goes on. The fake model reports 100 input and 20 output tokens a call.
 */
const usage = suite('vision usage: tokens and cost per key and day, and a daily limit');
const fake = new FakeOpenAI();
let stack: Stack;

usage.before(async () => {
  await fake.start();
  fake.behaviour = { kind: 'answer', text: 'A small scene.' };
  stack = new Stack({
    API_KEYS: 'key-a,key-b',
    OPENAI_API_KEY: 'sk-test-key',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_MAX_RETRIES: '0',
    OPENAI_FALLBACK: 'fail',
    OPENAI_PRICE_INPUT_PER_MTOK: '0.15',
    OPENAI_PRICE_OUTPUT_PER_MTOK: '0.6',
    KEY_DAILY_TOKEN_LIMIT: '200',
  });
  await stack.start();
});
usage.after(async () => {
  await stack.stop();
  await fake.stop();
});

const auth = (key: string) => ({ authorization: `Bearer ${key}` });

async function send(key: string): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await scene(320, 240))]), 'scene.png');
  form.append('cache', 'false');
  return fetch(`${stack.url}/submit`, { method: 'POST', body: form, headers: auth(key) });
}

async function describe(key: string): Promise<string> {
  const sent = await send(key);
  assert.is(sent.status, 202, await sent.clone().text());
  const { job_id } = (await sent.json()) as { job_id: string };
  await waitFor('the job to be done', async () => {
    const status = (await (await fetch(`${stack.url}/status/${job_id}`, { headers: auth(key) })).json()) as { status: string };
    return status.status === 'done' ? true : undefined;
  });
  return job_id;
}

async function stats(key: string) {
  const res = await fetch(`${stack.url}/stats`, { headers: auth(key) });
  assert.is(res.status, 200);
  return ((await res.json()) as { usage: any }).usage;
}

usage('each job adds its tokens and cost to its key’s day; another key sees only its own', async () => {
  const today = new Date().toISOString().slice(0, 10);
  await describe('key-a');
  const a = await stats('key-a');
  assert.equal(a.days, [{ date: today, jobs: 1, input_tokens: 100, output_tokens: 20, total_tokens: 120, cost_usd: 0.000027 }]);
  assert.is(a.tokens_today, 120);
  assert.is(a.daily_token_limit, 200);
  assert.ok(Date.parse(a.resets_at) > Date.now() && Date.parse(a.resets_at) - Date.now() <= 86_400_000);
  const b = await stats('key-b');
  assert.equal(b.days, []);
  assert.is(b.tokens_today, 0);
});

usage('past the daily limit a key gets 429 quota_exceeded with Retry-After until midnight; other keys go on; deleting jobs gives nothing back', async () => {
  const second = await describe('key-a'); // 120 spent before it: under 200, so accepted
  assert.is((await stats('key-a')).tokens_today, 240);

  const refused = await send('key-a');
  assert.is(refused.status, 429);
  const body = (await refused.json()) as { error: { code: string; message: string } };
  assert.is(body.error.code, 'quota_exceeded');
  assert.match(body.error.message, /T00:00:00\.000Z/);
  const retryAfter = Number(refused.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 86_400, `Retry-After ${retryAfter}`);

  // The tRPC submit is held to the same limit.
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await scene(32, 24))]), 'small.png');
  const viaTrpc = await fetch(`${stack.url}/trpc/job.submit`, { method: 'POST', body: form, headers: auth('key-a') });
  assert.is(viaTrpc.status, 429);

  assert.is((await send('key-b')).status, 202);

  const deleted = await fetch(`${stack.url}/jobs/${second}`, { method: 'DELETE', headers: auth('key-a') });
  assert.ok(deleted.status === 200 || deleted.status === 204, `delete answered ${deleted.status}`);
  assert.is((await stats('key-a')).tokens_today, 240);
  assert.is((await send('key-a')).status, 429);
});

usage.run();
