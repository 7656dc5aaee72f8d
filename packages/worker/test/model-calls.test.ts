import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Describer } from '@depict/contract';
import { JobStore, Jobs, LocalBlobStore, createLogger, newJobId } from '@depict/core';
import { JobProcessor } from '../src/job-processor.js';
import { StoreRetry } from '../src/store-retry.js';
import { submit, waitForResult } from '../../../test-support/api.js';
import { FakeOpenAI } from '../../../test-support/fake-openai.js';
import { png, scene } from '../../../test-support/images.js';
import { waitFor } from '../../../test-support/ports.js';
import { Stack } from '../../../test-support/processes.js';

/**
 * Every request to the vision model is counted on its attempt (details.attempts[].model_calls),
 * after checking that the attempt still holds its job: a worker that lost its job to
 * another never pays for a call of its own.
 */
const calls = suite('paid model calls: counted per attempt, made only by the attempt that holds the job');
const fake = new FakeOpenAI();
let stack: Stack;

calls.before(async () => {
  await fake.start();
  stack = new Stack({
    OPENAI_API_KEY: 'sk-test-key',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_MAX_RETRIES: '1',
    OPENAI_TIMEOUT_MS: '20000',
    OPENAI_FALLBACK: 'fail',
    JOB_LEASE_MS: '1500',
    RECONCILE_INTERVAL_MS: '500',
    RECONCILE_GRACE_MS: '200',
    VISION_BREAKER_FAILURES: '0',
  });
  await stack.start();
});
calls.after(async () => {
  await stack.stop();
  await fake.stop();
});

calls('a call the SDK retries counts twice on its attempt', async () => {
  fake.requests.length = 0;
  fake.next.push({ kind: 'status', status: 500 });
  fake.behaviour = { kind: 'answer', text: 'A blue square.' };
  const sent = await submit(stack.url, await png({ width: 30, height: 30 }));
  const result = await waitForResult(stack.url, sent.body.job_id);
  assert.is(result.body.status, 'done', JSON.stringify(result.body));
  assert.is(fake.requests.length, 2);
  assert.equal(
    result.body.details.attempts.map((a: { attempt: number; model_calls: number }) => [a.attempt, a.model_calls]),
    [[1, 2]],
  );
});

calls('a job taken over from a stalled worker shows both attempts’ calls', async () => {
  fake.requests.length = 0;
  let release!: () => void;
  fake.next.push({ kind: 'hold', text: 'Too late.', release: new Promise<void>((r) => (release = r)) });
  fake.behaviour = { kind: 'answer', text: 'A landscape.' };
  const stalled = stack.worker!;
  const sent = await submit(stack.url, await scene(60, 40));
  await waitFor('the first call to arrive', () => (fake.requests.length === 1 ? true : undefined));
  stalled.child.kill('SIGSTOP');
  try {
    await stack.startWorker();
    const result = await waitForResult(stack.url, sent.body.job_id, 30_000);
    assert.is(result.body.status, 'done', JSON.stringify(result.body));
    assert.is(result.body.description, 'A landscape.');
    const attempts = result.body.details.attempts as Array<{ attempt: number; outcome: string; model_calls: number }>;
    assert.equal(
      attempts.map((a) => [a.attempt, a.outcome, a.model_calls]),
      [
        [1, 'abandoned', 1],
        [2, 'done', 1],
      ],
    );
  } finally {
    stalled.child.kill('SIGCONT');
    release();
  }
});

calls.run();

const check = suite("the lease check before a model call, on the worker's own processor and a real job store");

check('an attempt that lost its job makes no call; the attempt that took it over makes one', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'depict-calls-'));
  let later = 0;
  const store = await JobStore.open({ dataDir: dir, clock: () => new Date(Date.now() + later) });
  const blobs = await new LocalBlobStore(dir).init();
  const logger = createLogger('worker', 'silent');
  try {
    const jobId = newJobId();
    const image = await png({ width: 8, height: 8 });
    await blobs.put(jobId, image);
    await store.insert({ jobId, filename: null, mediaType: 'image/png', byteSize: image.length, sha256: 'x', width: 8, height: 8, owner: null, options: { length: 'normal', detail: 'auto' }, webhookUrl: null });

    let paid = 0;
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    /** Stands in for a model: it pays only after the processor's check passes. */
    const model = (wait: Promise<void>): Describer => ({
      name: 'paid-model',
      async describe(_image, options) {
        await wait;
        await options?.beforeModelCall?.();
        paid++;
        return { description: 'Described.', generatedBy: 'paid-model', details: {} };
      },
    });
    // A lease long enough that no heartbeat runs: only the check before the call can notice the takeover.
    const jobs = new Jobs({ store, blobs, events: { publish: () => undefined }, logger, failedRetentionMs: 0 });
    const processor = (describer: Describer) =>
      new JobProcessor({ jobs, blobs, describer, logger, leaseMs: 600_000, maxAttempts: 3, timeoutMs: 60_000, storeRetry: new StoreRetry(logger) });

    const first = processor(model(gate)).process(jobId);
    await waitFor('the first attempt to hold the job', async () => ((await store.get(jobId))?.status === 'processing' ? true : undefined));
    // The first worker stalls; its lease runs out and a second worker takes the job over.
    later = 2 * 600_000;
    assert.is(await processor(model(Promise.resolve())).process(jobId), 'done');
    openGate();
    assert.is(await first, 'lost');
    assert.is(paid, 1, 'one paid call');
    const attempts = await store.attemptsOf(jobId);
    assert.equal(
      attempts.map((a) => [a.attempt, a.model_calls]),
      [
        [1, 0],
        [2, 1],
      ],
    );
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

check.run();
