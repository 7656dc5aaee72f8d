import type { Kysely } from 'kysely';

// When a finished job's webhook may next be attempted, by any worker: set when the job
// ends, pushed forward while a worker holds the delivery (its lease) and between
// retries, null once delivered or given up. Retries live in the store, so a worker that
// stops hands its remaining ones to the others.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('webhook_due_at', 'varchar(32)').execute();
  await db.schema.createIndex('jobs_webhook_due').ifNotExists().on('jobs').column('webhook_due_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('jobs_webhook_due').ifExists().execute();
  await db.schema.alterTable('jobs').dropColumn('webhook_due_at').execute();
}
