import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get, submit, waitForResult } from '../../../test-support/api.js';
import { png, scene, sharp } from '../../../test-support/images.js';
import { waitFor } from '../../../test-support/ports.js';
import { testSchema } from '../../../test-support/postgres.js';
import { Stack } from '../../../test-support/processes.js';

/**
 * Uploads in S3 (s3rver, a local S3-compatible server) and jobs in PostgreSQL: the server
 * and the worker run with DATA_DIRs of their own, so they share no disk at all.
 */
const storage = suite('uploads in object storage: server and worker share no disk');
const BUCKET = 'depict-uploads';
let s3rver: S3rver;
let s3Port = 0;
let s3Dir: string;
let workerDir: string;
let schema: Awaited<ReturnType<typeof testSchema>>;
let stack: Stack;
let s3: S3Client;

storage.before(async () => {
  s3Dir = await mkdtemp(path.join(os.tmpdir(), 'depict-s3-'));
  workerDir = await mkdtemp(path.join(os.tmpdir(), 'depict-worker-'));
  // On a port of the system's choosing; a restart takes the same one, which the stack knows.
  s3Port = (await startS3rver()).port;
  const endpoint = `http://127.0.0.1:${s3Port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  schema = await testSchema();
  stack = new Stack({
    DATABASE_URL: schema.url,
    S3_BUCKET: BUCKET,
    S3_ENDPOINT: endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    S3_ACCESS_KEY_ID: credentials.accessKeyId,
    S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    S3_PREFIX: 'jobs/',
    // The test's images are small: without this they would be kept in PostgreSQL.
    INLINE_UPLOAD_KB: '0',
  });
  await stack.start({ worker: false });
});
storage.after(async () => {
  await stack.stop();
  await schema.drop();
  s3.destroy();
  await s3rver.close();
  await rm(s3Dir, { recursive: true, force: true });
  await rm(workerDir, { recursive: true, force: true });
});

/** s3rver over the test's directory, on s3Port (0 at first: any free port). */
async function startS3rver(): Promise<{ port: number }> {
  s3rver = new S3rver({ address: '127.0.0.1', port: s3Port, directory: s3Dir, silent: true, configureBuckets: [{ name: BUCKET, configs: [] }] });
  return s3rver.run();
}

async function keys(): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return (page.Contents ?? []).map((o) => o.Key!).sort();
}

const filesUnder = async (dir: string) => (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());

storage('an upload waits in the bucket, a worker on another disk describes it, and the object goes when the job ends', async () => {
  const a = await submit(stack.url, await scene(320, 240));
  const b = await submit(stack.url, await png({ width: 64, height: 48 }));
  // Past 1 MiB an upload reaches the bucket from a temporary file rather than from memory.
  const noise = await sharp(randomBytes(700 * 700 * 3), { raw: { width: 700, height: 700, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
  const c = await submit(stack.url, noise);
  for (const sent of [a, b, c]) assert.is(sent.status, 202, JSON.stringify(sent.body));
  assert.equal(await keys(), [a, b, c].map((sent) => `jobs/${sent.body.job_id}`).sort(), 'the uploads are in the bucket');
  assert.equal(await filesUnder(stack.dataDir), [], 'and nothing on the server disk');

  await stack.startWorker({ DATA_DIR: workerDir });
  for (const sent of [a, b, c]) {
    const result = await waitForResult(stack.url, sent.body.job_id);
    assert.is(result.body.status, 'done', JSON.stringify(result.body));
    assert.match(result.body._generated_by, /^depict-analyzer@/);
  }
  assert.is((await waitForResult(stack.url, a.body.job_id)).body.details.analysis.width, 320, 'it read the real bytes');
  assert.is((await waitForResult(stack.url, c.body.job_id)).body.details.analysis.width, 700);
  await waitFor('the objects to be deleted', async () => ((await keys()).length === 0 ? true : undefined));
  assert.equal(await filesUnder(workerDir), [], 'the worker kept no copy');
});

storage('canceling a queued job deletes its object; a job whose object is gone fails with upload_missing', async () => {
  await stack.worker?.stop();
  const queued = await submit(stack.url, await png({ width: 30, height: 20 }));
  const res = await fetch(`${stack.url}/jobs/${queued.body.job_id}`, { method: 'DELETE' });
  assert.is(res.status, 200);
  assert.equal(await keys(), []);

  const orphan = await submit(stack.url, await png({ width: 31, height: 20 }));
  const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
  await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `jobs/${orphan.body.job_id}` }));
  await stack.startWorker({ DATA_DIR: workerDir });
  const failed = await waitForResult(stack.url, orphan.body.job_id);
  assert.is(failed.body.status, 'failed');
  assert.is(failed.body.error.code, 'upload_missing');
  assert.is((await get(stack.url, '/ready')).status, 200);
});

storage('/ready checks the bucket: 503 while the object store is away', async () => {
  const ready = await get(stack.url, '/ready');
  assert.ok(ready.body.checks.some((c: { name: string; ok: boolean }) => c.name === 'blob_store' && c.ok));
  await s3rver.close();
  const away = await get(stack.url, '/ready');
  assert.is(away.status, 503);
  assert.match(away.body.error.message, /blob_store/);
  await startS3rver();
  await waitFor('ready again', async () => ((await get(stack.url, '/ready')).status === 200 ? true : undefined));
});

storage.run();
