import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DepictApiError, DepictClient } from '@depict/sdk';
import { submit, waitForResult } from '../../../test-support/api.js';
import { FakeOpenAI } from '../../../test-support/fake-openai.js';
import { scene } from '../../../test-support/images.js';
import { Stack } from '../../../test-support/processes.js';

/** retry and retryMany through the SDK; the vision model refuses until the test lets it answer. */
const fake = new FakeOpenAI();
const letters = suite('@depict/sdk retries dead letters');
let stack: Stack;
const REFUSE = { kind: 'status', status: 400 } as const;
const ANSWER = { kind: 'answer', text: 'A garden path after rain.' } as const;

letters.before(async () => {
  await fake.start();
  stack = new Stack({
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: 'sk-test',
    OPENAI_MAX_RETRIES: '0',
    OPENAI_FALLBACK: 'fail',
    ANALYZER_OCR: 'off',
  });
  await stack.start();
});
letters.after(async () => {
  await stack.stop();
  await fake.stop();
});

async function failedJob(): Promise<string> {
  fake.behaviour = REFUSE;
  const sent = await submit(stack.url, await scene(160, 120));
  assert.is((await waitForResult(stack.url, sent.body.job_id)).body.status, 'failed');
  return sent.body.job_id as string;
}

letters('the SDK retries a dead letter and waits for it', async () => {
  const jobId = await failedJob();
  fake.behaviour = ANSWER;
  const client = new DepictClient({ baseUrl: stack.url });
  const status = await client.retry(jobId);
  assert.is(status.job_id, jobId);
  const done = await client.wait(jobId, { timeoutMs: 30_000 });
  assert.is(done.description, 'A garden path after rain.');
  try {
    await client.retry(jobId);
    assert.unreachable('a done job cannot be retried');
  } catch (err) {
    assert.instance(err, DepictApiError);
    assert.is((err as DepictApiError).code, 'conflict');
    assert.is((err as DepictApiError).status, 409);
  }
  const many = await client.retryMany({ error_code: 'vision_api_error', since: new Date(Date.now() + 1000) });
  assert.is(many.retried, 0);
});

letters.run();
