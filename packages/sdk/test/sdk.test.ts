import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DepictApiError, DepictClient, DepictTimeoutError } from '@depict/sdk';
import { png, scene } from '../../../test-support/images.js';
import { waitFor } from '../../../test-support/ports.js';
import { Stack, tempDir } from '../../../test-support/processes.js';

const sdk = suite('@depict/sdk against a running server');
const stack = new Stack();
let client: DepictClient;

sdk.before(async () => {
  await stack.start();
  client = new DepictClient({ baseUrl: stack.url });
});
sdk.after(async () => {
  await stack.stop();
});

sdk('describe(path) submits a file from disk and waits for its description', async () => {
  await stack.ensureWorker();
  const dir = await tempDir();
  try {
    const file = path.join(dir.path, 'garden.png');
    await writeFile(file, await scene(320, 240));
    const result = await client.describe(file, { timeoutMs: 30_000 });
    assert.is(result.status, 'done');
    assert.ok(result.description.length > 20);
    assert.match(result._generated_by, /^depict-analyzer@/);
  } finally {
    await dir.remove();
  }
});

sdk('submit, status and result are typed calls on the same job', async () => {
  await stack.ensureWorker();
  const sent = await client.submit(await png({ width: 90, height: 60 }), { filename: 'tiny.png' });
  assert.is(sent.status, 'queued');
  const status = await client.status(sent.job_id);
  assert.is(status.job_id, sent.job_id);
  assert.ok(['queued', 'processing', 'done'].includes(status.status));
  const done = await client.wait(sent.job_id, { timeoutMs: 30_000 });
  assert.is(done.job_id, sent.job_id);
  const again = await client.result(sent.job_id);
  assert.is(again.status, 'done');
});

sdk('list, options and delete are typed calls too', async () => {
  await stack.ensureWorker();
  // A second finished job, so that a page of one has a next page.
  await client.describe(await png({ width: 72, height: 50 }), { timeoutMs: 30_000 });
  const done = await client.describe(await png({ width: 70, height: 50 }), { length: 'alt', timeoutMs: 30_000 });
  assert.ok(done.description.length <= 125);
  const page = await client.list({ status: 'done', limit: 1 });
  assert.is(page.items.length, 1);
  assert.type(page.next_cursor, 'string');
  const next = await client.list({ status: 'done', limit: 1, cursor: page.next_cursor! });
  assert.is.not(next.items[0]?.job_id, page.items[0]?.job_id);
  const stats = await client.stats();
  assert.ok((stats.counts.done ?? 0) >= 1);
  const deleted = await client.delete(done.job_id);
  assert.is(deleted.deleted, true);
  try {
    await client.status(done.job_id);
    assert.unreachable();
  } catch (err) {
    assert.is((err as DepictApiError).code, 'not_found');
  }
});

sdk('the server refusing an upload is a DepictApiError with its code and status', async () => {
  try {
    await client.submit(Buffer.from('just some text'), { filename: 'x.png' });
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.instance(err, DepictApiError);
    assert.is((err as DepictApiError).code, 'unsupported_media_type');
    assert.is((err as DepictApiError).status, 415);
  }
});

sdk('an unknown job is a not_found DepictApiError', async () => {
  try {
    await client.status('00000000-0000-4000-8000-000000000000');
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.instance(err, DepictApiError);
    assert.is((err as DepictApiError).code, 'not_found');
    assert.is((err as DepictApiError).status, 404);
  }
});

sdk('wait() gives up with DepictTimeoutError when the job cannot finish in time', async () => {
  await stack.worker!.stop();
  const sent = await client.submit(await png({ width: 30, height: 30 }));
  try {
    await client.wait(sent.job_id, { timeoutMs: 400 });
    assert.unreachable('should have timed out');
  } catch (err) {
    assert.instance(err, DepictTimeoutError);
    assert.is((err as DepictTimeoutError).jobId, sent.job_id);
  }
});

sdk('watch() hears each state through the job.watch subscription, and ends with the last', async () => {
  await stack.worker?.stop();
  const sent = await client.submit(await png({ width: 36, height: 36 }));
  const seen: string[] = [];
  const watching = client.watch(sent.job_id, (s) => seen.push(s.status));
  // The subscription has answered with the state it found: only then may a worker change it.
  await waitFor('the first state', () => (seen.length > 0 ? true : undefined));
  assert.equal(seen, ['queued'], 'no worker yet: queued');
  await stack.startWorker();
  const last = await watching;
  assert.is(last.status, 'done');
  assert.is(seen.at(-1), 'done');
  assert.ok(seen.length >= 2 && seen.length <= 3, seen.join(','));
});

sdk('an unreachable server is a DepictApiError with code "unreachable"', async () => {
  const nowhere = new DepictClient({ baseUrl: 'http://127.0.0.1:9' });
  try {
    await nowhere.status('00000000-0000-4000-8000-000000000000');
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.instance(err, DepictApiError);
    assert.is((err as DepictApiError).code, 'unreachable');
  }
});

sdk.run();
