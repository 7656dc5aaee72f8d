import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { JobStore, type NewJob } from '@depict/shared';
import { tempDir } from '../../../test-support/processes.js';

/**
 * The store's state machine, on SQLite and on PostgreSQL (the machine's local server,
 * in a schema of its own that is dropped afterwards).
 */
const POSTGRES_URL = process.env.DEPICT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function newJob(): NewJob {
  return { jobId: randomUUID(), filename: 'a.png', mediaType: 'image/png', byteSize: 123, sha256: 'ab'.repeat(32), width: 4, height: 3 };
}

interface Backend {
  name: string;
  open(): Promise<{ store: JobStore; cleanup: () => Promise<void> }>;
}

const sqlite: Backend = {
  name: 'SQLite',
  async open() {
    const dir = await tempDir();
    const store = await JobStore.open({ dataDir: dir.path });
    return { store, cleanup: dir.remove };
  },
};

const postgres: Backend = {
  name: 'PostgreSQL',
  async open() {
    const schema = `depict_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const store = await JobStore.open({ dataDir: '/nonexistent', databaseUrl: url.toString() });
    return {
      store,
      cleanup: async () => {
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
        await admin.end();
      },
    };
  },
};

for (const backend of [sqlite, postgres]) {
  const test = suite(`job store on ${backend.name}`);
  let store: JobStore;
  let cleanup: () => Promise<void>;
  test.before(async () => {
    ({ store, cleanup } = await backend.open());
  });
  test.after(async () => {
    await store.close();
    await cleanup();
  });

  test('a new job is queued with its facts', async () => {
    const job = newJob();
    const saved = await store.insert(job);
    assert.is(saved.status, 'queued');
    assert.is(saved.attempts, 0);
    assert.is(saved.byteSize, 123);
    assert.equal(await store.get(job.jobId), saved);
  });

  test('claim moves queued -> processing once; a second claim gets nothing', async () => {
    const job = newJob();
    await store.insert(job);
    const first = await store.claim(job.jobId);
    assert.is(first?.status, 'processing');
    assert.is(first?.attempts, 1);
    assert.ok(first?.startedAt);
    assert.is(await store.claim(job.jobId), undefined);
  });

  test('complete only from processing, and only once', async () => {
    const job = newJob();
    await store.insert(job);
    const result = { description: 'A red square.', generatedBy: 'depict-analyzer@0.1.0', details: { a: [1, 2] } };
    assert.is(await store.complete(job.jobId, result), false, 'a queued job cannot complete');
    await store.claim(job.jobId);
    assert.is(await store.complete(job.jobId, result), true);
    assert.is(await store.complete(job.jobId, { ...result, description: 'late' }), false);
    assert.is(await store.fail(job.jobId, { code: 'x', message: 'late failure' }), false);
    const done = await store.get(job.jobId);
    assert.is(done?.status, 'done');
    assert.is(done?.description, 'A red square.');
    assert.equal(done?.details, { a: [1, 2] });
    assert.ok(done?.finishedAt);
  });

  test('fail records the reason; a failed job never comes back', async () => {
    const job = newJob();
    await store.insert(job);
    await store.claim(job.jobId);
    assert.is(await store.fail(job.jobId, { code: 'vision_api_error', message: 'answered 500' }), true);
    assert.is(await store.claim(job.jobId), undefined);
    const failed = await store.get(job.jobId);
    assert.is(failed?.status, 'failed');
    assert.equal(failed?.error, { code: 'vision_api_error', message: 'answered 500' });
  });

  test('listQueued finds queued jobs older than the cut-off, not others', async () => {
    const a = newJob();
    const b = newJob();
    await store.insert(a);
    await store.insert(b);
    await store.claim(b.jobId);
    const later = new Date(Date.now() + 1000).toISOString();
    const queued = await store.listQueued({ before: later, limit: 1000 });
    assert.ok(queued.includes(a.jobId));
    assert.not.ok(queued.includes(b.jobId));
    assert.not.ok((await store.listQueued({ before: '2000-01-01T00:00:00.000Z', limit: 1000 })).includes(a.jobId));
  });

  test('opening again runs no migration twice', async () => {
    const again = await backend.open();
    await again.store.ping();
    await again.store.close();
    await again.cleanup();
  });

  test.run();
}
