import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get, submit, waitForResult } from '../../../test-support/api.js';
import { FakeOpenAI } from '../../../test-support/fake-openai.js';
import { png } from '../../../test-support/images.js';
import { waitFor } from '../../../test-support/ports.js';
import { Stack } from '../../../test-support/processes.js';

/**
 * Real processes, really broken: kill -9 workers mid-job, a job that kills its worker
 * every time, SIGTERM with jobs in flight. Every accepted job ends done or failed with
 * its reason, and none stays processing.
 */
const crashes = suite('a worker killed, a poison job, a graceful shutdown');
const fake = new FakeOpenAI();
let stack: Stack;

crashes.before(async () => {
  await fake.start();
  stack = new Stack({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_VISION_MODEL: 'crash-model',
    OPENAI_FALLBACK: 'fail',
    OPENAI_MAX_RETRIES: '0',
    WORKER_CONCURRENCY: '64',
    JOB_LEASE_MS: '1500',
    MAX_ATTEMPTS: '3',
    // The quick job below (300 ms) must end within it on a machine busy with other tests.
    SHUTDOWN_GRACE_MS: '4000',
    RECONCILE_INTERVAL_MS: '500',
    RECONCILE_GRACE_MS: '500',
  });
  await stack.start({ worker: false });
});
crashes.after(async () => {
  await stack.stop();
  await fake.stop();
});

async function submitMany(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const sent = await submit(stack.url, await png({ width: 40 + i, height: 30 }));
    assert.is(sent.status, 202);
    ids.push(sent.body.job_id);
  }
  return ids;
}

async function statusOf(id: string) {
  return (await get(stack.url, `/status/${id}`)).body.status as string;
}

/** True once every job is processing; asks one job at a time and stops at the first that is not. */
async function allProcessing(ids: string[]): Promise<true | undefined> {
  for (const id of ids) if ((await statusOf(id)) !== 'processing') return undefined;
  return true;
}

function held(text: string): { release: () => void } {
  let release!: () => void;
  fake.behaviour = { kind: 'hold', text, release: new Promise<void>((r) => (release = r)) };
  return { release };
}

crashes('kill -9 a worker with 50 jobs in flight: a new worker finishes all 50, each once', async () => {
  const hold = held('never sent');
  await stack.startWorker();
  const ids = await submitMany(50);
  await waitFor('all 50 processing', () => allProcessing(ids), {
    timeoutMs: 20_000,
  });
  await stack.worker!.stop('SIGKILL');
  fake.behaviour = { kind: 'answer', text: 'Described after the crash.' };
  hold.release();

  const second = await stack.startWorker();
  for (const id of ids) {
    const result = await waitForResult(stack.url, id, 30_000);
    assert.is(result.body.status, 'done', `${id}: ${JSON.stringify(result.body)}`);
    assert.is(result.body.description, 'Described after the crash.');
  }
  const done = second.logs().filter((l) => l.msg === 'job done').map((l) => l.job_id);
  assert.is(done.length, 50, 'the new worker finished each job once');
  assert.is(new Set(done).size, 50);
  const attempts = second.logs().filter((l) => l.msg === 'job processing').map((l) => l.attempt);
  assert.ok(attempts.every((a) => a === 2), `every job was on its second attempt: ${attempts}`);
  await second.stop();
});

crashes('a job that kills its worker every time fails after MAX_ATTEMPTS, with a clear error', async () => {
  fake.behaviour = { kind: 'hang' };
  const [id] = await submitMany(1);
  for (let attempt = 1; attempt <= 3; attempt++) {
    const worker = await stack.startWorker();
    await waitFor(`attempt ${attempt} processing`, () =>
      worker.logs().some((l) => l.msg === 'job processing' && l.job_id === id) ? true : undefined,
    { timeoutMs: 20_000 });
    await worker.stop('SIGKILL');
  }
  const last = await stack.startWorker();
  const result = await waitForResult(stack.url, id!, 20_000);
  assert.is(result.body.status, 'failed');
  assert.is(result.body.error.code, 'too_many_attempts');
  assert.match(result.body.error.message, /3 times/);
  await last.stop();
});

crashes('SIGTERM: a job that ends within the grace period finishes; the rest are handed back and run later', async () => {
  fake.behaviour = { kind: 'answer', text: 'Quick answer.', delayMs: 300 };
  const worker = await stack.startWorker();
  const [quick] = await submitMany(1);
  await waitFor('quick job processing', async () => ((await statusOf(quick!)) === 'processing' ? true : undefined));
  await worker.stop('SIGTERM');
  assert.is(await worker.exited, 0);
  assert.is((await waitForResult(stack.url, quick!)).body.description, 'Quick answer.');

  const hold = held('Answered by the next worker.');
  const slowWorker = await stack.startWorker();
  const slow = await submitMany(3);
  await waitFor('slow jobs processing', () => allProcessing(slow));
  const stopping = slowWorker.stop('SIGTERM');
  await stopping;
  assert.is(await slowWorker.exited, 0);
  assert.ok(slowWorker.logs().some((l) => l.msg === 'grace period over: handing the rest back'), slowWorker.output);
  for (const id of slow) assert.is(await statusOf(id), 'queued', 'handed back, not left processing');

  fake.behaviour = { kind: 'answer', text: 'Answered by the next worker.' };
  hold.release();
  const next = await stack.startWorker();
  for (const id of slow) {
    const result = await waitForResult(stack.url, id, 20_000);
    assert.is(result.body.description, 'Answered by the next worker.', JSON.stringify(result.body));
  }
  const attempts = next.logs().filter((l) => l.msg === 'job processing').map((l) => l.attempt);
  assert.equal(attempts, [1, 1, 1], 'a hand-back does not use up an attempt');
  await next.stop();
});

crashes('a job still processing at JOB_TIMEOUT_MS is stopped and failed with "timeout"', async () => {
  fake.behaviour = { kind: 'hang' };
  const worker = await stack.startWorker({ JOB_TIMEOUT_MS: '1200' });
  const [id] = await submitMany(1);
  const started = Date.now();
  const result = await waitForResult(stack.url, id!, 15_000);
  assert.is(result.body.status, 'failed');
  assert.is(result.body.error.code, 'timeout');
  assert.match(result.body.error.message, /1200 ms/);
  assert.ok(Date.now() - started < 8_000, 'stopped near the limit, not at the API timeout');
  await worker.stop();
});

crashes.run();
