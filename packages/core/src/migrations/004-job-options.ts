import type { Kysely } from 'kysely';

// Per-job options (length, language, prompt, detail) as JSON, and the index that pages
// the job list newest first by (created_at, job_id).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('options', 'text').execute();
  await db.schema.createIndex('jobs_created_at_job_id').ifNotExists().on('jobs').columns(['created_at', 'job_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('jobs_created_at_job_id').ifExists().execute();
  await db.schema.alterTable('jobs').dropColumn('options').execute();
}
