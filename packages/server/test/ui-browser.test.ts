import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../test-support/browser.js';
import { FakeOpenAI } from '../../../test-support/fake-openai.js';
import { png, scene } from '../../../test-support/images.js';
import { Stack } from '../../../test-support/processes.js';
import { SCREENSHOTS, allFinished, file, openPage, seriousViolations, submit } from '../../../test-support/ui-page.js';

/**
 * The web UI in a real browser (Debian's Chromium) against the real server and worker:
 * uploading, the one upload control, errors, the API key, retry, accessibility and
 * themes. ui-browser-api.test.ts covers options, history, live updates and details.
 */
const XSS = '<img src=x onerror=alert(1)>';
const KEY = 'ui-test-key-51c0';
const OTHER_KEY = 'ui-test-key-other-77';

/** Uploads go on top of the list, before the jobs listed from earlier tests. */
const NEWEST = '.job:first-child';

const ui = suite('the web UI in Chromium');
const fake = new FakeOpenAI();
let browser: Browser;
let analyzerStack: Stack;
let keyStack: Stack;
/** The vision model through the fake; its failures fail the job (no analyzer fallback), at the first attempt. */
let visionStack: Stack;

ui.before(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await fake.start();
  fake.behaviour = { kind: 'answer', text: `A caption that tries ${XSS} to run code.` };
  analyzerStack = new Stack({ ANALYZER_OCR: 'off' });
  keyStack = new Stack({ API_KEYS: `${KEY},${OTHER_KEY}`, ANALYZER_OCR: 'off' });
  visionStack = new Stack({
    OPENAI_API_KEY: 'sk-ui',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_VISION_MODEL: 'ui-model',
    OPENAI_FALLBACK: 'fail',
    OPENAI_MAX_RETRIES: '0',
    MAX_ATTEMPTS: '1',
  });
  await Promise.all([analyzerStack.start(), keyStack.start(), visionStack.start()]);
  browser = await launchChromium();
});
ui.after(async () => {
  await browser?.close();
  await Promise.all([analyzerStack?.stop(), keyStack?.stop(), visionStack?.stop()]);
  await fake.stop();
});

ui('two images picked at once both reach done, with a description and _generated_by; copy puts it on the clipboard', async () => {
  const { context, page, cspErrors, pageErrors } = await openPage(browser, analyzerStack);
  await page.setInputFiles('#file', [await file('garden.png', scene(400, 300)), await file('photo.jpg', scene(320, 240, 'jpeg'), 'image/jpeg')]);
  await allFinished(page, 2);
  const cards = await page.$$eval('.job', (els) =>
    els.map((e) => ({
      status: (e as HTMLElement).dataset.status,
      description: e.querySelector('.description')?.textContent ?? '',
      generatedBy: e.querySelector('.generated-by')?.textContent ?? '',
      jobId: (e as HTMLElement).dataset.jobId,
    })),
  );
  for (const card of cards) {
    assert.is(card.status, 'done');
    assert.ok(card.description.length > 20, card.description);
    assert.match(card.generatedBy, /^depict-analyzer@/);
    assert.ok(card.jobId);
  }
  await page.locator('.job .copy').first().click();
  await page.waitForFunction(() => document.querySelector('.job .copied')?.textContent?.includes('Copied'));
  const clipboard = await page.evaluate(() => navigator.clipboard.readText());
  assert.is(clipboard, cards[0]!.description);
  assert.equal(cspErrors, [], 'the page runs under its CSP without violations');
  assert.equal(pageErrors, []);
  await context.close();
});

