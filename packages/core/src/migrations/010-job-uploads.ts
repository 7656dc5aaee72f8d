import { PostgresAdapter, type Kysely } from 'kysely';

// Small uploads kept in the job store from submit until their job ends, where a file
// each cost more than the rest of a submit (inline-blob-store.ts). Larger ones stay
// files or objects.
export async function up(db: Kysely<unknown>): Promise<void> {
  const bytes = db.getExecutor().adapter instanceof PostgresAdapter ? 'bytea' : 'blob';
  await db.schema
    .createTable('job_uploads')
    .ifNotExists()
    .addColumn('job_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('bytes', bytes, (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('job_uploads').ifExists().execute();
}
