import type { Kysely } from 'kysely';

// With API keys, each job belongs to the key that created it (a hash, never the key).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('owner', 'varchar(64)').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').dropColumn('owner').execute();
}
