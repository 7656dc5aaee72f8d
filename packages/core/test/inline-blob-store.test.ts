import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InlineBlobStore, JobStore, LocalBlobStore, newJobId } from '@depict/core';
import { testSchema } from '../../../test-support/postgres.js';
import { tempDir } from '../../../test-support/processes.js';

/** Uploads up to 1 KiB inline in the job store, on SQLite and on PostgreSQL; larger ones as files. */
const MAX = 1024;

const backends = [
  { name: 'SQLite', databaseUrl: async () => ({ url: undefined, drop: async () => undefined }) },
  { name: 'PostgreSQL', databaseUrl: async () => testSchema() },
];

for (const backend of backends) {
  const test = suite(`inline uploads on ${backend.name}`);
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let store: JobStore;
  let files: LocalBlobStore;
  let blobs: InlineBlobStore;
  let drop: () => Promise<void>;
  test.before(async () => {
    dir = await tempDir();
    const db = await backend.databaseUrl();
    drop = db.drop;
    store = await JobStore.open({ dataDir: dir.path, databaseUrl: db.url });
    files = new LocalBlobStore(dir.path);
    blobs = await store.inlineUploads(files, MAX).init();
  });
  test.after(async () => {
    await store.close();
    await drop();
    await dir.remove();
  });

  const filesOnDisk = async () => (await readdir(files.dir)).filter((n) => n !== 'tmp');

  test('a small upload is kept in the job store, not as a file, and read back as its bytes until deleted', async () => {
    const jobId = newJobId();
    const bytes = Buffer.from(Array.from({ length: MAX }, (_, i) => i % 251));
    await blobs.put(jobId, bytes);
    assert.equal(await filesOnDisk(), []);
    assert.ok(await blobs.exists(jobId));
    const opened = await blobs.open(jobId);
    assert.ok(Buffer.isBuffer(opened.source));
    assert.ok((opened.source as Buffer).equals(bytes), 'the same bytes');
    await opened.release();
    const listed = (await blobs.list()).find((b) => b.id === jobId);
    assert.ok(listed && Math.abs(listed.modifiedMs - Date.now()) < 60_000, 'listed, with when it came, for the sweeper');

    await blobs.delete(jobId);
    assert.not.ok(await blobs.exists(jobId));
    assert.not.ok((await blobs.list()).some((b) => b.id === jobId));
    // Gone from the job store, it is looked for in the wrapped store, where it is not either.
    const gone = await blobs.open(jobId);
    assert.type(gone.source, 'string');
    await readFile(gone.source as string).then(
      () => assert.unreachable('a deleted upload cannot be read'),
      () => undefined,
    );
    await blobs.delete(jobId); // deleting again is fine
  });

  test('a larger upload, or one adopted from a file, goes to the wrapped store', async () => {
    const big = newJobId();
    const bytes = Buffer.alloc(MAX + 1, 7);
    await blobs.put(big, bytes);
    assert.equal(await filesOnDisk(), [big]);
    const opened = await blobs.open(big);
    assert.type(opened.source, 'string');
    assert.ok((await readFile(opened.source as string)).equals(bytes));

    const adopted = newJobId();
    const tmp = path.join(blobs.tmpDir, 'incoming');
    await (await import('node:fs/promises')).writeFile(tmp, Buffer.alloc(10, 1));
    await blobs.adopt(adopted, tmp);
    assert.equal((await filesOnDisk()).sort(), [adopted, big].sort());
    assert.ok(await blobs.exists(adopted));

    await blobs.delete(big);
    await blobs.delete(adopted);
    assert.equal(await filesOnDisk(), []);
  });

  test('uploads put in the same turn are written together, and each caller learns of its own', async () => {
    const ids = Array.from({ length: 100 }, () => newJobId());
    await Promise.all(ids.map((id, i) => blobs.put(id, Buffer.from(`upload ${i}`))));
    const read = await Promise.all(ids.map(async (id) => ((await blobs.open(id)).source as Buffer).toString()));
    assert.equal(read, ids.map((_, i) => `upload ${i}`));
    await Promise.all(ids.map((id) => blobs.delete(id)));
    assert.not.ok((await Promise.all(ids.map((id) => blobs.exists(id)))).some(Boolean));
  });

  test('INLINE_UPLOAD_KB=0 keeps every upload a file', async () => {
    const none = store.inlineUploads(files, 0);
    const jobId = newJobId();
    await none.put(jobId, Buffer.from('x'));
    assert.equal(await filesOnDisk(), [jobId]);
    await none.delete(jobId);
    assert.equal(await filesOnDisk(), []);
  });

  test.run();
}
