import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DepictApiError, DepictClient } from '@depict/sdk';
import { png } from '../../../test-support/images.js';
import { Stack } from '../../../test-support/processes.js';

const KEY_A = 'key-alpha-7f3c1e9a';
const KEY_B = 'key-bravo-2d8b6f04';

const access = suite('@depict/sdk with API keys');
const stack = new Stack({ API_KEYS: `${KEY_A},${KEY_B}`, ANALYZER_OCR: 'off' });
const image = await png({ width: 48, height: 32 });

access.before(async () => {
  await stack.start();
});
access.after(async () => {
  await stack.stop();
});

access('the SDK sends its key; without one it gets an unauthorized DepictApiError', async () => {
  const a = new DepictClient({ baseUrl: stack.url, apiKey: KEY_A });
  const done = await a.describe(image, { timeoutMs: 20_000 });
  assert.is(done.status, 'done');
  const b = new DepictClient({ baseUrl: stack.url, apiKey: KEY_B });
  try {
    await b.status(done.job_id);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, DepictApiError);
    assert.is((err as DepictApiError).code, 'not_found');
  }
  try {
    await new DepictClient({ baseUrl: stack.url }).submit(image);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, DepictApiError);
    assert.is((err as DepictApiError).code, 'unauthorized');
    assert.is((err as DepictApiError).status, 401);
  }
});

access.run();
