import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { submit, waitForResult } from '../../../test-support/api.js';
import { FakeOpenAI } from '../../../test-support/fake-openai.js';
import { scene } from '../../../test-support/images.js';
import { REPO_ROOT, Stack } from '../../../test-support/processes.js';

const ENV_FILE = path.join(REPO_ROOT, '.env');
const BACKUP = path.join(REPO_ROOT, '.env.depict-test-backup');

const dotenv = suite('.env at the repository root is read by the server and the worker');
const fake = new FakeOpenAI();
let stack: Stack;

dotenv.before(async () => {
  // A developer's own .env is put back afterwards.
  if (existsSync(ENV_FILE)) await rename(ENV_FILE, BACKUP);
  await fake.start();
  await writeFile(
    ENV_FILE,
    [
      '# written by packages/server/test/dotenv.test.ts',
      'MAX_UPLOAD_MB=0.05',
      'OPENAI_VISION_MODEL=model-from-dotenv',
      `OPENAI_BASE_URL=${fake.baseUrl}`,
      'OPENAI_API_KEY=key-from-dotenv',
      '',
    ].join('\n'),
  );
  // DEPICT_ENV_FILE unset: the processes look for the real .env. Variables the test
  // environment sets itself (OPENAI_API_KEY='' among them) would win, so drop them.
  stack = new Stack({ DEPICT_ENV_FILE: undefined, OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined });
  await stack.start();
});

dotenv.after(async () => {
  await stack?.stop();
  await fake.stop();
  await rm(ENV_FILE, { force: true });
  if (existsSync(BACKUP)) await rename(BACKUP, ENV_FILE);
});

dotenv('the server takes MAX_UPLOAD_MB from .env', async () => {
  assert.match(await readFile(ENV_FILE, 'utf8'), /MAX_UPLOAD_MB=0.05/);
  const big = await submit(stack.url, Buffer.alloc(60 * 1024, 1));
  assert.is(big.status, 413);
  assert.is(big.body.error.code, 'too_large');
});

dotenv('the worker takes the OpenAI key, base URL and model from .env', async () => {
  fake.behaviour = { kind: 'answer', text: 'Configured from the .env file.' };
  const sent = await submit(stack.url, await scene(200, 150, 'jpeg'));
  assert.is(sent.status, 202, JSON.stringify(sent.body));
  const result = await waitForResult(stack.url, sent.body.job_id);
  assert.is(result.body._generated_by, 'openai:model-from-dotenv', JSON.stringify(result.body));
  assert.is(fake.requests.at(-1)?.authorization, 'Bearer key-from-dotenv');
});

dotenv.run();
