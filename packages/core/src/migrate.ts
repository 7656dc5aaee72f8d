import { sql, type Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import type { Dialect } from './database.js';
import { migrations } from './migrations/index.js';

/** Tries of a migration on SQLite, where processes starting together may race for it. */
const SQLITE_TRIES = 5;
/** Tries on PostgreSQL while other schemas of the database come and go (see below). */
const POSTGRES_TRIES = 10;

/**
 * kysely looks for its bookkeeping table among the tables of every schema in the
 * database, checking each schema's privileges by name and asking each table's serial
 * sequence by name. A schema another user of the database drops meanwhile fails that look
 * with "schema … does not exist" (SQLSTATE 3F000), "relation … does not exist" (42P01)
 * or "column … of relation … does not exist" (42703), though ours is whole. Looking again
 * no longer sees what was dropped.
 */
const DROPPED_MEANWHILE = new Set(['3F000', '42P01', '42703']);

/** A migration that failed while kysely looked at the catalog, before any of ours ran. */
class CatalogLookupFailed extends Error {}

function isSchemaDroppedMeanwhile(err: unknown): boolean {
  if (!(err instanceof CatalogLookupFailed)) return false;
  const cause = err.cause as { code?: unknown } | undefined;
  return typeof cause?.code === 'string' && DROPPED_MEANWHILE.has(cause.code);
}

function mayTryAgain(err: unknown, dialect: Dialect, attempt: number): boolean {
  if (dialect === 'sqlite') return attempt < SQLITE_TRIES;
  return isSchemaDroppedMeanwhile(err) && attempt < POSTGRES_TRIES;
}

/**
 * Bring the schema up to date; run by every process at start. On PostgreSQL kysely takes
 * an advisory lock, so processes starting together wait for each other. On SQLite its lock
 * is a no-op: a server and a worker started together on a new data directory both run
 * the migrations, and the one that commits second fails (a migration recorded twice, a
 * stale snapshot). Its transaction is rolled back whole, so it tries again, and then finds
 * the work done. On PostgreSQL the bookkeeping tables live in the connection's current
 * schema, like the jobs table, so two deployments in two schemas of one database do not
 * see each other's migrations; a schema dropped while kysely looks is tried again too.
 */
export async function migrateToLatest(db: Kysely<any>, dialect: Dialect): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(db, dialect);
    } catch (err) {
      if (!mayTryAgain(err, dialect, attempt)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

async function migrateOnce(db: Kysely<any>, dialect: Dialect): Promise<void> {
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
    // With no migration's result at all, kysely failed before running any: looking for its tables.
    const Failure = results === undefined || results.length === 0 ? CatalogLookupFailed : Error;
    throw new Failure(`database migration failed${name}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}
