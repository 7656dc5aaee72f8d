import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { png, scene } from '../../../test-support/images.js';
import { REPO_ROOT, Stack, tempDir } from '../../../test-support/processes.js';

/** The depict CLI, run as a user would, against a live server. */
const CLI = path.join(REPO_ROOT, 'packages/sdk/dist/cli.js');
const cli = suite('depict CLI');
// Image URLs go to the test's own server on 127.0.0.1, which needs private addresses allowed.
const stack = new Stack({ ANALYZER_OCR: 'off', URL_FETCH_ALLOW_PRIVATE: 'true' });
let dir: { path: string; remove: () => Promise<void> };
let images: Server;
let origin = '';

cli.before(async () => {
  await stack.start();
  dir = await tempDir('depict-cli-');
  await mkdir(path.join(dir.path, 'photos', 'more'), { recursive: true });
  await writeFile(path.join(dir.path, 'photos', 'a.png'), await scene(200, 150));
  await writeFile(path.join(dir.path, 'photos', 'more', 'b.jpg'), await scene(180, 120, 'jpeg'));
  await writeFile(path.join(dir.path, 'photos', 'notes.txt'), 'not an image');
  await writeFile(path.join(dir.path, 'broken.png'), Buffer.from('not really a png'));
  const picture = await scene(160, 120);
  images = createServer((req, res) => {
    if (req.url?.endsWith('.png')) res.writeHead(200, { 'content-type': 'image/png' }).end(picture);
    else res.writeHead(404).end();
  });
  images.listen(0, '127.0.0.1');
  await once(images, 'listening');
  origin = `http://127.0.0.1:${(images.address() as { port: number }).port}`;
});
cli.after(async () => {
  images.close();
  await stack.stop();
  await dir.remove();
});

async function run(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, DEPICT_URL: stack.url }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = await once(child, 'exit');
  return { code, stdout, stderr };
}

cli('describe a folder to JSONL; a rerun skips what is done', async () => {
  const out = path.join(dir.path, 'results.jsonl');
  const first = await run('describe', path.join(dir.path, 'photos'), '--out', out, '--concurrency', '2');
  assert.is(first.code, 0, first.stderr);
  const rows = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.is(rows.length, 2, 'two images in the folder tree, the .txt ignored');
  for (const row of rows) {
    assert.is(row.status, 'done');
    assert.ok(row.description.length > 20);
    assert.match(row.generated_by, /^depict-analyzer@/);
  }
  const again = await run('describe', path.join(dir.path, 'photos'), '--out', out);
  assert.is(again.code, 0);
  assert.match(again.stderr, /skipping 2/);
  assert.is((await readFile(out, 'utf8')).trim().split('\n').length, 2);
});

cli('--format csv to stdout, --sidecar files, and a failing image makes the exit code 1', async () => {
  const csv = await run('describe', path.join(dir.path, 'photos', 'a.png'), path.join(dir.path, 'broken.png'), '--format', 'csv', '--sidecar');
  assert.is(csv.code, 1);
  const lines = csv.stdout.trim().split('\n');
  assert.is(lines.shift(), '"file","job_id","status","description","generated_by","error"', 'a header row first');
  assert.is(lines.length, 2);
  assert.ok(lines.some((l) => l.includes('"done"')));
  assert.ok(lines.some((l) => l.includes('"failed"') && l.includes('PNG')));
  assert.ok((await readFile(path.join(dir.path, 'photos', 'a.png.txt'), 'utf8')).length > 20);
});

cli('image URLs beside paths and from a --urls file: the server fetches them, through the SDK describe(new URL(...))', async () => {
  const list = path.join(dir.path, 'urls.txt');
  await writeFile(list, `# images to describe\n${origin}/second.png\n\n`);
  const out = path.join(dir.path, 'urls.jsonl');
  const run1 = await run('describe', `${origin}/first.png`, '--urls', list, '--out', out);
  assert.is(run1.code, 0, run1.stderr);
  const rows = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  // Rows are written as images finish, in any order.
  assert.equal(rows.map((r) => r.file).sort(), [`${origin}/first.png`, `${origin}/second.png`]);
  for (const row of rows) assert.is(row.status, 'done', JSON.stringify(row));
  const missing = await run('describe', `${origin}/gone.jpg`);
  assert.is(missing.code, 1);
  assert.match(missing.stdout, /answered 404/);
});

cli('status, result and watch by job id; --server and --api-key flags', async () => {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await png({ width: 33, height: 22 }))]), 'x.png');
  const { job_id } = await (await fetch(`${stack.url}/submit`, { method: 'POST', body: form })).json();
  const watched = await run('watch', job_id, '--server', stack.url);
  assert.is(watched.code, 0, watched.stderr);
  assert.is(JSON.parse(watched.stdout).status, 'done');
  assert.is(JSON.parse((await run('status', job_id)).stdout).status, 'done');
  assert.is(JSON.parse((await run('result', job_id)).stdout).job_id, job_id);
  const missing = await run('status', '00000000-0000-4000-8000-000000000000', '--api-key', 'unused');
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /not_found/);
});

cli.run();
