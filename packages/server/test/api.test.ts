import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get, submit, waitForResult } from '../../../test-support/api.js';
import { jpeg, png, scene } from '../../../test-support/images.js';
import { Stack } from '../../../test-support/processes.js';

const MAX_UPLOAD_MB = 0.25;
const LIMIT = Math.floor(MAX_UPLOAD_MB * 1024 * 1024);

const api = suite('REST API against a real server, worker and Redis');
const stack = new Stack({ MAX_UPLOAD_MB: String(MAX_UPLOAD_MB) });

api.before(async () => {
  await stack.start();
});
api.after(async () => {
  await stack.stop();
});

/** Uploads still held (as files, or in the job store), and temporary files. */
async function uploadsLeft(): Promise<string[]> {
  const tmp = await readdir(path.join(stack.dataDir, 'uploads', 'tmp'));
  return [...(await stack.uploads()), ...tmp.map((n) => `tmp/${n}`)];
}

for (const [kind, make, name] of [
  ['PNG', () => scene(640, 480, 'png'), 'scene.png'],
  ['JPEG', () => scene(800, 600, 'jpeg'), 'scene.jpg'],
] as const) {
  api(`a ${kind} goes queued -> done with a description, and its upload is removed`, async () => {
    const sent = await submit(stack.url, await make(), { filename: name });
    assert.is(sent.status, 202, JSON.stringify(sent.body));
    assert.is(sent.body.status, 'queued');
    // A version 7 UUID: its first 48 bits are the time it was made.
    assert.match(sent.body.job_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.is(sent.body.status_url, `/status/${sent.body.job_id}`);
    assert.is(sent.body.result_url, `/result/${sent.body.job_id}`);
    assert.is(sent.headers.get('location'), sent.body.status_url);

    const result = await waitForResult(stack.url, sent.body.job_id);
    assert.is(result.status, 200);
    assert.is(result.body.status, 'done', JSON.stringify(result.body));
    assert.ok(result.body.description.length > 20, result.body.description);
    assert.match(result.body._generated_by, /^depict-analyzer@\d+\.\d+\.\d+$/);
    assert.type(result.body.details, 'object');
    assert.ok(result.body.completed_at >= result.body.created_at);

    const status = await get(stack.url, sent.body.status_url);
    assert.is(status.status, 200);
    assert.equal(Object.keys(status.body).sort(), ['created_at', 'details', 'filename', 'job_id', 'status', 'updated_at']);
    assert.is(status.body.filename, name, 'the file name the upload carried');
    assert.is(status.body.status, 'done');
    const idTime = parseInt(sent.body.job_id.replace('-', '').slice(0, 12), 16);
    assert.ok(Math.abs(idTime - Date.parse(status.body.created_at)) < 1000, `${sent.body.job_id} against ${status.body.created_at}`);
    const [attempt, ...more] = status.body.details.attempts;
    assert.equal(more, [], 'one attempt');
    assert.is(attempt.outcome, 'done');
    assert.match(attempt.describer, /^depict-analyzer@/);
    assert.equal(result.body.details.attempts, status.body.details.attempts);
    assert.equal(await uploadsLeft(), []);
  });
}

api('a PNG named .jpg and a JPEG named .txt are accepted by their bytes', async () => {
  const a = await submit(stack.url, await png({ width: 40, height: 30 }), { filename: 'photo.jpg', type: 'image/jpeg' });
  const b = await submit(stack.url, await jpeg({ width: 40, height: 30 }), { filename: 'notes.txt', type: 'text/plain' });
  assert.is(a.status, 202);
  assert.is(b.status, 202);
  assert.is((await waitForResult(stack.url, a.body.job_id)).body.status, 'done');
  assert.is((await waitForResult(stack.url, b.body.job_id)).body.status, 'done');
});

const pngBytes = await png({ width: 64, height: 64 });
const badInputs: Array<[string, () => Promise<Response>, number, string]> = [
  [
    'a text file named .png',
    () => post(formWith(Buffer.from('hello, I am not an image\n'), 'fake.png')),
    415,
    'unsupported_media_type',
  ],
  ['a truncated PNG', () => post(formWith(pngBytes.subarray(0, Math.floor(pngBytes.length / 2)), 'cut.png')), 422, 'corrupt_image'],
  ['an empty upload', () => post(formWith(Buffer.alloc(0), 'empty.png')), 400, 'no_file'],
  ['a form without a file field', () => post(fieldsOnly()), 400, 'no_file'],
  ['a body that is not multipart', () => fetch(`${stack.url}/submit`, { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } }), 400, 'no_file'],
  ['an upload one byte over the limit', () => post(formWith(Buffer.alloc(LIMIT + 1, 7), 'big.png')), 413, 'too_large'],
  ['a file under the wrong field name', () => post(formWith(pngBytes, 'a.png', 'image')), 400, 'bad_request'],
];

