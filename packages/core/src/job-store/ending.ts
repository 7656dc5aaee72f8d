import { sql } from 'kysely';
import type { JobError } from '@depict/contract';
import { endAttempt, nowIso, webhookDueAt, type StoreContext } from './context.js';
import { newRow, newWebhook, toJob, type Completion, type Job, type NewJob } from './model.js';
import { recordUsage, usageOf } from './usage-ledger.js';
import { get } from './queries.js';

/**
 * How jobs come into the store and how they end: every change is a conditional UPDATE
 * that names the state it leaves, so a duplicate or late delivery changes nothing and
 * reports so.
 */

/** Record a job just accepted, as queued. Resolves once its row is written. */
export async function insert(s: StoreContext, job: NewJob): Promise<void> {
  await s.inserts.add(newRow(job, nowIso(s)));
}

/** Record a job that is done at once, with a description taken from another job. */
export async function insertDone(s: StoreContext, job: NewJob, result: Completion): Promise<Job> {
  const at = nowIso(s);
  const row = await s.db
    .insertInto('jobs')
    .values({
      ...newRow(job, at),
      status: 'done',
      description: result.description,
      generated_by: result.generatedBy,
      details: JSON.stringify(result.details),
      started_at: at,
      finished_at: at,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toJob(row);
}

/**
 * processing -> done, by the attempt that holds the job. False when the job is not
 * (or no longer) that attempt's: a late or duplicate worker changes nothing.
 */
export function complete(s: StoreContext, jobId: string, attempt: number, result: Completion): Promise<boolean> {
  const at = nowIso(s);
  return s.change(async (trx) => {
    const res = await trx
      .updateTable('jobs')
      .set({
        status: 'done',
        description: result.description,
        generated_by: result.generatedBy,
        details: JSON.stringify(result.details),
        error_code: null,
        error_message: null,
        updated_at: at,
        finished_at: at,
        lease_until: null,
        webhook_due_at: webhookDueAt(at),
      })
      .where('job_id', '=', jobId)
      .where('status', '=', 'processing')
      .where('attempts', '=', attempt)
      .returning('owner')
      .executeTakeFirst();
    if (!res) return false;
    await endAttempt(trx, jobId, attempt, { finished_at: at, outcome: 'done', describer: result.generatedBy });
    const usage = usageOf(result.details);
    if (usage) await recordUsage(trx, res.owner, at, usage);
    return true;
  });
}

/**
 * -> failed. With an attempt: only while that attempt holds the job. Without one: a
 * queued job that cannot run (its upload is gone). False when it had already finished.
 */
export function fail(s: StoreContext, jobId: string, error: JobError, attempt?: number): Promise<boolean> {
  const at = nowIso(s);
  return s.change(async (trx) => {
    let query = trx
      .updateTable('jobs')
      .set({
        status: 'failed',
        error_code: error.code,
        error_message: error.message,
        updated_at: at,
        finished_at: at,
        lease_until: null,
        webhook_due_at: webhookDueAt(at),
      })
      .where('job_id', '=', jobId);
    query =
      attempt === undefined
        ? query.where('status', '=', 'queued')
        : query.where('status', '=', 'processing').where('attempts', '=', attempt);
    const res = await query.executeTakeFirst();
    if (res.numUpdatedRows !== 1n) return false;
    if (attempt !== undefined) {
      await endAttempt(trx, jobId, attempt, { finished_at: at, outcome: 'failed', error_code: error.code, error_message: error.message });
    }
    return true;
  });
}

/** queued -> canceled. False when the job is no longer queued. */
export async function cancel(s: StoreContext, jobId: string): Promise<boolean> {
  const at = nowIso(s);
  const res = await s.db
    .updateTable('jobs')
    .set({ status: 'canceled', updated_at: at, finished_at: at, lease_until: null })
    .where('job_id', '=', jobId)
    .where('status', '=', 'queued')
    .executeTakeFirst();
  return res.numUpdatedRows === 1n;
}

/**
 * failed -> queued: a dead letter goes back on the queue as a new attempt, with
 * MAX_ATTEMPTS takes of its own; its history is kept. False when it is not failed.
 */
export async function retry(s: StoreContext, jobId: string): Promise<boolean> {
  const job = await get(s, jobId);
  if (!job || job.status !== 'failed') return false;
  const res = await s.db
    .updateTable('jobs')
    .set({
      status: 'queued',
      attempts_base: sql`attempts`,
      error_code: null,
      error_message: null,
      updated_at: nowIso(s),
      started_at: null,
      finished_at: null,
      lease_until: null,
      // The webhook fires again for the new ending.
      webhook: job.webhook ? JSON.stringify(newWebhook(job.webhook.url)) : null,
      webhook_due_at: null,
    })
    .where('job_id', '=', jobId)
    .where('status', '=', 'failed')
    .executeTakeFirst();
  return res.numUpdatedRows === 1n;
}
