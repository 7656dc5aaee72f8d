import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get, post, submit, waitForResult } from '../../../test-support/api.js';
import { FakeOpenAI } from '../../../test-support/fake-openai.js';
import { scene } from '../../../test-support/images.js';
import { waitFor } from '../../../test-support/ports.js';
import { Stack } from '../../../test-support/processes.js';

/**
 * Failed jobs are the dead letters, kept in the job store with every attempt: they are
 * listed, retried one by one or by filter, and a retry runs as a new attempt. The vision
 * model refuses (400) while the test says so; OPENAI_FALLBACK=fail, so a refusal fails the job.
 */
const fake = new FakeOpenAI();
const VISION_ENV = {
  OPENAI_BASE_URL: '',
  OPENAI_API_KEY: 'sk-test',
  OPENAI_VISION_MODEL: 'dead-letter-model',
  OPENAI_MAX_RETRIES: '0',
  OPENAI_FALLBACK: 'fail',
  ANALYZER_OCR: 'off',
};
const REFUSE = { kind: 'status', status: 400, body: JSON.stringify({ error: { message: 'image rejected', type: 'invalid_request_error' } }) } as const;
const ANSWER = { kind: 'answer', text: 'A garden path after rain.' } as const;

async function failedJob(stack: Stack): Promise<string> {
  fake.behaviour = REFUSE;
  const sent = await submit(stack.url, await scene(160, 120));
  assert.is(sent.status, 202);
  const result = await waitForResult(stack.url, sent.body.job_id);
  assert.is(result.body.status, 'failed', JSON.stringify(result.body));
  return sent.body.job_id as string;
}

const letters = suite('dead letters: attempts recorded, failed jobs listed and retried');
let stack: Stack;

letters.before(async () => {
  await fake.start();
  stack = new Stack({ ...VISION_ENV, OPENAI_BASE_URL: fake.baseUrl });
  await stack.start();
});
letters.after(async () => {
  await stack.stop();
  await fake.stop();
});

letters('a failed job shows its attempt, is listed with its error, and a retry ends done with two attempts', async () => {
  const jobId = await failedJob(stack);
  const status = await get(stack.url, `/status/${jobId}`);
  assert.is(status.body.status, 'failed');
  assert.is(status.body.error.code, 'vision_api_error');
  const [first] = status.body.details.attempts;
  assert.is(status.body.details.attempts.length, 1);
  assert.is(first.attempt, 1);
  assert.is(first.outcome, 'failed');
  assert.is(first.error.code, 'vision_api_error');
  assert.match(first.describer, /^openai/);
  assert.ok(Date.parse(first.finished_at) >= Date.parse(first.started_at));

  const dead = await get(stack.url, '/jobs?status=failed&limit=200');
  const listed = dead.body.items.find((j: { job_id: string }) => j.job_id === jobId);
  assert.ok(listed, 'GET /jobs?status=failed lists it');
  assert.is(listed.error.code, 'vision_api_error');

  fake.behaviour = ANSWER;
  const retried = await post(stack.url, `/jobs/${jobId}/retry`);
  assert.is(retried.status, 200, JSON.stringify(retried.body));
  assert.is(retried.body.job_id, jobId);
  assert.ok(['queued', 'processing', 'done'].includes(retried.body.status));
  assert.is(retried.body.error, undefined);

  const done = await waitForResult(stack.url, jobId);
  assert.is(done.body.status, 'done', JSON.stringify(done.body));
  assert.is(done.body.description, 'A garden path after rain.');
  const attempts = done.body.details.attempts;
  assert.equal(
    attempts.map((a: { attempt: number; outcome: string }) => [a.attempt, a.outcome]),
    [
      [1, 'failed'],
      [2, 'done'],
    ],
  );
  assert.is(attempts[1].describer, 'openai:dead-letter-model');
});

