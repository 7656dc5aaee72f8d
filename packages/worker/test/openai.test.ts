import { crc32 } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get, submit, waitForResult } from '../../../test-support/api.js';
import { FakeOpenAI } from '../../../test-support/fake-openai.js';
import { scene, sharp } from '../../../test-support/images.js';
import { Stack } from '../../../test-support/processes.js';
import { waitFor } from '../../../test-support/ports.js';

const vision = suite('the OpenAI describer against an OpenAI-compatible server');
const fake = new FakeOpenAI();
let stack: Stack;

vision.before(async () => {
  await fake.start();
  stack = new Stack({
    OPENAI_API_KEY: 'sk-test-key',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_VISION_MODEL: 'vision-test-model',
    OPENAI_MAX_RETRIES: '1',
    OPENAI_TIMEOUT_MS: '5000',
    OPENAI_FALLBACK: 'fail',
  });
  await stack.start();
});
vision.after(async () => {
  await stack.stop();
  await fake.stop();
});
vision.before.each(() => {
  fake.requests.length = 0;
});

vision('the model gets the image, shrunk to 2048 px, and its answer becomes the description', async () => {
  fake.behaviour = { kind: 'answer', text: 'A meadow under a clear sky with a yellow sun.' };
  const wide = await scene(3000, 1000, 'jpeg');
  const sent = await submit(stack.url, wide, { filename: 'wide.jpg' });
  assert.is(sent.status, 202);
  const result = await waitForResult(stack.url, sent.body.job_id);
  assert.is(result.body.status, 'done', JSON.stringify(result.body));
  assert.is(result.body.description, 'A meadow under a clear sky with a yellow sun.');
  assert.is(result.body._generated_by, 'openai:vision-test-model');
  assert.equal(result.body.details.usage, { input_tokens: 100, output_tokens: 20, total_tokens: 120 });

  assert.is(fake.requests.length, 1);
  const seen = fake.requests[0]!;
  assert.is(seen.model, 'vision-test-model');
  assert.is(seen.authorization, 'Bearer sk-test-key');
  assert.ok(seen.image, 'the request carries the image as a data URL');
  const meta = await sharp(seen.image!.bytes).metadata();
  assert.is(Math.max(meta.width!, meta.height!), 2048);
  assert.ok(Math.abs(meta.width! / meta.height! - 3) < 0.01, `aspect ${meta.width}x${meta.height}`);
  assert.is(seen.image!.mediaType, `image/${meta.format}`);
});

vision('a small image without metadata goes as it is; one with EXIF or text is re-encoded, upright, without it', async () => {
  fake.behaviour = { kind: 'answer', text: 'Sent.' };
  const clean = await scene(400, 300);
  await waitForResult(stack.url, (await submit(stack.url, clean)).body.job_id);
  assert.ok(fake.requests[0]!.image!.bytes.equals(clean), 'the very bytes uploaded');
  assert.is(fake.requests[0]!.image!.mediaType, 'image/png');

  const tagged = await sharp(await scene(400, 300, 'jpeg'))
    .withExif({ IFD0: { Make: 'Depict', Model: 'Test Camera' } })
    .withMetadata({ orientation: 6 })
    .jpeg()
    .toBuffer();
  await waitForResult(stack.url, (await submit(stack.url, tagged)).body.job_id);
  const sent = await sharp(fake.requests[1]!.image!.bytes).metadata();
  assert.is(sent.exif, undefined, 'no EXIF leaves the host');
  assert.is(sent.orientation, undefined);
  assert.equal([sent.width, sent.height], [300, 400], 'turned upright');

  const plainJpeg = await scene(400, 300, 'jpeg');
  await waitForResult(stack.url, (await submit(stack.url, plainJpeg)).body.job_id);
  assert.ok(fake.requests[2]!.image!.bytes.equals(plainJpeg), 'a plain JPEG goes as it is too');
  assert.is(fake.requests[2]!.image!.mediaType, 'image/jpeg');

  // A text chunk after the pixels, where a quick look at the header would miss it.
  const note = Buffer.from('Comment\0taken at 12 Example Street', 'latin1');
  const chunk = Buffer.alloc(12 + note.length);
  chunk.writeUInt32BE(note.length, 0);
  chunk.write('tEXt', 4, 'latin1');
  note.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + note.length)), 8 + note.length);
  const noted = Buffer.concat([clean.subarray(0, clean.length - 12), chunk, clean.subarray(clean.length - 12)]);
  await waitForResult(stack.url, (await submit(stack.url, noted)).body.job_id);
  const renoted = fake.requests[3]!.image!.bytes;
  assert.not.ok(renoted.includes('Example Street'), 'no text chunk leaves the host');
  assert.equal((await sharp(renoted).metadata()).comments ?? [], []);
});

vision('a job is seen queued, then processing while the model thinks, then done', async () => {
  let release!: () => void;
  fake.behaviour = { kind: 'hold', text: 'Held answer.', release: new Promise<void>((r) => (release = r)) };
  const sent = await submit(stack.url, await scene(400, 300));
  assert.is(sent.body.status, 'queued');
  const id = sent.body.job_id;
  await waitFor('processing', async () => ((await get(stack.url, `/status/${id}`)).body.status === 'processing' ? true : undefined));
  const pending = await get(stack.url, `/result/${id}`);
  assert.is(pending.status, 202);
  assert.is(pending.body.status, 'processing');
  release();
  const done = await waitForResult(stack.url, id);
  assert.is(done.body.status, 'done');
  assert.is(done.body.description, 'Held answer.');
});

vision('with OPENAI_FALLBACK=fail, a 500 that persists ends the job failed with a clear error, after the SDK retries', async () => {
  fake.behaviour = { kind: 'status', status: 500 };
  const sent = await submit(stack.url, await scene(300, 200));
  const result = await waitForResult(stack.url, sent.body.job_id);
  assert.is(result.status, 200);
  assert.is(result.body.status, 'failed');
  assert.is(result.body.error.code, 'vision_api_error');
  assert.match(result.body.error.message, /500/);
  assert.is(fake.requests.length, 2, 'one call and one retry (OPENAI_MAX_RETRIES=1)');
  const status = await get(stack.url, `/status/${sent.body.job_id}`);
  assert.is(status.body.status, 'failed');
  assert.is(status.body.error.code, 'vision_api_error');
});

vision('an empty answer fails the job instead of storing an empty description', async () => {
  fake.behaviour = { kind: 'answer', text: '   ' };
  const sent = await submit(stack.url, await scene(300, 200));
  const result = await waitForResult(stack.url, sent.body.job_id);
  assert.is(result.body.status, 'failed');
  assert.is(result.body.error.code, 'vision_empty_answer');
});

vision.run();
