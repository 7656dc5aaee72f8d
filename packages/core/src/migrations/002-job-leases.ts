import type { Kysely } from 'kysely';

// A processing job belongs to the worker holding its lease; a lease that runs out means
// that worker is gone, and the job may be taken again.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('lease_until', 'varchar(32)').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').dropColumn('lease_until').execute();
}
