import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sharp } from '../../../test-support/images.js';
import { waitFor } from '../../../test-support/ports.js';
import { Stack, startServer } from '../../../test-support/processes.js';

/**
 * Batches with an Idempotency-Key, retried after the server was killed in the middle of
 * them: the retry answers with the jobs the first try committed before it died, plus the
 * rest, and no image gets two jobs.
 */
const batches = suite('batch submits: safe to retry with the same Idempotency-Key');
const stack = new Stack({ ANALYZER_OCR: 'off', BATCH_MAX: '20' });

batches.before(async () => {
  await stack.start({ worker: false });
});
batches.after(async () => {
  await stack.stop();
});

const FILES = 20;
const BATCHES = 6;

/** A noisy PNG: distinct bytes per image, and enough of them that a batch takes a while to prove. */
function noise(seed: number): Promise<Buffer> {
  const side = 160;
  const pixels = Buffer.alloc(side * side * 3);
  let x = seed * 2654435761;
  for (let i = 0; i < pixels.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    pixels[i] = x >>> 24;
  }
  return sharp(pixels, { raw: { width: side, height: side, channels: 3 } }).png().toBuffer();
}

function batchForm(images: Buffer[]): FormData {
  const form = new FormData();
  images.forEach((image, i) => form.append('file', new Blob([new Uint8Array(image)]), `b${i}.png`));
  form.append('cache', 'false');
  return form;
}

async function send(url: string, images: Buffer[], key: string) {
  const res = await fetch(`${url}/submit`, { method: 'POST', body: batchForm(images), headers: { 'idempotency-key': key } });
  return { status: res.status, body: (await res.json()) as { jobs?: Array<{ job_id?: string; error?: unknown }>; error?: { code: string } } };
}

async function allJobIds(url: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = (await (await fetch(`${url}/jobs?limit=100${cursor ? `&cursor=${cursor}` : ''}`)).json()) as {
      items: Array<{ job_id: string }>;
      next_cursor: string | null;
    };
    ids.push(...page.items.map((j) => j.job_id));
    cursor = page.next_cursor;
  } while (cursor);
  return ids;
}

batches('a server killed mid-batch: the retried batches answer every job once, the committed ones included', async () => {
  const sets = await Promise.all(Array.from({ length: BATCHES }, (_, b) => Promise.all(Array.from({ length: FILES }, (_, i) => noise(b * 100 + i + 1)))));
  const keys = sets.map((_, b) => `batch-${b}-${Date.now()}`);
  const firstTries = sets.map((images, b) => send(stack.url, images, keys[b]!).catch(() => undefined));
  // Kill it once some jobs are committed and before every batch is.
  await waitFor('some jobs committed', async () => ((await allJobIds(stack.url)).length >= FILES ? true : undefined), { intervalMs: 5 });
  await stack.server.proc.stop('SIGKILL');
  const answered = (await Promise.all(firstTries)).filter((r) => r?.status === 202).length;

  stack.server = await startServer(stack.sharedEnv);
  const before = new Set(await allJobIds(stack.url));
  assert.ok(before.size > 0, 'the first tries committed some jobs');
  assert.ok(before.size < FILES * BATCHES || answered < BATCHES, 'the kill cut some batch short');

  const retried = await Promise.all(sets.map((images, b) => send(stack.url, images, keys[b]!)));
  const answeredIds = new Set<string>();
  for (const retry of retried) {
    assert.is(retry.status, 202, JSON.stringify(retry.body));
    assert.is(retry.body.jobs!.length, FILES);
    for (const job of retry.body.jobs!) {
      assert.type(job.job_id, 'string', JSON.stringify(job));
      assert.not.ok(answeredIds.has(job.job_id!), 'a job answered twice');
      answeredIds.add(job.job_id!);
    }
  }
  for (const id of before) assert.ok(answeredIds.has(id), `job ${id}, committed before the kill, is in a retry's answer`);
  const after = await allJobIds(stack.url);
  assert.is(after.length, FILES * BATCHES, 'one job per image, no duplicates');

  // Once more: every answer the same.
  const again = await send(stack.url, sets[0]!, keys[0]!);
  assert.equal(again.body.jobs!.map((j) => j.job_id), retried[0]!.body.jobs!.map((j) => j.job_id));
});

batches('the same key with another batch is a conflict', async () => {
  const key = `conflict-${Date.now()}`;
  const images = await Promise.all([noise(9001), noise(9002)]);
  assert.is((await send(stack.url, images, key)).status, 202);
  const other = await send(stack.url, [images[0]!, await noise(9003)], key);
  assert.is(other.status, 202);
  assert.is((other.body.jobs![0]!.error as { code: string }).code, 'idempotency_conflict');
  assert.is((other.body.jobs![1]!.error as { code: string }).code, 'idempotency_conflict');
});

batches.run();
