import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { JobStore } from '@depict/core';
import { POSTGRES_URL, testSchema } from '../../../test-support/postgres.js';
import { tempDir } from '../../../test-support/processes.js';

/**
 * A server and a worker started together on a new data directory both migrate the one
 * SQLite file (kysely's migration lock does nothing on SQLite). Stores opened together
 * interleave their migrations the same way: every one of them must open.
 */
const migrate = suite('migrations on SQLite, several openers at once');

migrate('four stores opened together on a new data directory all open, five times over', async () => {
  for (let round = 0; round < 5; round++) {
    const dir = await tempDir('depict-migrate-');
    try {
      const opened = await Promise.allSettled(Array.from({ length: 4 }, () => JobStore.open({ dataDir: dir.path })));
      const failed = opened.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => String(o.reason));
      for (const o of opened) if (o.status === 'fulfilled') await o.value.close();
      assert.equal(failed, [], failed.join('\n'));
    } finally {
      await dir.remove();
    }
  }
});

migrate.run();

/**
 * On PostgreSQL kysely looks for its bookkeeping table among every schema's tables, and
 * looks up each schema, table and column by name: another user of the same database
 * dropping a schema meanwhile fails that lookup ("schema … does not exist", "relation …
 * does not exist", "column … does not exist"), though ours is whole.
 */
const shared = suite('migrations on PostgreSQL, while others create and drop schemas in the same database');

shared('a store opens while other schemas come and go', async () => {
  const churn = new pg.Client({ connectionString: POSTGRES_URL });
  await churn.connect();
  let churning = true;
  const others = (async () => {
    for (let i = 0; churning; i++) {
      const name = `depict_churn_${process.pid}_${i}`;
      // Each its own transaction, as a test suite or another deployment would: the schema is
      // there, with tables, for a moment before it goes. kysely looks up each column of
      // each table by name, so more of them widen the window it can be caught in.
      await churn.query(`CREATE SCHEMA ${name}`);
      for (let t = 0; t < 4; t++) await churn.query(`CREATE TABLE ${name}.t${t} (a int, b text, c int, d int, e int)`);
      await churn.query(`DROP SCHEMA ${name} CASCADE`);
    }
  })();
  const failed: string[] = [];
  try {
    for (let round = 0; round < 15; round++) {
      const schema = await testSchema();
      const dir = await tempDir('depict-migrate-');
      try {
        const store = await JobStore.open({ dataDir: dir.path, databaseUrl: schema.url });
        await store.close();
      } catch (err) {
        failed.push(String(err));
      } finally {
        await dir.remove();
        await schema.drop();
      }
    }
  } finally {
    churning = false;
    await others;
    await churn.end();
  }
  assert.equal(failed, [], failed.join('\n'));
});

shared.run();
