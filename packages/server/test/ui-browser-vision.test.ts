import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../test-support/browser.js';
import { FakeOpenAI } from '../../../test-support/fake-openai.js';
import { scene } from '../../../test-support/images.js';
import { Stack } from '../../../test-support/processes.js';
import { SCREENSHOTS, openPage, seriousViolations } from '../../../test-support/ui-page.js';

/**
 * The UI with a vision model: an image named by its address (fetched by the server from
 * the test's own image server on 127.0.0.1, which needs private addresses allowed), and
 * the model's structured answer shown in words: caption, tags, what it saw, the text it
 * read, the content flags, how it was asked, and the tokens and their cost.
 */
const vision = suite('the web UI with a vision model');
const fake = new FakeOpenAI();
let browser: Browser;
let stack: Stack;
let images: Server;
let origin = '';

const ANSWER = {
  caption: 'A lighthouse on a rocky point at dusk.',
  alt_text: 'A lighthouse on rocks at dusk',
  description: 'A white lighthouse stands on dark rocks while the sky turns orange behind it.',
  tags: ['lighthouse', 'coast', 'dusk'],
  objects: [
    { name: 'lighthouse', count: 1 },
    { name: 'gull', count: 3 },
  ],
  text: 'KEEP OFF THE ROCKS',
  people: 0,
  content_flags: ['none'],
};

vision.before(async () => {
  await fake.start();
  const picture = await scene(320, 240, 'jpeg');
  images = createServer((req, res) => {
    if (req.url === '/coast/lighthouse.jpg') res.writeHead(200, { 'content-type': 'image/jpeg' }).end(picture);
    else res.writeHead(404).end();
  });
  images.listen(0, '127.0.0.1');
  await once(images, 'listening');
  origin = `http://127.0.0.1:${(images.address() as { port: number }).port}`;
  stack = new Stack({
    OPENAI_API_KEY: 'sk-ui',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_VISION_MODEL: 'ui-model',
    OPENAI_MAX_RETRIES: '0',
    OPENAI_PRICE_INPUT_PER_MTOK: '2.5',
    OPENAI_PRICE_OUTPUT_PER_MTOK: '10',
    URL_FETCH_ALLOW_PRIVATE: 'true',
  });
  await stack.start();
  browser = await launchChromium();
});
vision.after(async () => {
  await browser?.close();
  await stack?.stop();
  await fake.stop();
  images.close();
});

vision('an image by its address is described, and the structured answer reads as words', async () => {
  fake.behaviour = { kind: 'raw', content: JSON.stringify(ANSWER) };
  const { context, page, pageErrors } = await openPage(browser, stack);
  await page.fill('#image-url', `${origin}/coast/lighthouse.jpg`);
  await page.click('#url-form button[type="submit"]');
  const card = '.job:first-child';
  await page.waitForSelector(`${card}[data-status="done"]`, { timeout: 20_000 });
  assert.is((await page.textContent(`${card} .filename`))?.trim(), 'lighthouse.jpg');
  assert.is((await page.textContent(`${card} .description`))?.trim(), ANSWER.description);
  if (!(await page.isVisible(`${card} .fact-list`))) await page.click(`${card} .details > summary`);
  const facts = (await page.textContent(`${card} .fact-list`)) ?? '';
  assert.match(facts, /CaptionA lighthouse on a rocky point at dusk\./);
  assert.match(facts, /Tagslighthouse, coast, dusk/);
  assert.match(facts, /Seenlighthouse3 × gull/);
  assert.match(facts, /Text readKEEP OFF THE ROCKS/);
  assert.match(facts, /ContentNothing flagged/);
  assert.match(facts, /AnswerStructured answer \(JSON schema\)/);
  // 100 input and 20 output tokens at 2.50 and 10 dollars per million: $0.00045.
  assert.match(facts, /Tokens100 in, 20 out, \$0\.00045/);
  assert.match(facts, /Sent to the model320 × 240 px, detail auto/);
  assert.not.match(facts, /text recognition is off/, 'the model read the text; the analyzer’s OCR is not mentioned');
  assert.equal(await seriousViolations(page), []);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'ui-vision.png'), fullPage: true });
  assert.equal(pageErrors, []);
  await context.close();
});

vision('an address the server cannot fetch says so once, in words', async () => {
  const { context, page } = await openPage(browser, stack);
  await page.fill('#image-url', `${origin}/coast/missing.jpg`);
  await page.click('#url-form button[type="submit"]');
  const card = '.job:first-child';
  await page.waitForSelector(`${card}[data-status="failed"], ${card}[data-status="error"]`, { timeout: 20_000 });
  const error = (await page.textContent(`${card} .error`)) ?? '';
  assert.match(error, /could not be fetched/);
  assert.is(error.split('could not be fetched').length, 2, `said once: ${error}`);
  await context.close();
});

vision.run();
