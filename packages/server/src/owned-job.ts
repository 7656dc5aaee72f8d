import { DepictError } from '@depict/contract';
import type { Job, JobStore } from '@depict/core';

/** The shape of every job id this service gives out (a UUID); nothing else is looked up. */
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A job the caller may see, by id: with API keys, another key's job does not exist for
 * it. `owner` comes from the request gate (auth.ts `ownerScope`), null only without keys.
 * A malformed id is as unknown as a missing one: 404, with no query made.
 */
export async function findOwnedJob(store: JobStore, owner: string | null, jobId: string): Promise<Job> {
  const job = JOB_ID.test(jobId) ? await store.get(jobId) : undefined;
  if (!job || (owner !== null && job.owner !== owner)) throw new DepictError('not_found', `No job with id ${jobId}.`);
  return job;
}