letters('only a failed job can be retried: 409 otherwise, 404 for an unknown id', async () => {
  fake.behaviour = ANSWER;
  const sent = await submit(stack.url, await scene(160, 120));
  await waitForResult(stack.url, sent.body.job_id);
  const again = await post(stack.url, `/jobs/${sent.body.job_id}/retry`);
  assert.is(again.status, 409);
  assert.is(again.body.error.code, 'conflict');
  assert.match(again.body.error.message, /is done; only a failed job/);
  const unknown = await post(stack.url, '/jobs/00000000-0000-4000-8000-000000000000/retry');
  assert.is(unknown.status, 404);
});

letters('POST /jobs/retry re-queues the failed jobs that match its filter and says how many', async () => {
  const before = new Date().toISOString();
  const ids = [await failedJob(stack), await failedJob(stack), await failedJob(stack)];
  fake.behaviour = ANSWER;

  const none = await post(stack.url, '/jobs/retry', { status: 'failed', error_code: 'too_many_attempts', since: before });
  assert.is(none.status, 200, JSON.stringify(none.body));
  assert.is(none.body.retried, 0);
  const future = await post(stack.url, '/jobs/retry', { since: new Date(Date.now() + 60_000).toISOString() });
  assert.is(future.body.retried, 0);
  const bad = await post(stack.url, '/jobs/retry', { status: 'done' });
  assert.is(bad.status, 400);
  assert.is(bad.body.error.code, 'bad_request');

  const all = await post(stack.url, '/jobs/retry', { status: 'failed', error_code: 'vision_api_error', since: before });
  assert.is(all.body.retried, 3, JSON.stringify(all.body));
  assert.equal([...all.body.job_ids].sort(), [...ids].sort());
  assert.is(all.body.upload_gone, 0);
  for (const id of ids) {
    const result = await waitForResult(stack.url, id);
    assert.is(result.body.status, 'done');
    assert.is(result.body.details.attempts.length, 2);
  }
});

letters.run();

/** FAILED_RETENTION_HOURS: after it, the sweeper removes a failed job's upload, and a retry is 410. */
const expiry = suite('dead letters: uploads kept for FAILED_RETENTION_HOURS, then a retry is 410');
let short: Stack;

expiry.before(async () => {
  await fake.start();
  short = new Stack({
    ...VISION_ENV,
    OPENAI_BASE_URL: fake.baseUrl,
    FAILED_RETENTION_HOURS: String(4 / 3600), // 4 s: long enough for a retry right after the failure on a loaded machine
    SWEEP_INTERVAL_MS: '250',
    ORPHAN_UPLOAD_MS: '1000', // blobs this old are looked at; uploads in progress are younger
  });
  await short.start();
});
expiry.after(async () => {
  await short.stop();
  await fake.stop();
});

expiry('the upload is kept for a retry, removed after the retention, and a late retry is 410 with a clear message', async () => {
  const goneId = await failedJob(short);
  const keptId = await failedJob(short);
  // Retried as soon as it has failed, well within the retention.
  fake.behaviour = ANSWER;
  const retried = await post(short.url, `/jobs/${keptId}/retry`);
  assert.is(retried.status, 200, 'retried within the retention: the upload is still there');
  assert.is((await waitForResult(short.url, keptId)).body.status, 'done');

  await waitFor('the sweeper to remove the upload kept past its retention', async () =>
    (await short.uploads()).includes(goneId) ? undefined : true,
  { intervalMs: 250 });
  const late = await post(short.url, `/jobs/${goneId}/retry`);
  assert.is(late.status, 410, JSON.stringify(late.body));
  assert.is(late.body.error.code, 'upload_gone');
  assert.match(late.body.error.message, /no longer kept.*FAILED_RETENTION_HOURS.*Submit the image again/);
  const bulk = await post(short.url, '/jobs/retry', {});
  assert.is(bulk.body.retried, 0);
  assert.ok(bulk.body.upload_gone >= 1);
  assert.is((await get(short.url, `/status/${goneId}`)).body.status, 'failed', 'the job itself stays, failed');
});

expiry.run();
