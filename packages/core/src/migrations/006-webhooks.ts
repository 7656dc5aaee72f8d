import type { Kysely } from 'kysely';

// A job's webhook: where to POST its result, and how delivery went (JSON).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('webhook', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').dropColumn('webhook').execute();
}