function formWith(bytes: Buffer, filename: string, field = 'file'): FormData {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(bytes)]), filename);
  return form;
}
function fieldsOnly(): FormData {
  const form = new FormData();
  form.append('note', 'no file here');
  return form;
}
function post(body: FormData): Promise<Response> {
  return fetch(`${stack.url}/submit`, { method: 'POST', body });
}

for (const [what, send, status, code] of badInputs) {
  api(`${what}: ${status} ${code}, and the server stays up`, async () => {
    const res = await send();
    assert.is(res.status, status);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = await res.json();
    assert.equal(Object.keys(body), ['error']);
    assert.is(body.error.code, code);
    assert.type(body.error.message, 'string');
    assert.ok(body.error.message.length > 10);
    assert.not.match(JSON.stringify(body), /at .*\.js:\d+/);
    assert.is((await get(stack.url, '/health')).status, 200);
  });
}

api('an upload of exactly the limit is not refused for its size', async () => {
  const res = await post(formWith(Buffer.alloc(LIMIT, 7), 'exact.png'));
  assert.is(res.status, 415);
});

api('bad input leaves no file and no job behind', async () => {
  assert.equal(await uploadsLeft(), []);
});

api('an unknown job id is 404 on status and result', async () => {
  for (const route of ['status', 'result']) {
    const r = await get(stack.url, `/${route}/4b0e3a52-8a43-4a38-9d4c-2f6d1c1f3a11`);
    assert.is(r.status, 404);
    assert.is(r.body.error.code, 'not_found');
    const odd = await get(stack.url, `/${route}/not-a-uuid`);
    assert.is(odd.status, 404);
  }
});

api('an unknown route is a JSON 404', async () => {
  const r = await get(stack.url, '/no/such/route');
  assert.is(r.status, 404);
  assert.is(r.body.error.code, 'not_found');
});

api('/health and /ready answer', async () => {
  assert.equal((await get(stack.url, '/health')).body, { status: 'ok' });
  const ready = await get(stack.url, '/ready');
  assert.is(ready.status, 200);
  assert.is(ready.body.ready, true);
});

api('the UI page has the upload control, under a strict CSP', async () => {
  const page = await fetch(`${stack.url}/ui`);
  assert.is(page.status, 200);
  const html = await page.text();
  assert.match(html, /<input[^>]+type="file"/);
  assert.match(html, /id="file"/);
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.not.match(html, /<script>(?!<\/script>)/);
  const script = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
  assert.ok(script, 'the page loads a script file');
  const js = await fetch(`${stack.url}${script}`);
  assert.is(js.status, 200);
  assert.match(js.headers.get('content-type') ?? '', /javascript/);
});

api('/openapi.json documents the three calls and /docs renders it offline', async () => {
  const doc = (await get(stack.url, '/openapi.json')).body;
  assert.ok(doc.paths['/submit'].post.requestBody.content['multipart/form-data']);
  assert.ok(doc.paths['/status/{job_id}'].get);
  assert.ok(doc.paths['/result/{job_id}'].get);
  assert.ok(doc.components.schemas.ErrorBody);
  assert.equal(doc.servers, [{ url: stack.url }], 'without PUBLIC_URL: the origin the request was sent to');
  const docs = await fetch(`${stack.url}/docs`);
  assert.is(docs.status, 200);
  const html = await docs.text();
  assert.not.match(html, /https?:\/\//);
  for (const src of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
    assert.is((await fetch(`${stack.url}${src[1]}`)).status, 200, src[1]);
  }
});

api.run();
