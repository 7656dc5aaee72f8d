import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { png, scene } from '../../../test-support/images.js';
import { Stack, tempDir } from '../../../test-support/processes.js';
import { readmeBlock, readmeBlocks } from '../../../test-support/readme.js';

/**
 * The README's curl and Python examples, taken from README.md and run as a reader runs
 * them against a live server, in a folder holding the files they name. The one change:
 * curl's address is the test server's. The TypeScript example runs in sdk-package.test.ts.
 */
const readme = suite("the README's curl and Python examples");
const stack = new Stack();
let dir: Awaited<ReturnType<typeof tempDir>>;

const ADDRESS = 'http://127.0.0.1:8000';

readme.before(async () => {
  dir = await tempDir();
  await writeFile(path.join(dir.path, 'photo.jpg'), await scene(480, 320, 'jpeg'));
  await writeFile(path.join(dir.path, 'chart.png'), await scene(400, 300));
  await writeFile(path.join(dir.path, 'a.jpg'), await scene(300, 200, 'jpeg'));
  await writeFile(path.join(dir.path, 'b.png'), await png({ width: 64, height: 48 }));
  await stack.start();
});
readme.after(async () => {
  await stack.stop();
  await dir.remove();
});

readme('every curl line answers 2xx, in the order the README gives them', () => {
  const blocks = readmeBlocks('sh').filter((b) => /^curl /m.test(b));
  assert.ok(blocks.length >= 2, 'the quickstart and the API blocks');
  const script = [
    'set -euo pipefail',
    'shopt -s inherit_errexit',
    // A refusal (4xx, 5xx) ends the script with its body, inside $(...) too.
    'curl() { command curl --fail-with-body --max-time 60 "$@" && echo; }',
    ...blocks.map((b) => b.replaceAll(ADDRESS, stack.url)),
  ].join('\n');
  const run = spawnSync('bash', ['-c', script], { cwd: dir.path, encoding: 'utf8', timeout: 120_000 });
  assert.is(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /"status":"done","description":"/, 'the quickstart reads a description');
  assert.match(run.stdout, /event: status/, 'the event stream');
  assert.match(run.stdout, /"jobs":\[/, 'the batch');
  assert.match(run.stdout, /"retried":0/);
});

/** Debian's python3 with python3-requests (scripts/run-tests.mjs installs it), or any python3 that has requests. */
function pythonWithRequests(): string {
  for (const python of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(python, ['-c', 'import requests'], { stdio: 'ignore' }).status === 0) return python;
  }
  throw new Error('No python3 with requests: apt-get install python3-requests (npm test does this as root)');
}

readme('the Python example runs as written: a description, its palette, and a refusal read from the error body', async () => {
  const file = path.join(dir.path, 'example.py');
  await writeFile(file, readmeBlock('python', 'import requests'));
  const run = spawnSync(pythonWithRequests(), [file], {
    cwd: dir.path,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, DEPICT_URL: stack.url },
  });
  assert.is(run.status, 0, `${run.stdout}\n${run.stderr}`);
  const lines = run.stdout.trim().split('\n');
  assert.ok(lines[0]!.length > 10 && lines[0]!.length <= 125, `alt text first: ${lines[0]}`);
  assert.ok(lines.some((l) => /^ {2}[a-z ]+: \d+%$/.test(l)), 'palette colours with their shares');
  assert.is(lines.at(-1), '415 unsupported_media_type');
});

readme.run();
