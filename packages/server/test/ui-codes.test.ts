import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CODES } from '@depict/contract';
import { REPO_ROOT, Stack } from '../../../test-support/processes.js';

/**
 * The codes are written once, in @depict/contract's codes.ts. The UI loads them from the
 * server as /static/codes.js, and has plain words for each of them in web/messages.js:
 * a code added to the contract without words, or words for a code that does not exist,
 * fails here.
 */
const codes = suite('one table of codes, for the server, the SDK and the UI');
const stack = new Stack();

codes.before(async () => {
  await stack.start({ worker: false });
});
codes.after(async () => {
  await stack.stop();
});

/** Codes the page makes itself, for failures no server code names. */
const PAGE_CODES = ['unreachable', 'bad_response', 'canceled'];

codes('the UI has words for every code in the contract, and for no code that is not there', async () => {
  // The UI's own file, as the browser loads it (plain JavaScript, no types).
  const messages = pathToFileURL(path.join(REPO_ROOT, 'web', 'messages.js')).href;
  const { PLAIN_WORDS } = (await import(messages)) as { PLAIN_WORDS: Record<string, string> };
  const missing = Object.keys(CODES).filter((code) => !(code in PLAIN_WORDS));
  const unknown = Object.keys(PLAIN_WORDS).filter((code) => !(code in CODES) && !PAGE_CODES.includes(code));
  assert.equal(missing, [], 'codes without words in web/messages.js');
  assert.equal(unknown, [], 'words for codes the contract does not have');
});

codes('the server serves the contract table as /static/codes.js, which the UI imports', async () => {
  const res = await fetch(`${stack.url}/static/codes.js`);
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /javascript/);
  const text = await res.text();
  const served = JSON.parse(/export const CODES = (.*);\n/.exec(text)![1]!) as unknown;
  assert.equal(served, CODES);
});

codes.run();
