import type { JobOptions } from '@depict/contract';
import { limitOf, type StoreContext } from './context.js';
import { toJob, type Job } from './model.js';

/** The newest finished description of these bytes with these options, for this caller. */
export async function findCached(s: StoreContext, sha256: string, options: JobOptions, owner: string | null): Promise<Job | undefined> {
  const optionsText = JSON.stringify(options);
  const parameters = owner === null ? [sha256, 'done', optionsText] : [sha256, 'done', optionsText, owner];
  const { rows } = await s.compiled.execute(owner === null ? 'findCached' : 'findCached by owner', parameters, () => {
    let query = s.db.selectFrom('jobs').selectAll().where('sha256', '=', sha256).where('status', '=', 'done').where('options', '=', optionsText);
    query = owner === null ? query.where('owner', 'is', null) : query.where('owner', '=', owner);
    return query.orderBy('finished_at', 'desc').limit(limitOf(1));
  });
  return rows[0] && toJob(rows[0]);
}
