import { sql, type Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import type { Dialect } from './database.js';
import { migrations } from './migrations/index.js';

/**
 * Bring the schema up to date; run by every process at start (kysely takes a lock, so
 * processes starting together are safe). On PostgreSQL the bookkeeping tables live in
 * the connection's current schema, like the jobs table, so two deployments in two
 * schemas of one database do not see each other's migrations.
 */
export async function migrateToLatest(db: Kysely<any>, dialect: Dialect): Promise<void> {
  let migrationTableSchema: string | undefined;
  if (dialect === 'postgres') {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
    migrationTableSchema = rows[0]?.schema;
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'depict_migrations',
    migrationLockTableName: 'depict_migrations_lock',
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const name = failed ? ` (${failed.migrationName})` : '';
    throw new Error(`database migration failed${name}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}
