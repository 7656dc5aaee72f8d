import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get, waitForResult } from '../../../test-support/api.js';
import { FakeOpenAI } from '../../../test-support/fake-openai.js';
import { png, scene } from '../../../test-support/images.js';
import { waitFor } from '../../../test-support/ports.js';
import { Stack } from '../../../test-support/processes.js';

/** GET /jobs, DELETE /jobs/:id and per-job options, against the real processes. */
const jobs = suite('listing, canceling, deleting, and per-job options');
const fake = new FakeOpenAI();
let stack: Stack;
let vision: Stack;

jobs.before(async () => {
  await fake.start();
  stack = new Stack({ ANALYZER_OCR: 'off' });
  vision = new Stack({ OPENAI_API_KEY: 'sk-opts', OPENAI_BASE_URL: fake.baseUrl, OPENAI_VISION_MODEL: 'opts-model', OPENAI_FALLBACK: 'fail' });
  await Promise.all([stack.start({ worker: false }), vision.start()]);
});
jobs.after(async () => {
  await Promise.all([stack.stop(), vision.stop()]);
  await fake.stop();
});

async function send(target: Stack, fields: Record<string, string> = {}, image?: Buffer) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(image ?? (await png({ width: 40, height: 30 })))]), 'a.png');
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const res = await fetch(`${target.url}/submit`, { method: 'POST', body: form });
  return { status: res.status, body: await res.json() };
}

