import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get, submit, waitForResult } from '../../../test-support/api.js';
import { FakeOpenAI } from '../../../test-support/fake-openai.js';
import { scene } from '../../../test-support/images.js';
import { waitFor } from '../../../test-support/ports.js';
import { Stack, type Proc } from '../../../test-support/processes.js';

/**
 * The circuit breaker around the vision API, its state in Redis: three transient
 * failures in a row open it; while open, no worker process calls the API; after the
 * cool-down one probe call decides. The fake server switches between failing and healthy.
 */
// Long enough for a second worker process to start, on a machine busy with other tests,
// and describe three images while the breaker is still open (10 s was seen not to be).
const COOLDOWN_S = 20;
const fake = new FakeOpenAI();
const breaker = suite('vision circuit breaker, shared by worker processes through Redis');
let stack: Stack;

const UNWELL = { kind: 'status', status: 503 } as const;
const HEALTHY = { kind: 'answer', text: 'A lighthouse on a rocky shore.' } as const;

breaker.before(async () => {
  await fake.start();
  stack = new Stack({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_VISION_MODEL: 'breaker-model',
    OPENAI_MAX_RETRIES: '0',
    OPENAI_TIMEOUT_MS: '3000',
    VISION_BREAKER_FAILURES: '3',
    VISION_BREAKER_COOLDOWN_S: String(COOLDOWN_S),
    ANALYZER_OCR: 'off',
    RECONCILE_INTERVAL_MS: '60000',
  });
  await stack.start({ worker: false });
});
breaker.after(async () => {
  await stack.stop();
  await fake.stop();
});

async function describe() {
  const sent = await submit(stack.url, await scene(160, 120));
  assert.is(sent.status, 202);
  return (await waitForResult(stack.url, sent.body.job_id, 30_000)).body;
}

async function breakerState() {
  const ready = await get(stack.url, '/ready');
  assert.is(ready.status, 200, 'an open breaker does not make the service unready');
  return ready.body.details.vision_breaker as { state: string; failures: number; reopens_in_ms?: number };
}

/** Three jobs on a failing API, one at a time: each falls back, the third opens the breaker. */
async function trip(): Promise<void> {
  fake.behaviour = UNWELL;
  for (let i = 0; i < 3; i++) {
    const body = await describe();
    assert.is(body.details.fallback_reason.code, 'vision_api_error');
  }
}

/** A new worker process in place of the one running, if any. */
async function restartWorker(env: Record<string, string> = {}): Promise<Proc> {
  const previous = stack.worker;
  const next = await stack.startWorker(env);
  await previous?.stop();
  return next;
}

/** An open breaker, for the tests that start from one: tripped here unless it already is. */
async function opened(): Promise<void> {
  await stack.ensureWorker();
  if ((await breakerState()).state !== 'open') await trip();
  assert.is((await breakerState()).state, 'open');
}

breaker('three failures open it; while open, a second worker process makes no call and falls back', async () => {
  await restartWorker();
  assert.is((await breakerState()).state, 'closed');
  await trip();
  assert.is(fake.requests.length, 3);
  const open = await breakerState();
  assert.is(open.state, 'open');
  assert.ok(open.reopens_in_ms! > 0 && open.reopens_in_ms! <= COOLDOWN_S * 1000);

  // Another process: it learns of the open breaker from Redis alone.
  await restartWorker();
  for (let i = 0; i < 3; i++) {
    const body = await describe();
    assert.is(body.status, 'done');
    assert.match(body._generated_by, /^depict-analyzer@/);
    assert.is(body.details.fallback_reason.code, 'vision_breaker_open');
    assert.match(body.details.fallback_reason.message, /paused/);
  }
  assert.is(fake.requests.length, 3, 'no call while the breaker is open');
});

breaker('after the API heals, descriptions come from the model again within one cool-down', async () => {
  await opened();
  const calls = fake.requests.length;
  fake.behaviour = HEALTHY;
  const healed = Date.now();
  const body = await waitFor(
    'a description from the model',
    async () => {
      const described = await describe();
      return described._generated_by === 'openai:breaker-model' ? described : undefined;
    },
    { timeoutMs: (COOLDOWN_S + 5) * 1000, intervalMs: 250 },
  );
  assert.is(body._generated_by, 'openai:breaker-model');
  assert.is(body.description, HEALTHY.text);
  assert.ok(Date.now() - healed <= COOLDOWN_S * 1000 + 2_000, `the model answered ${Date.now() - healed} ms after healing`);
  assert.is(fake.requests.length, calls + 1, 'one probe call, and it closed the breaker');
  assert.is((await breakerState()).state, 'closed');
});

breaker('a failing probe opens it for another cool-down', async () => {
  await stack.ensureWorker();
  await trip();
  const calls = fake.requests.length;
  await waitFor('the cool-down to end', async () => ((await breakerState()).state === 'half_open' ? true : undefined), {
    timeoutMs: (COOLDOWN_S + 5) * 1000,
    intervalMs: 100,
  });
  const probe = await describe(); // the probe fails: open again
  assert.is(probe.details.fallback_reason.code, 'vision_api_error');
  assert.is(fake.requests.length, calls + 1);
  assert.is((await breakerState()).state, 'open');
  const next = await describe();
  assert.is(next.details.fallback_reason.code, 'vision_breaker_open');
  assert.is(fake.requests.length, calls + 1);
});

breaker('with OPENAI_FALLBACK=fail, jobs wait while it is open and run when it closes, never failed by it', async () => {
  await opened();
  const worker = await restartWorker({ OPENAI_FALLBACK: 'fail' });
  // What follows must happen while it is open, before any probe, however busy the
  // machine: so a failing probe reopens it, for a whole cool-down from now.
  await waitFor('the cool-down to end', async () => ((await breakerState()).state === 'half_open' ? true : undefined), {
    timeoutMs: (COOLDOWN_S + 5) * 1000,
    intervalMs: 100,
  });
  fake.behaviour = UNWELL;
  await describe();
  assert.is((await breakerState()).state, 'open');
  const calls = fake.requests.length;
  const sent = await submit(stack.url, await scene(160, 120));
  // The worker has taken the job and handed it back to wait: the point where it would have called.
  await waitFor('the job to be put off', () =>
    worker.logs().some((l) => String(l.msg).startsWith('job waits') && l.job_id === sent.body.job_id) ? true : undefined,
  );
  const waiting = await get(stack.url, `/status/${sent.body.job_id}`);
  assert.is(waiting.body.status, 'queued', 'it waits, not failed');
  assert.is(fake.requests.length, calls, 'and no call was made');
  assert.equal(waiting.body.details.attempts, [], 'a wait is not an attempt');

  fake.behaviour = HEALTHY;
  const result = await waitForResult(stack.url, sent.body.job_id, (COOLDOWN_S + 10) * 1000);
  assert.is(result.body.status, 'done', JSON.stringify(result.body));
  assert.is(result.body._generated_by, 'openai:breaker-model');
  assert.is(result.body.details.attempts.length, 1);
  assert.is(fake.requests.length, calls + 1);
});

breaker.run();
