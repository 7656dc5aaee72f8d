import type { Kysely } from 'kysely';

// How many requests each attempt made to a paid vision model, counted before each one is
// sent: a job taken over after its worker died shows the calls of both attempts.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('job_attempts').addColumn('model_calls', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('job_attempts').dropColumn('model_calls').execute();
}
