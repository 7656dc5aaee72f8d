import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get, submit, waitForResult } from '../../../test-support/api.js';
import { png } from '../../../test-support/images.js';
import { Stack } from '../../../test-support/processes.js';

const queued = suite('jobs wait in the queue until a worker comes');
const stack = new Stack();

queued.before(async () => {
  await stack.start({ worker: false });
});
queued.after(async () => {
  await stack.stop();
});

queued('result is 202 with Retry-After while queued, then 200 once a worker runs it', async () => {
  const sent = await submit(stack.url, await png({ width: 120, height: 80 }));
  assert.is(sent.status, 202);
  const id = sent.body.job_id;

  const pending = await get(stack.url, `/result/${id}`);
  assert.is(pending.status, 202);
  assert.equal(pending.body, { job_id: id, status: 'queued' });
  assert.ok(Number(pending.headers.get('retry-after')) >= 1);
  assert.is((await get(stack.url, `/status/${id}`)).body.status, 'queued');

  // A second job whose upload disappears while it waits (a disk cleaned by hand).
  const lost = await submit(stack.url, await png({ width: 60, height: 40 }));
  assert.ok((await stack.uploads()).includes(lost.body.job_id));
  await stack.loseUpload(lost.body.job_id);

  await stack.startWorker();
  const done = await waitForResult(stack.url, id);
  assert.is(done.status, 200);
  assert.is(done.body.status, 'done');
  const failed = await waitForResult(stack.url, lost.body.job_id);
  assert.is(failed.body.status, 'failed');
  assert.equal(failed.body.error, {
    code: 'upload_missing',
    message: 'The uploaded file is no longer stored, so the image cannot be described.',
  });
});

queued.run();
