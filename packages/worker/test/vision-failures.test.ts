import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get, submit, waitForResult } from '../../../test-support/api.js';
import { FakeOpenAI } from '../../../test-support/fake-openai.js';
import { scene } from '../../../test-support/images.js';
import { Stack } from '../../../test-support/processes.js';

/**
 * The vision API misbehaving, with OPENAI_FALLBACK=analyzer (the default): transient
 * errors are retried by the SDK with backoff; what still fails is described offline,
 * with the reason in details, and no job stays processing.
 */
const failures = suite('vision API failures: retry, then fall back to the analyzer');
const fake = new FakeOpenAI();
let stack: Stack;

failures.before(async () => {
  await fake.start();
  stack = new Stack({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_VISION_MODEL: 'flaky-model',
    OPENAI_MAX_RETRIES: '2',
    OPENAI_TIMEOUT_MS: '1500',
    ANALYZER_OCR: 'off',
    // Each case here is about one call's failure; the breaker has its own suite.
    VISION_BREAKER_FAILURES: '0',
  });
  await stack.start();
});
failures.after(async () => {
  await stack.stop();
  await fake.stop();
});
failures.before.each(() => {
  fake.requests.length = 0;
  fake.next.length = 0;
});

async function describeOnce() {
  const sent = await submit(stack.url, await scene(320, 240, 'jpeg'));
  assert.is(sent.status, 202);
  const result = await waitForResult(stack.url, sent.body.job_id, 30_000);
  return result.body;
}

failures('a 429 with Retry-After is waited out and retried; the model answers', async () => {
  fake.next.push({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });
  fake.behaviour = { kind: 'answer', text: 'Answered after a rate limit.' };
  const started = Date.now();
  const body = await describeOnce();
  assert.is(body.status, 'done');
  assert.is(body._generated_by, 'openai:flaky-model');
  assert.is(body.description, 'Answered after a rate limit.');
  assert.is(fake.requests.length, 2);
  assert.ok(Date.now() - started >= 900, 'waited for Retry-After');
});

failures('one 500 then an answer: retried, described by the model', async () => {
  fake.next.push({ kind: 'status', status: 500 });
  fake.behaviour = { kind: 'answer', text: 'Answered after a 500.' };
  const body = await describeOnce();
  assert.is(body._generated_by, 'openai:flaky-model');
  assert.is(fake.requests.length, 2);
});

for (const [what, behaviour, code] of [
  ['a 500 that persists', { kind: 'status', status: 500 }, 'vision_api_error'],
  ['connection resets', { kind: 'reset' }, 'vision_unreachable'],
  ['a hang past the timeout', { kind: 'hang' }, 'vision_timeout'],
  ['malformed JSON', { kind: 'garbage' }, 'vision_api_error'],
  ['an empty answer', { kind: 'answer', text: '' }, 'vision_empty_answer'],
] as const) {
  failures(`${what}: the analyzer describes it, and details say why`, async () => {
    fake.behaviour = behaviour;
    const body = await describeOnce();
    assert.is(body.status, 'done', JSON.stringify(body));
    assert.match(body._generated_by, /^depict-analyzer@/);
    assert.ok(body.description.length > 20);
    assert.is(body.details.fallback_reason.code, code, JSON.stringify(body.details.fallback_reason));
    assert.type(body.details.fallback_reason.message, 'string');
    assert.ok(body.details.analysis, 'the analyzer facts are there');
    assert.ok(fake.requests.length >= 1);
    const status = await get(stack.url, `/status/${body.job_id}`);
    assert.is(status.body.status, 'done');
  });
}

failures.run();
