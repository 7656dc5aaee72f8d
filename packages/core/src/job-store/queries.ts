import type { Attempt } from '@depict/contract';
import type { JobStatus } from '@depict/contract';
import { limitOf, nowIso, type StoreContext } from './context.js';
import { toAttempt, toJob, type Job } from './model.js';

/** Reading jobs: one by id, pages of them, the dead letters, the stale ones, counts. */

export async function get(s: StoreContext, jobId: string): Promise<Job | undefined> {
  const { rows } = await s.compiled.execute('get', [jobId], () => s.db.selectFrom('jobs').selectAll().where('job_id', '=', jobId));
  return rows[0] && toJob(rows[0]);
}

/** Every attempt at a job, first to last. */
export async function attemptsOf(s: StoreContext, jobId: string): Promise<Attempt[]> {
  const rows = await s.db.selectFrom('job_attempts').selectAll().where('job_id', '=', jobId).orderBy('attempt').execute();
  return rows.map(toAttempt);
}

/**
 * Jobs newest first, a page at a time. The cursor is the last row's (created_at,
 * job_id), so a page costs the same however deep it is (keyset pagination).
 */
export async function list(
  s: StoreContext,
  options: { owner: string | null; status?: JobStatus | undefined; limit: number; after?: { createdAt: string; jobId: string } | undefined },
): Promise<Job[]> {
  let query = s.db.selectFrom('jobs').selectAll();
  if (options.owner !== null) query = query.where('owner', '=', options.owner);
  if (options.status) query = query.where('status', '=', options.status);
  const after = options.after;
  if (after) {
    // A row-value comparison, which both databases answer as a range of the
    // (created_at, job_id) index: written as an OR, SQLite walks every newer row first.
    query = query.where((eb) => eb(eb.refTuple('created_at', 'job_id'), '<', eb.tuple(after.createdAt, after.jobId)));
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('job_id', 'desc').limit(limitOf(options.limit)).execute();
  return rows.map(toJob);
}

/** Failed jobs (the dead letters), oldest failure first, for retrying many at once. */
export async function listFailed(
  s: StoreContext,
  filter: { owner: string | null; since?: string | undefined; errorCode?: string | undefined; limit: number },
): Promise<Job[]> {
  let query = s.db.selectFrom('jobs').selectAll().where('status', '=', 'failed');
  if (filter.owner !== null) query = query.where('owner', '=', filter.owner);
  if (filter.since) query = query.where('finished_at', '>=', filter.since);
  if (filter.errorCode) query = query.where('error_code', '=', filter.errorCode);
  const rows = await query.orderBy('finished_at').orderBy('job_id').limit(limitOf(filter.limit)).execute();
  return rows.map(toJob);
}

/**
 * Jobs that need putting (back) on the queue: queued and untouched since `queuedBefore`,
 * or processing under a lease that ran out. Oldest first.
 */
export async function listStale(s: StoreContext, options: { queuedBefore: string; limit: number }): Promise<string[]> {
  const at = nowIso(s);
  const rows = await s.db
    .selectFrom('jobs')
    .select('job_id')
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'queued'), eb('updated_at', '<', options.queuedBefore)]),
        eb.and([eb('status', '=', 'processing'), eb('lease_until', '<', at)]),
      ]),
    )
    .orderBy('created_at')
    .limit(limitOf(options.limit))
    .execute();
  return rows.map((r) => r.job_id);
}

/** Jobs by status (all of them, or one caller's). */
export async function countByStatus(s: StoreContext, owner: string | null): Promise<Partial<Record<JobStatus, number>>> {
  let query = s.db.selectFrom('jobs').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status');
  if (owner !== null) query = query.where('owner', '=', owner);
  const rows = await query.execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** Jobs by status, and the times of the most recent finished ones (for /stats). */
export async function stats(s: StoreContext, owner: string | null, sample: number) {
  let recent = s.db
    .selectFrom('jobs')
    .select(['created_at', 'started_at', 'finished_at'])
    .where('status', '=', 'done')
    .orderBy('finished_at', 'desc')
    .limit(limitOf(sample));
  if (owner !== null) recent = recent.where('owner', '=', owner);
  const [counts, finished] = await Promise.all([countByStatus(s, owner), recent.execute()]);
  return {
    counts,
    finished: finished.map((r) => ({ createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at })),
  };
}
