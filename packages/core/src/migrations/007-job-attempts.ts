import type { Kysely } from 'kysely';

// Every attempt at a job, kept with the job: when it started and ended, how, and why it
// failed. Failed jobs are the dead letters; a retry starts a new attempt and keeps the
// history. attempts_base is the attempt count when the job was last retried, so each
// retry gets MAX_ATTEMPTS takes of its own.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('job_attempts')
    .ifNotExists()
    .addColumn('job_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('finished_at', 'varchar(32)')
    .addColumn('outcome', 'varchar(16)')
    .addColumn('error_code', 'varchar(64)')
    .addColumn('error_message', 'text')
    .addColumn('describer', 'varchar(200)')
    .addPrimaryKeyConstraint('job_attempts_pk', ['job_id', 'attempt'])
    .execute();
  await db.schema.alterTable('jobs').addColumn('attempts_base', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('jobs_status_finished').ifNotExists().on('jobs').columns(['status', 'finished_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('jobs_status_finished').ifExists().execute();
  await db.schema.alterTable('jobs').dropColumn('attempts_base').execute();
  await db.schema.dropTable('job_attempts').ifExists().execute();
}
