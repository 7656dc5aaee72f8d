import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DepictApiError, DepictClient } from '@depict/sdk';
import { submit, waitForResult } from '../../../test-support/api.js';
import { FakeOpenAI } from '../../../test-support/fake-openai.js';
import { scene } from '../../../test-support/images.js';
import { REPO_ROOT, Stack } from '../../../test-support/processes.js';

const run = promisify(execFile);
const CLI = path.join(REPO_ROOT, 'packages/sdk/dist/cli.js');

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

letters('the CLI retries one dead letter, or every failed job matching a filter', async () => {
  const one = await failedJob();
  const two = await failedJob();
  fake.behaviour = ANSWER;
  const cli = (...args: string[]) =>
    run(process.execPath, [CLI, ...args, '--server', stack.url]).then(({ stdout }) => JSON.parse(stdout));
  assert.is((await cli('retry', one)).job_id, one);
  assert.is((await new DepictClient({ baseUrl: stack.url }).wait(one, { timeoutMs: 30_000 })).status, 'done');
  const bulk = await cli('retry', '--failed', '--error-code', 'vision_api_error');
  assert.ok(bulk.job_ids.includes(two), JSON.stringify(bulk));
  assert.not.ok(bulk.job_ids.includes(one), 'a done job is not retried');
  const refused = await run(process.execPath, [CLI, 'retry', one, '--server', stack.url]).catch((err: { code: number; stderr: string }) => err);
  assert.is((refused as { code: number }).code, 1);
  assert.match((refused as { stderr: string }).stderr, /conflict: The job is done/);
});

letters.run();
