import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { JobStore, migrateToLatest, type Database } from '@depict/core';
import { tempDir } from '../../../test-support/processes.js';
import { newJob } from './new-job.js';

const statements = suite('job store statements');

statements('no query binds its LIMIT, which would make SQLite compile the statement again on every run', async () => {
  const dir = await tempDir();
  const seen: string[] = [];
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: new SQLite(path.join(dir.path, 'depict.sqlite')) }),
    log: (event) => {
      if (event.level === 'query') seen.push(event.query.sql);
    },
  });
  try {
    await migrateToLatest(db, 'sqlite');
    const store = new JobStore({ db, dialect: 'sqlite' });
    const job = newJob();
    await store.insert(job);
    const before = new Date(Date.now() + 60_000).toISOString();
    await store.findCached(job.sha256, job.options, null);
    await store.list({ owner: null, limit: 20 });
    await store.listFailed({ owner: null, limit: 20 });
    await store.listStale({ queuedBefore: before, limit: 20 });
    await store.dueWebhooks(20);
    await store.stats(null, 20);
    await store.deleteFinishedBefore(before, 20);
    const limited = seen.filter((text) => /\blimit\b/i.test(text));
    assert.is(limited.length, 7, limited.join('\n'));
    for (const text of limited) assert.match(text, /\blimit \d+$/i);
  } finally {
    await db.destroy();
    await dir.remove();
  }
});

statements.run();
