import { sql } from 'kysely';
import { abandonOpenAttempts, isoAfter, nowIso, takeable, takesUsed, webhookDueAt, type Db, type StoreContext } from './context.js';
import { toJob, type Job } from './model.js';

/**
 * A worker's hold on a job: taking it, keeping it, handing it back. Each take is an
 * attempt; the attempt number names the holder in every later write, so a worker that
 * lost its job (its lease ran out and another took it) can change nothing.
 */

/**
 * Take a job to process: queued -> processing, or processing -> processing again when
 * the worker that held it let its lease run out (it died; its attempt is recorded as
 * abandoned). Each take is an attempt, recorded with `describer`. Undefined when the
 * job is someone else's, finished, or out of attempts.
 */
export function claim(s: StoreContext, jobId: string, options: { leaseMs: number; maxAttempts: number; describer: string }): Promise<Job | undefined> {
  const at = nowIso(s);
  return s.change(async (trx) => {
    const row = await trx
      .updateTable('jobs')
      .set({ status: 'processing', attempts: sql`attempts + 1`, started_at: at, updated_at: at, lease_until: isoAfter(s, options.leaseMs) })
      .where('job_id', '=', jobId)
      .where(takeable(at))
      .where((eb) => eb(takesUsed(eb), '<', options.maxAttempts))
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    // A take after the first may follow a worker that died holding the job.
    if (row.attempts > row.attempts_base + 1) await abandonOpenAttempts(trx, jobId, at);
    await trx
      .insertInto('job_attempts')
      .values({ job_id: jobId, attempt: row.attempts, started_at: at, describer: options.describer })
      .onConflict((oc) =>
        oc.columns(['job_id', 'attempt']).doUpdateSet({
          started_at: at,
          finished_at: null,
          outcome: null,
          error_code: null,
          error_message: null,
          describer: options.describer,
        }),
      )
      .execute();
    return toJob(row);
  });
}

/**
 * A job taken maxAttempts times without finishing (its processing kills workers)
 * ends failed, instead of being redelivered forever. False if it is not such a job.
 */
export function failExhausted(s: StoreContext, jobId: string, maxAttempts: number): Promise<boolean> {
  const at = nowIso(s);
  return s.change(async (trx) => {
    const res = await trx
      .updateTable('jobs')
      .set({
        status: 'failed',
        error_code: 'too_many_attempts',
        error_message: `Processing this image was started ${maxAttempts} times and never finished; it is not retried again.`,
        updated_at: at,
        finished_at: at,
        lease_until: null,
        webhook_due_at: webhookDueAt(at),
      })
      .where('job_id', '=', jobId)
      .where(takeable(at))
      .where((eb) => eb(takesUsed(eb), '>=', maxAttempts))
      .executeTakeFirst();
    if (res.numUpdatedRows !== 1n) return false;
    await abandonOpenAttempts(trx, jobId, at);
    return true;
  });
}

/** Extend an attempt's lease, if it still holds the job: no other attempt took it over, and it has not ended. */
async function extendHold(s: StoreContext, db: Db, jobId: string, attempt: number, leaseMs: number): Promise<boolean> {
  const res = await db
    .updateTable('jobs')
    .set({ lease_until: isoAfter(s, leaseMs) })
    .where('job_id', '=', jobId)
    .where('status', '=', 'processing')
    .where('attempts', '=', attempt)
    .executeTakeFirst();
  return res.numUpdatedRows === 1n;
}

/** Keep holding a job while working on it. False when the lease was lost to another worker. */
export function renewLease(s: StoreContext, jobId: string, attempt: number, leaseMs: number): Promise<boolean> {
  return extendHold(s, s.db, jobId, attempt, leaseMs);
}

/**
 * Before a request to a paid model: whether this attempt still holds the job (nobody
 * took it over), and if so, its lease renewed and the call counted on the attempt, in
 * one transaction. False: the job is another attempt's now, and the call must not be made.
 */
export function recordModelCall(s: StoreContext, jobId: string, attempt: number, leaseMs: number): Promise<boolean> {
  return s.change(async (trx) => {
    if (!(await extendHold(s, trx, jobId, attempt, leaseMs))) return false;
    await trx
      .updateTable('job_attempts')
      .set((eb) => ({ model_calls: eb('model_calls', '+', 1) }))
      .where('job_id', '=', jobId)
      .where('attempt', '=', attempt)
      .execute();
    return true;
  });
}

/**
 * processing -> queued, for a worker shutting down before it finished: the attempt is
 * given back, so stopping workers never uses up a job's attempts.
 */
export function release(s: StoreContext, jobId: string, attempt: number): Promise<boolean> {
  return s.change(async (trx) => {
    const res = await trx
      .updateTable('jobs')
      .set({ status: 'queued', attempts: sql`attempts - 1`, lease_until: null, updated_at: nowIso(s) })
      .where('job_id', '=', jobId)
      .where('status', '=', 'processing')
      .where('attempts', '=', attempt)
      .executeTakeFirst();
    if (res.numUpdatedRows !== 1n) return false;
    await trx.deleteFrom('job_attempts').where('job_id', '=', jobId).where('attempt', '=', attempt).execute();
    return true;
  });
}