ui('one upload control: the drop zone holds the only file input, opens the picker on click, Enter and Space', async () => {
  const { context, page } = await openPage(browser, analyzerStack);
  assert.is(await page.locator('input[type="file"]').count(), 1, 'one file input on the page');
  assert.is(await page.locator('#drop-zone input[type="file"]').count(), 1, 'and it is inside the drop zone');
  const box = await page.locator('#file').boundingBox();
  assert.ok(box && box.width <= 1 && box.height <= 1, `the input itself is not drawn: ${JSON.stringify(box)}`);
  const zone = await page.locator('#drop-zone').boundingBox();
  assert.ok(zone && zone.width > 200 && zone.height > 60, 'the drop zone is the big target');

  // Playwright turns on catching file pickers when the first listener is added, without
  // waiting for it: one listener for the whole test, so no key press comes before it is on.
  page.on('filechooser', () => {});
  await page.evaluate(() => document.readyState);
  const opensPicker = async (act: () => Promise<void>) => {
    const chooser = page.waitForEvent('filechooser', { timeout: 10_000 });
    await act();
    const picker = await chooser;
    // Chromium opens no second picker while one is open: close this one, choosing nothing.
    await picker.setFiles([]);
    return picker.isMultiple();
  };
  assert.ok(await opensPicker(() => page.click('#drop-zone')), 'a click on the zone opens the picker (several files allowed)');
  // From the top of the page, the keyboard reaches the zone by Tab, and Enter or Space opens it.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  for (let i = 0; i < 12 && !(await page.evaluate(() => document.activeElement?.id === 'file')); i++) await page.keyboard.press('Tab');
  assert.ok(await page.evaluate(() => document.querySelector('#drop-zone')!.matches(':focus-within')), 'Tab reaches the drop zone');
  assert.ok(await opensPicker(() => page.keyboard.press('Enter')));
  assert.ok(await opensPicker(() => page.keyboard.press('Space')));
  await context.close();
});

