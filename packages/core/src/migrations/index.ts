import type { Migration } from 'kysely/migration';
import * as createJobs from './001-create-jobs.js';
import * as jobLeases from './002-job-leases.js';
import * as jobOwners from './003-job-owners.js';
import * as jobOptions from './004-job-options.js';
import * as idempotencyAndCache from './005-idempotency-and-cache.js';
import * as webhooks from './006-webhooks.js';
import * as jobAttempts from './007-job-attempts.js';
import * as webhookDue from './008-webhook-due.js';
import * as cacheLookupIndex from './009-cache-lookup-index.js';
import * as jobUploads from './010-job-uploads.js';
import * as attemptModelCalls from './011-attempt-model-calls.js';
import * as usageDays from './012-usage-days.js';

/** Every migration, in order. Names sort in the order they run. */
export const migrations: Record<string, Migration> = {
  '001-create-jobs': createJobs,
  '002-job-leases': jobLeases,
  '003-job-owners': jobOwners,
  '004-job-options': jobOptions,
  '005-idempotency-and-cache': idempotencyAndCache,
  '006-webhooks': webhooks,
  '007-job-attempts': jobAttempts,
  '008-webhook-due': webhookDue,
  '009-cache-lookup-index': cacheLookupIndex,
  '010-job-uploads': jobUploads,
  '011-attempt-model-calls': attemptModelCalls,
  '012-usage-days': usageDays,
};
