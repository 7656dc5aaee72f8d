import { limitOf, type StoreContext } from './context.js';
import { FINISHED } from './model.js';

/** Removing finished jobs, one on request or a batch of old ones, with their attempts. */

/** Delete a finished job's row. False when it is not finished (or not there). */
export function deleteFinished(s: StoreContext, jobId: string): Promise<boolean> {
  return s.db.transaction().execute(async (trx) => {
    const res = await trx.deleteFrom('jobs').where('job_id', '=', jobId).where('status', 'in', FINISHED).executeTakeFirst();
    if (res.numDeletedRows !== 1n) return false;
    await trx.deleteFrom('job_attempts').where('job_id', '=', jobId).execute();
    return true;
  });
}

/** Delete finished jobs that finished before `before`, a batch at a time; their ids. */
export async function deleteFinishedBefore(s: StoreContext, before: string, limit: number): Promise<string[]> {
  const rows = await s.db
    .selectFrom('jobs')
    .select('job_id')
    .where('status', 'in', FINISHED)
    .where('finished_at', '<', before)
    .limit(limitOf(limit))
    .execute();
  const ids = rows.map((r) => r.job_id);
  if (ids.length > 0) {
    await s.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('jobs').where('job_id', 'in', ids).where('status', 'in', FINISHED).execute();
      await trx.deleteFrom('job_attempts').where('job_id', 'in', ids).execute();
    });
  }
  return ids;
}
