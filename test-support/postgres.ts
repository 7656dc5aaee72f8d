import { randomUUID } from 'node:crypto';

/** The machine's PostgreSQL; every user of it gets a schema of its own. */
export const POSTGRES_URL = process.env.DEPICT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** True when the integration tests should run on PostgreSQL (the runner's second pass). */
export const onPostgres = process.env.DEPICT_TEST_STORE === 'postgres';

/**
 * A fresh schema in the test database, and a DATABASE_URL whose connections use it
 * (search_path), so runs never see each other's rows. `drop` removes it.
 */
export async function testSchema(): Promise<{ url: string; drop: () => Promise<void> }> {
  const schema = `depict_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  // Loaded here, not with the module: every test process loads this one (through
  // processes.ts), most of them to run on SQLite.
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}
