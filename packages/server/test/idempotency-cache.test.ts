import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get, waitForResult } from '../../../test-support/api.js';
import { FakeOpenAI } from '../../../test-support/fake-openai.js';
import { scene, sharp } from '../../../test-support/images.js';
import { Stack } from '../../../test-support/processes.js';

/** Idempotency-Key and the content cache, counting the vision calls the fake server sees. */
const reuse = suite('Idempotency-Key and the content cache');
const fake = new FakeOpenAI();
let stack: Stack;

reuse.before(async () => {
  await fake.start();
  fake.behaviour = { kind: 'answer', text: 'A described scene.' };
  stack = new Stack({ OPENAI_API_KEY: 'sk-cache', OPENAI_BASE_URL: fake.baseUrl, OPENAI_VISION_MODEL: 'cache-model' });
  await stack.start();
});
reuse.after(async () => {
  await stack.stop();
  await fake.stop();
});
reuse.before.each(() => {
  fake.requests.length = 0;
});

async function send(image: Buffer, { key, fields = {} }: { key?: string; fields?: Record<string, string> } = {}) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(image)]), 'i.png');
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const res = await fetch(`${stack.url}/submit`, { method: 'POST', body: form, headers: key ? { 'idempotency-key': key } : {} });
  return { status: res.status, body: await res.json() };
}

reuse('the same Idempotency-Key with the same body returns the original job, not a new one', async () => {
  const image = await scene(310, 200);
  const first = await send(image, { key: 'order-17' });
  const again = await send(image, { key: 'order-17' });
  assert.is(first.status, 202);
  assert.is(again.status, 202);
  assert.is(again.body.job_id, first.body.job_id);
  await waitForResult(stack.url, first.body.job_id);
  const third = await send(image, { key: 'order-17' });
  assert.is(third.body.job_id, first.body.job_id);
  assert.is(third.body.status, 'done');
  assert.is(fake.requests.length, 1, 'one vision call for three submits');
});

reuse('the same Idempotency-Key with a different body is 422; a different key is a new job', async () => {
  const a = await scene(320, 200);
  const b = await scene(330, 200);
  const first = await send(a, { key: 'order-18' });
  const other = await send(b, { key: 'order-18' });
  assert.is(other.status, 422);
  assert.is(other.body.error.code, 'idempotency_conflict');
  const otherOptions = await send(a, { key: 'order-18', fields: { length: 'alt' } });
  assert.is(otherOptions.status, 422, 'same bytes, other options: another request');
  const fresh = await send(a, { key: 'order-19', fields: { cache: 'false' } });
  assert.is.not(fresh.body.job_id, first.body.job_id);
  assert.is((await send(b, { key: 'x'.repeat(300) })).status, 400);
  // Let their vision calls finish before the next test counts calls.
  await waitForResult(stack.url, first.body.job_id);
  await waitForResult(stack.url, fresh.body.job_id);
});

reuse('identical bytes and options are answered from the cache: a new job, done at once, no vision call', async () => {
  const image = await scene(340, 220);
  const first = await send(image);
  const done = await waitForResult(stack.url, first.body.job_id);
  assert.is(done.body.status, 'done');
  assert.is(fake.requests.length, 1);

  const cached = await send(image);
  assert.is(cached.status, 202);
  assert.is(cached.body.status, 'done');
  assert.is.not(cached.body.job_id, first.body.job_id);
  const result = await get(stack.url, `/result/${cached.body.job_id}`);
  assert.is(result.status, 200);
  assert.is(result.body.description, done.body.description);
  assert.is(result.body.details.cached_from, first.body.job_id);
  assert.is(fake.requests.length, 1, 'no second vision call');

  const bypass = await send(image, { fields: { cache: 'false' } });
  assert.is(bypass.body.status, 'queued');
  await waitForResult(stack.url, bypass.body.job_id);
  assert.is(fake.requests.length, 2, 'cache=false asks the model again');

  const otherOptions = await send(image, { fields: { length: 'detailed' } });
  assert.is(otherOptions.body.status, 'queued', 'different options are a different description');
  await waitForResult(stack.url, otherOptions.body.job_id);
  assert.is(fake.requests.length, 3);

  // Same size, same header, one byte apart near the end: the hash covers every byte.
  const lastPixelChanged = await sharp(await sharp(image).raw().toBuffer(), { raw: { width: 340, height: 220, channels: 3 } })
    .composite([{ input: { create: { width: 1, height: 1, channels: 3, background: '#ff00ff' } }, left: 339, top: 219 }])
    .png()
    .toBuffer();
  assert.equal(lastPixelChanged.subarray(0, 32), image.subarray(0, 32), 'the two files start alike');
  const other = await send(lastPixelChanged);
  assert.is(other.body.status, 'queued', 'other bytes are another description');
  await waitForResult(stack.url, other.body.job_id);
  assert.is(fake.requests.length, 4);
});

reuse.run();