async function del(target: Stack, id: string) {
  const res = await fetch(`${target.url}/jobs/${id}`, { method: 'DELETE' });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

jobs('GET /jobs pages newest first by keyset, with next_cursor null on the last page, and filters by status', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) ids.push((await send(stack)).body.job_id);
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await get(stack.url, `/jobs?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    assert.is(page.status, 200, JSON.stringify(page.body));
    seen.push(...page.body.items.map((j: { job_id: string }) => j.job_id));
    cursor = page.body.next_cursor;
    pages++;
  } while (cursor);
  assert.is(pages, 3);
  assert.equal(seen, [...ids].reverse(), 'newest first, each once');
  const queued = await get(stack.url, '/jobs?status=queued&limit=200');
  assert.is(queued.body.items.length, 7);
  assert.is((await get(stack.url, '/jobs?status=done')).body.items.length, 0);
  assert.is((await get(stack.url, '/jobs?cursor=not-ours')).status, 400);
  assert.is((await get(stack.url, '/jobs?status=nonsense')).status, 400);
});

jobs('DELETE cancels a queued job (200), which then never runs; a finished job is deleted (204), then 404', async () => {
  const canceled = (await send(stack)).body.job_id;
  const other = (await send(stack)).body.job_id;
  const cancel = await del(stack, canceled);
  assert.is(cancel.status, 200);
  assert.equal(cancel.body, { job_id: canceled, status: 'canceled', deleted: false });
  const result = await get(stack.url, `/result/${canceled}`);
  assert.is(result.status, 200);
  assert.is(result.body.status, 'canceled');

  await stack.startWorker();
  assert.is((await waitForResult(stack.url, other)).body.status, 'done');
  assert.is((await get(stack.url, `/status/${canceled}`)).body.status, 'canceled', 'the worker skipped it');

  const gone = await del(stack, other);
  assert.is(gone.status, 204);
  assert.is((await get(stack.url, `/status/${other}`)).status, 404);
  assert.is((await del(stack, other)).status, 404);
});

jobs('DELETE of a job being processed is 409 with its status', async () => {
  let release!: () => void;
  fake.behaviour = { kind: 'hold', text: 'Held.', release: new Promise<void>((r) => (release = r)) };
  const id = (await send(vision)).body.job_id;
  await waitFor('processing', async () => ((await get(vision.url, `/status/${id}`)).body.status === 'processing' ? true : undefined));
  const refused = await del(vision, id);
  assert.is(refused.status, 409);
  assert.is(refused.body.error.code, 'conflict');
  assert.match(refused.body.error.message, /processing/);
  release();
  assert.is((await waitForResult(vision.url, id)).body.status, 'done');
});

jobs('options reach the vision model: alt length, language, extra prompt, image detail', async () => {
  fake.behaviour = { kind: 'answer', text: 'Um jardim ao sol.' };
  fake.requests.length = 0;
  const sent = await send(vision, { length: 'alt', language: 'pt-BR', prompt: 'Mention the sun.', detail: 'low' }, await scene(300, 200));
  assert.is(sent.status, 202, JSON.stringify(sent.body));
  assert.is((await waitForResult(vision.url, sent.body.job_id)).body.description, 'Um jardim ao sol.');
  const body = fake.requests[0]!.body;
  const text = body.messages[0].content.find((p: { type: string }) => p.type === 'text').text as string;
  assert.match(text, /alt text/i);
  assert.match(text, /125 characters/);
  assert.match(text, /"pt-BR"/);
  assert.match(text, /Mention the sun\./);
  assert.is(body.messages[0].content.find((p: { type: string }) => p.type === 'image_url').image_url.detail, 'low');
  // 100 for alt text, and 400 more for the structured answer's caption, tags and objects.
  assert.is(body.max_tokens, 500);
});

jobs('the analyzer honours length=alt and says when it can only answer in English', async () => {
  await stack.ensureWorker();
  const sent = await send(stack, { length: 'alt', language: 'fr' }, await scene(640, 480));
  const result = await waitForResult(stack.url, sent.body.job_id);
  assert.is(result.body.status, 'done');
  assert.ok(result.body.description.length <= 125, result.body.description);
  assert.match(result.body.details.language_note, /English only/);
  const normal = await waitForResult(stack.url, (await send(stack, {}, await scene(640, 480))).body.job_id);
  assert.ok(normal.body.description.length > result.body.description.length);
});

jobs('a bad option is a 400 that names it, and nothing is stored', async () => {
  const bad: Array<Record<string, string>> = [{ length: 'epic' }, { language: 'not a tag!' }, { detail: 'max' }, { prompt: 'x'.repeat(1001) }];
  for (const fields of bad) {
    const r = await send(stack, fields);
    assert.is(r.status, 400, JSON.stringify(fields));
    assert.is(r.body.error.code, 'bad_request');
    assert.match(r.body.error.message, new RegExp(Object.keys(fields)[0]!));
  }
});

jobs('several files in one submit: a job per good file, an error entry per bad one; too many is 400', async () => {
  await stack.ensureWorker();
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await png({ width: 41, height: 31 }))]), 'one.png');
  form.append('file', new Blob([new TextEncoder().encode('not an image')]), 'two.png');
  form.append('file', new Blob([new Uint8Array(await png({ width: 42, height: 32 }))]), 'three.png');
  const res = await fetch(`${stack.url}/submit`, { method: 'POST', body: form });
  assert.is(res.status, 202);
  const { jobs: entries } = await res.json();
  assert.is(entries.length, 3);
  assert.is(entries[1].filename, 'two.png');
  assert.is(entries[1].error.code, 'unsupported_media_type');
  for (const entry of [entries[0], entries[2]]) {
    assert.is(entry.status, 'queued');
    assert.is((await waitForResult(stack.url, entry.job_id)).body.status, 'done');
  }
  const tooMany = new FormData();
  for (let i = 0; i < 21; i++) tooMany.append('file', new Blob([new Uint8Array(await png({ width: 10, height: 10 }))]), `${i}.png`);
  const refused = await fetch(`${stack.url}/submit`, { method: 'POST', body: tooMany });
  assert.is(refused.status, 400);
  assert.is((await refused.json()).error.code, 'too_many_files');
});

jobs('GET /stats counts jobs by status and gives median queue and processing times', async () => {
  // What it counts, made here: a job canceled while no worker runs, and three done.
  await stack.worker?.stop();
  assert.is((await del(stack, (await send(stack, { cache: 'false' })).body.job_id)).status, 200);
  await stack.startWorker();
  for (let i = 0; i < 3; i++) await waitForResult(stack.url, (await send(stack, {}, await png({ width: 50 + i, height: 30 }))).body.job_id);
  const stats = await get(stack.url, '/stats');
  assert.is(stats.status, 200, JSON.stringify(stats.body));
  assert.ok(stats.body.counts.done >= 3, JSON.stringify(stats.body));
  assert.ok(stats.body.counts.canceled >= 1);
  assert.ok(stats.body.counts.queued === undefined || stats.body.counts.queued >= 0);
  assert.ok(stats.body.sample >= 3);
  assert.type(stats.body.queue_ms_p50, 'number');
  assert.ok(stats.body.processing_ms_p50 > 0);
});

jobs.run();

const retention = suite('RETENTION_DAYS');
const short = new Stack({ RETENTION_DAYS: '0.00002', SWEEP_INTERVAL_MS: '300', ANALYZER_OCR: 'off' });
retention.before(async () => {
  await short.start();
});
retention.after(async () => {
  await short.stop();
});
retention('finished jobs older than RETENTION_DAYS are deleted with their data; queued ones stay', async () => {
  const sent = await send(short);
  assert.is((await waitForResult(short.url, sent.body.job_id)).body.status, 'done');
  await waitFor('the job to be deleted', async () => ((await get(short.url, `/status/${sent.body.job_id}`)).status === 404 ? true : undefined), {
    timeoutMs: 10_000,
  });
  // The line is written asynchronously, so it may follow the 404 by a moment.
  await waitFor('the deletion to be logged', async () =>
    short.server.proc.logs().some((l) => l.msg === 'retention: deleted finished jobs') ? true : undefined,
  );
});
retention.run();
