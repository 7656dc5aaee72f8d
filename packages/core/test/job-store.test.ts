import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { JobStore } from '@depict/core';
import { newJob } from './new-job.js';
import { now, pass, postgres, sqlite } from './store-backends.js';

/**
 * The store's state machine, on SQLite and on PostgreSQL (the machine's local server,
 * in a schema of its own that is dropped afterwards).
 */

for (const backend of [sqlite, postgres]) {
  const test = suite(`job store on ${backend.name}`);
  let store: JobStore;
  let cleanup: () => Promise<void>;
  test.before(async () => {
    ({ store, cleanup } = await backend.open());
  });
  test.after(async () => {
    await store.close();
    await cleanup();
  });

  test('a new job is queued with its facts', async () => {
    const job = newJob();
    await store.insert(job);
    const saved = (await store.get(job.jobId))!;
    assert.is(saved.status, 'queued');
    assert.is(saved.attempts, 0);
    assert.is(saved.byteSize, 123);
    assert.is(saved.sha256, job.sha256);
  });

  const LEASE = { leaseMs: 60_000, maxAttempts: 3, describer: 'test' };

  test("inserts made together are written together, past one statement's worth, each with its own answer", async () => {
    const jobs = Array.from({ length: 150 }, newJob);
    const duplicate = { ...newJob(), jobId: jobs[70]!.jobId, filename: 'duplicate.png' };
    const all = [...jobs, duplicate];
    const answers = await Promise.allSettled(all.map((job) => store.insert(job)));
    // Of the two rows with one id, one is written and the other fails; no other row fails.
    const failed = all.filter((_, i) => answers[i]!.status === 'rejected');
    assert.is(failed.length, 1);
    assert.is(failed[0]!.jobId, duplicate.jobId);
    const kept = failed[0] === duplicate ? jobs[70]! : duplicate;
    for (const job of jobs) assert.is((await store.get(job.jobId))?.status, 'queued', job.jobId);
    assert.is((await store.get(duplicate.jobId))?.filename, kept.filename);
  });

  test('claims and endings made together each get their own answer; one bad ending fails alone', async () => {
    const jobs = Array.from({ length: 80 }, newJob);
    await Promise.all(jobs.map((job) => store.insert(job)));
    // Two claims of every job in the same turn, as two workers given the same job would make.
    const claims = await Promise.all(jobs.flatMap((job) => [store.claim(job.jobId, LEASE), store.claim(job.jobId, LEASE)]));
    for (let i = 0; i < jobs.length; i++) {
      const taken = [claims[2 * i], claims[2 * i + 1]].filter(Boolean);
      assert.is(taken.length, 1, `one claim of ${jobs[i]!.jobId} wins`);
      assert.is(taken[0]!.attempts, 1);
    }
    const result = { description: 'A test.', generatedBy: 'test', details: {} };
    const unwritable = { ...result, details: { size: 1n } }; // JSON cannot hold a BigInt
    const endings = await Promise.allSettled(
      jobs.map((job, i) =>
        i === 40
          ? store.complete(job.jobId, 1, unwritable)
          : i % 2
            ? store.complete(job.jobId, 1, result)
            : store.fail(job.jobId, { code: 'x', message: 'failed on purpose' }, 1),
      ),
    );
    for (let i = 0; i < jobs.length; i++) {
      const saved = (await store.get(jobs[i]!.jobId))!;
      const attempts = await store.attemptsOf(jobs[i]!.jobId);
      if (i === 40) {
        assert.is(endings[i]!.status, 'rejected');
        assert.is(saved.status, 'processing', 'the bad ending changed nothing');
        assert.is(attempts[0]!.outcome, null);
      } else {
        assert.equal(endings[i], { status: 'fulfilled', value: true });
        assert.is(saved.status, i % 2 ? 'done' : 'failed');
        assert.equal(attempts.map((a) => a.outcome), [saved.status]);
      }
    }
  });

  test('claim moves queued -> processing once; a second claim gets nothing while the lease holds', async () => {
    const job = newJob();
    await store.insert(job);
    const first = await store.claim(job.jobId, LEASE);
    assert.is(first?.status, 'processing');
    assert.is(first?.attempts, 1);
    assert.ok(first?.startedAt);
    assert.ok(first!.leaseUntil! > new Date().toISOString());
    assert.is(await store.claim(job.jobId, LEASE), undefined);
  });

  test('a job whose lease ran out can be taken again, as a new attempt; the old attempt can no longer finish it', async () => {
    const job = newJob();
    await store.insert(job);
    await store.claim(job.jobId, { leaseMs: 1, maxAttempts: 3, describer: 'test' });
    pass(5);
    const second = await store.claim(job.jobId, LEASE);
    assert.is(second?.attempts, 2);
    const result = { description: 'late', generatedBy: 'x', details: {} };
    assert.is(await store.complete(job.jobId, 1, result), false, 'attempt 1 lost the job');
    assert.is(await store.renewLease(job.jobId, 1, 1000), false);
    assert.is(await store.renewLease(job.jobId, 2, 1000), true);
    assert.is(await store.complete(job.jobId, 2, { ...result, description: 'on time' }), true);
    assert.is((await store.get(job.jobId))?.description, 'on time');
  });

  test('after maxAttempts takes without an end, the job fails instead of running again', async () => {
    const job = newJob();
    await store.insert(job);
    for (let i = 1; i <= 2; i++) {
      assert.is((await store.claim(job.jobId, { leaseMs: 1, maxAttempts: 2, describer: 'test' }))?.attempts, i);
      pass(5);
    }
    assert.is(await store.claim(job.jobId, { leaseMs: 1, maxAttempts: 2, describer: 'test' }), undefined);
    assert.is(await store.failExhausted(job.jobId, 2), true);
    const failed = await store.get(job.jobId);
    assert.is(failed?.status, 'failed');
    assert.is(failed?.error?.code, 'too_many_attempts');
    assert.is(await store.failExhausted(job.jobId, 2), false);
  });

  test('release hands a job back to the queue and gives its attempt back', async () => {
    const job = newJob();
    await store.insert(job);
    await store.claim(job.jobId, LEASE);
    assert.is(await store.release(job.jobId, 1), true);
    const back = await store.get(job.jobId);
    assert.is(back?.status, 'queued');
    assert.is(back?.attempts, 0);
    assert.is(back?.leaseUntil, null);
  });

  test('complete only from processing, by the attempt holding it, and only once', async () => {
    const job = newJob();
    await store.insert(job);
    const result = { description: 'A red square.', generatedBy: 'depict-analyzer@0.1.0', details: { a: [1, 2] } };
    assert.is(await store.complete(job.jobId, 0, result), false, 'a queued job cannot complete');
    await store.claim(job.jobId, LEASE);
    assert.is(await store.complete(job.jobId, 1, result), true);
    assert.is(await store.complete(job.jobId, 1, { ...result, description: 'late' }), false);
    assert.is(await store.fail(job.jobId, { code: 'x', message: 'late failure' }, 1), false);
    const done = await store.get(job.jobId);
    assert.is(done?.status, 'done');
    assert.is(done?.description, 'A red square.');
    assert.equal(done?.details, { a: [1, 2] });
    assert.ok(done?.finishedAt);
  });

  test('each completion with usage adds to its owner\'s UTC day in the ledger; a model call is counted on its attempt', async () => {
    const owner = `owner-${backend.name}-${Date.now()}`;
    const usage = (input: number, cost?: number) => ({ input_tokens: input, output_tokens: 20, total_tokens: input + 20, ...(cost === undefined ? {} : { cost_usd: cost }) });
    const jobs = [newJob(), newJob(), newJob()].map((j) => ({ ...j, owner }));
    for (const [i, job] of jobs.entries()) {
      await store.insert(job);
      const take = await store.claim(job.jobId, LEASE);
      assert.ok(await store.recordModelCall(job.jobId, take!.attempts, LEASE.leaseMs));
      const details = i === 2 ? {} : { usage: usage(100 * (i + 1), i === 0 ? 0.000027 : undefined) };
      assert.ok(await store.complete(job.jobId, take!.attempts, { description: 'd', generatedBy: 'openai:m', details }));
    }
    const day = now().toISOString().slice(0, 10);
    // The third job reported no usage; the second no cost, which leaves the first's.
    assert.equal(await store.usageDays(owner, day), [{ day, jobs: 2, inputTokens: 300, outputTokens: 40, costUsd: 0.000027 }]);
    assert.is(await store.tokensOn(owner, day), 340);
    assert.is(await store.tokensOn('someone else', day), 0);
    assert.is((await store.attemptsOf(jobs[0]!.jobId))[0]?.model_calls, 1);
  });

  test('fail records the reason; a failed job never comes back', async () => {
    const job = newJob();
    await store.insert(job);
    await store.claim(job.jobId, LEASE);
    assert.is(await store.fail(job.jobId, { code: 'vision_api_error', message: 'answered 500' }, 1), true);
    assert.is(await store.claim(job.jobId, LEASE), undefined);
    const failed = await store.get(job.jobId);
    assert.is(failed?.status, 'failed');
    assert.equal(failed?.error, { code: 'vision_api_error', message: 'answered 500' });
  });

  test('every attempt is recorded; a retried dead letter gets attempts of its own and keeps its history', async () => {
    const job = newJob();
    await store.insert(job);
    const twoTakes = { leaseMs: 1, maxAttempts: 2, describer: 'openai:test' };
    await store.claim(job.jobId, twoTakes); // its worker dies: the lease runs out
    pass(5);
    await store.claim(job.jobId, { ...twoTakes, leaseMs: 60_000 });
    assert.is(await store.fail(job.jobId, { code: 'vision_api_error', message: 'answered 503' }, 2), true);
    assert.is(await store.claim(job.jobId, twoTakes), undefined, 'a failed job is not taken');
    assert.is(await store.retry(job.jobId), true);
    assert.is(await store.retry(job.jobId), false, 'only a failed job is retried');
    const queued = await store.get(job.jobId);
    assert.is(queued?.status, 'queued');
    assert.is(queued?.error, null);
    assert.is(queued?.attemptsBase, 2);
    // Two takes were used before the retry; the retry has two of its own.
    const third = await store.claim(job.jobId, { ...twoTakes, leaseMs: 60_000 });
    assert.is(third?.attempts, 3);
    const done = { description: 'A cat.', generatedBy: 'openai:test-model', details: {} };
    assert.is(await store.complete(job.jobId, 3, done), true);
    const history = await store.attemptsOf(job.jobId);
    assert.equal(
      history.map((a) => [a.attempt, a.outcome, a.error?.code ?? null, a.describer]),
      [
        [1, 'abandoned', null, 'openai:test'],
        [2, 'failed', 'vision_api_error', 'openai:test'],
        [3, 'done', null, 'openai:test-model'],
      ],
    );
    assert.ok(history.every((a) => a.finished_at !== null && a.started_at <= a.finished_at));
    assert.is(await store.deleteFinished(job.jobId), true);
    assert.equal(await store.attemptsOf(job.jobId), [], 'attempts go with the job');
  });

  test('a released attempt is not history; listFailed filters the dead letters', async () => {
    const job = newJob();
    await store.insert(job);
    await store.claim(job.jobId, LEASE);
    await store.release(job.jobId, 1);
    assert.equal(await store.attemptsOf(job.jobId), []);
    await store.claim(job.jobId, LEASE);
    await store.fail(job.jobId, { code: 'timeout', message: 'too slow' }, 1);
    const since = new Date(Date.now() - 60_000).toISOString();
    const timeouts = await store.listFailed({ owner: null, since, errorCode: 'timeout', limit: 100 });
    assert.ok(timeouts.some((j) => j.jobId === job.jobId));
    assert.not.ok((await store.listFailed({ owner: null, errorCode: 'other', limit: 100 })).some((j) => j.jobId === job.jobId));
    const future = new Date(Date.now() + 60_000).toISOString();
    assert.not.ok((await store.listFailed({ owner: null, since: future, limit: 100 })).some((j) => j.jobId === job.jobId));
  });

  test('listStale finds old queued jobs and processing ones whose lease ran out, not others', async () => {
    const [queued, held, expired] = [newJob(), newJob(), newJob()];
    for (const j of [queued, held, expired]) await store.insert(j);
    await store.claim(held.jobId, LEASE);
    await store.claim(expired.jobId, { leaseMs: 1, maxAttempts: 3, describer: 'test' });
    pass(5);
    const later = new Date(Date.now() + 1000).toISOString();
    const stale = await store.listStale({ queuedBefore: later, limit: 1000 });
    assert.ok(stale.includes(queued.jobId));
    assert.ok(stale.includes(expired.jobId));
    assert.not.ok(stale.includes(held.jobId));
    const early = await store.listStale({ queuedBefore: '2000-01-01T00:00:00.000Z', limit: 1000 });
    assert.not.ok(early.includes(queued.jobId));
  });

  test('a webhook is due when its job ends; one claim of several wins; the schedule moves on, and a retry clears it', async () => {
    const job = { ...newJob(), webhookUrl: 'https://example.com/hook' };
    const plain = newJob();
    for (const j of [job, plain]) {
      await store.insert(j);
      const taken = await store.claim(j.jobId, LEASE);
      await store.complete(j.jobId, taken!.attempts, { description: 'd', generatedBy: 'test', details: {} });
    }
    const due = (await store.dueWebhooks(100)).filter((d) => d.jobId === job.jobId || d.jobId === plain.jobId);
    assert.equal(due.map((d) => d.jobId), [job.jobId], 'only the job with a webhook is due');
    const { dueAt } = due[0]!;

    const until = new Date(Date.now() + 60_000).toISOString();
    const claims = await Promise.all([1, 2, 3].map(() => store.claimWebhook(job.jobId, dueAt, until)));
    assert.equal(claims.filter(Boolean).length, 1, 'exactly one claim wins');
    assert.not.ok((await store.dueWebhooks(100)).some((d) => d.jobId === job.jobId), 'held, so not due');

    const failed = { url: 'https://example.com/hook', attempts: 1, delivered_at: null, last_status: 503, last_error: 'answered 503' };
    const retryAt = new Date(Date.now() - 1).toISOString();
    assert.not.ok(await store.saveWebhook(job.jobId, failed, { heldUntil: dueAt, dueAt: retryAt }), 'a stale holder writes nothing');
    assert.ok(await store.saveWebhook(job.jobId, failed, { heldUntil: until, dueAt: retryAt }));
    assert.equal((await store.get(job.jobId))?.webhook, failed);
    assert.ok((await store.dueWebhooks(100)).some((d) => d.jobId === job.jobId && d.dueAt === retryAt), 'due again for the retry');

    // A failed job retried: its webhook starts afresh and is not due until the job ends again.
    const dead = { ...newJob(), webhookUrl: 'https://example.com/hook' };
    await store.insert(dead);
    const take = await store.claim(dead.jobId, LEASE);
    await store.fail(dead.jobId, { code: 'vision_failed', message: 'no' }, take!.attempts);
    assert.ok((await store.dueWebhooks(100)).some((d) => d.jobId === dead.jobId), 'a failure is due too');
    assert.ok(await store.retry(dead.jobId));
    assert.not.ok((await store.dueWebhooks(100)).some((d) => d.jobId === dead.jobId));
    assert.is((await store.get(dead.jobId))?.webhook?.attempts, 0);
  });

  test('opening again runs no migration twice', async () => {
    const again = await backend.open();
    await again.store.ping();
    await again.store.close();
    await again.cleanup();
  });

  test.run();
}
