import type { Kysely } from 'kysely';

// Idempotency-Key: a key (per caller) remembers the job it created and a hash of the
// request, for 24 hours. The content cache finds finished jobs by the bytes' sha256.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('idempotency_keys')
    .ifNotExists()
    .addColumn('scoped_key', 'varchar(400)', (c) => c.primaryKey())
    .addColumn('request_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('job_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_sha256_status').ifNotExists().on('jobs').columns(['sha256', 'status']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('jobs_sha256_status').ifExists().execute();
  await db.schema.dropTable('idempotency_keys').ifExists().execute();
}