ui('a text file named .png: the error says so once, in plain words; the page still works; /favicon.ico answers', async () => {
  const { context, page } = await openPage(browser, analyzerStack);
  await page.setInputFiles('#file', [{ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') }]);
  await page.waitForSelector('.job[data-status="failed"] .error:not([hidden])');
  const error = ((await page.textContent('.job[data-status="failed"] .error')) ?? '').trim();
  assert.is(error, 'This file is not a PNG or JPEG image.', 'the words, and not the server repeating them');
  // The refused upload made no job; its card can still be put away.
  await page.click('.job[data-status="failed"] .remove');
  assert.is(await page.locator('.job[data-status="failed"]').count(), 0);
  // An option the server refuses: here the server's message says what the words cannot.
  await page.click('#options-box > summary');
  await page.fill('#opt-language', 'not a language');
  await page.setInputFiles('#file', [await file('fine.png', png({ width: 60, height: 40 }))]);
  await page.waitForSelector(`${NEWEST}[data-status="failed"]`);
  const refused = (await page.locator(`${NEWEST} .error`).textContent()) ?? '';
  assert.match(refused, /^The server could not read the upload\. Invalid option: language/);
  await page.fill('#opt-language', '');
  await page.setInputFiles('#file', [await file('fine.png', png({ width: 60, height: 40 }))]);
  await page.waitForSelector(`${NEWEST}[data-status="done"]`, { timeout: 20_000 });

  const href = await page.getAttribute('link[rel="icon"]', 'href');
  for (const url of ['/favicon.ico', href!]) {
    const res = await fetch(analyzerStack.url + url);
    assert.is(res.status, 200, url);
    assert.match(res.headers.get('content-type') ?? '', /^image\/svg\+xml/, url);
  }
  await context.close();
});

ui('a description containing HTML shows as text, and nothing runs', async () => {
  const { context, page, dialogs } = await openPage(browser, visionStack);
  await page.setInputFiles('#file', [await file('x.png', scene(200, 150))]);
  await page.waitForSelector(`${NEWEST}[data-status="done"]`, { timeout: 20_000 });
  assert.is(await page.textContent(`${NEWEST} .description`), `A caption that tries ${XSS} to run code.`);
  assert.is(await page.locator('.job .description img').count(), 0, 'no element was made from the description');
  assert.is(await page.textContent(`${NEWEST} .generated-by`), 'openai:ui-model');
  // Had the caption become an <img src=x>, its error (and alert) would come before that of
  // a broken image added after it: once that one has failed, the alert had its chance.
  await page.evaluate(
    () =>
      new Promise((resolve) => {
        const probe = new Image();
        probe.onerror = probe.onload = () => resolve(true);
        probe.src = 'x';
      }),
  );
  assert.equal(dialogs, []);
  await context.close();
});

ui('a server with API keys: a 401 shows the key field; with the key saved, Try again works, and the history is that key’s jobs', async () => {
  const { context, page } = await openPage(browser, keyStack);
  // The history asked first, and was refused: the key field is already there.
  await page.waitForSelector('#api-key-form:not([hidden])');
  assert.match((await page.textContent('#history-note')) ?? '', /API key/);
  await page.setInputFiles('#file', [await file('k.png', png({ width: 50, height: 50 }))]);
  await page.waitForSelector('.job[data-status="failed"]');
  assert.is(((await page.textContent('.job .error')) ?? '').trim(), 'This server needs an API key. Enter it above, then try again.');
  await page.fill('#api-key', KEY);
  await page.click('#api-key-form button[type="submit"]');
  assert.is(await page.evaluate(() => localStorage.getItem('depict.apiKey')), KEY);
  await page.click('.job .retry');
  await page.waitForSelector('.job[data-status="done"]', { timeout: 20_000 });
  const mine = await page.$eval('.job', (e) => (e as HTMLElement).dataset.jobId);

  const others = await submit(keyStack, 'other.png', await png({ width: 40, height: 40, color: '#aa3300' }), { authorization: `Bearer ${OTHER_KEY}` });
  await page.reload();
  await page.waitForSelector('.job[data-status="done"]', { timeout: 20_000 });
  const listed = await page.$$eval('.job', (els) => els.map((e) => (e as HTMLElement).dataset.jobId));
  assert.equal(listed, [mine], `only this key's job is listed, not ${others}`);
  assert.is(await page.textContent('.job .filename'), 'k.png', 'with the name this browser remembers');
  await context.close();
});

ui('a job that failed offers Try again: the same job is retried on the server, keeps its history, and reaches done', async () => {
  fake.next.push({ kind: 'status', status: 400, body: '{"error":{"message":"The model refused this request."}}' });
  const { context, page } = await openPage(browser, visionStack);
  await page.setInputFiles('#file', [await file('retry-me.png', png({ width: 60, height: 40 }))]);
  await page.waitForSelector(`${NEWEST}[data-status="failed"]`, { timeout: 20_000 });
  const jobId = await page.$eval(NEWEST, (e) => (e as HTMLElement).dataset.jobId);
  assert.ok(jobId, 'the failed card knows its job');
  assert.match((await page.textContent(`${NEWEST} .error-words`)) ?? '', /vision model/);
  assert.match((await page.textContent(`${NEWEST} .error-detail`)) ?? '', /The model refused this request/, 'the model’s own answer follows');
  assert.ok(await page.isVisible(`${NEWEST} .retry`), 'Try again is offered');

  await page.locator(`${NEWEST} .retry`).click();
  await page.waitForSelector(`${NEWEST}[data-status="done"]`, { timeout: 20_000 });
  assert.is(await page.$eval(NEWEST, (e) => (e as HTMLElement).dataset.jobId), jobId, 'the same job, not a new upload');
  assert.is(await page.textContent(`${NEWEST} .description`), fake.behaviour.kind === 'answer' ? fake.behaviour.text : '');
  assert.not.ok(await page.isVisible(`${NEWEST} .error`));
  const status = await (await fetch(`${visionStack.url}/status/${jobId}`)).json();
  assert.equal(status.details.attempts.map((a: { outcome: string }) => a.outcome), ['failed', 'done']);

  // A damaged image fails the same way every time: no Try again.
  await page.setInputFiles('#file', [await file('cut.png', (await scene(300, 200)).subarray(0, 900))]);
  await page.waitForSelector(`${NEWEST}[data-status="failed"]`, { timeout: 20_000 });
  assert.not.ok(await page.isVisible(`${NEWEST} .retry`));
  await context.close();
});

ui('axe-core finds no serious or critical violation at 360 and 1280 px, light and dark; screenshots saved', async () => {
  const backgrounds = new Set<string>();
  for (const width of [360, 1280]) {
    const { context, page, cspErrors } = await openPage(browser, analyzerStack, { width });
    await page.setInputFiles('#file', [await file('a11y.png', scene(300, 200))]);
    await page.waitForSelector(`${NEWEST}[data-status="done"]`, { timeout: 20_000 });
    // Wide, with the options unfolded; narrow, folded as a first visit shows them.
    if (width === 1280) await page.click('#options-box > summary');
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const bad = await seriousViolations(page);
      assert.equal(bad, [], `${width} px ${scheme}: ${JSON.stringify(bad)}`);
      const scrollsSideways = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.not.ok(scrollsSideways, `nothing scrolls sideways at ${width} px`);
      backgrounds.add(await page.evaluate(() => getComputedStyle(document.body).backgroundColor));
      await page.screenshot({ path: path.join(SCREENSHOTS, `ui-${width}-${scheme}.png`), fullPage: true });
    }
    assert.equal(cspErrors, [], 'checked under the page’s own CSP');
    await context.close();
  }
  assert.is(backgrounds.size, 2, 'the dark scheme has its own colours');
});

ui.run();
