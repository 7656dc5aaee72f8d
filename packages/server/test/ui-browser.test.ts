import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../../../test-support/browser.js';
import { FakeOpenAI } from '../../../test-support/fake-openai.js';
import { png, scene } from '../../../test-support/images.js';
import { REPO_ROOT, Stack } from '../../../test-support/processes.js';

/** The web UI in a real browser (Debian's Chromium) against the real server and worker. */
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const AXE = createRequire(path.join(REPO_ROOT, 'package.json')).resolve('axe-core/axe.min.js');
const XSS = '<img src=x onerror=alert(1)>';
const KEY = 'ui-test-key-51c0';

const ui = suite('the web UI in Chromium');
const fake = new FakeOpenAI();
let browser: Browser;
let analyzerStack: Stack;
let visionStack: Stack;
let keyStack: Stack;
/** Vision failures fail the job (no analyzer fallback), at the first attempt. */
let failStack: Stack;

ui.before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await fake.start();
  fake.behaviour = { kind: 'answer', text: `A caption that tries ${XSS} to run code.` };
  analyzerStack = new Stack({ ANALYZER_OCR: 'off' });
  visionStack = new Stack({ OPENAI_API_KEY: 'sk-ui', OPENAI_BASE_URL: fake.baseUrl, OPENAI_VISION_MODEL: 'ui-model' });
  keyStack = new Stack({ API_KEYS: KEY, ANALYZER_OCR: 'off' });
  failStack = new Stack({
    OPENAI_API_KEY: 'sk-ui',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_FALLBACK: 'fail',
    OPENAI_MAX_RETRIES: '0',
    MAX_ATTEMPTS: '1',
  });
  await Promise.all([analyzerStack.start(), visionStack.start(), keyStack.start(), failStack.start()]);
  browser = await launchChromium();
});
ui.after(async () => {
  await browser?.close();
  await Promise.all([analyzerStack?.stop(), visionStack?.stop(), keyStack?.stop(), failStack?.stop()]);
  await fake.stop();
});

async function openPage(stack: Stack, options: { bypassCSP?: boolean; width?: number } = {}): Promise<{ context: BrowserContext; page: Page; dialogs: string[]; cspErrors: string[] }> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: 900 },
    permissions: ['clipboard-read', 'clipboard-write'],
    bypassCSP: options.bypassCSP ?? false,
  });
  const page = await context.newPage();
  const dialogs: string[] = [];
  const cspErrors: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
  });
  await page.goto(`${stack.url}/ui`);
  return { context, page, dialogs, cspErrors };
}

const file = async (name: string, bytes: Promise<Buffer> | Buffer, mimeType = 'image/png') => ({ name, mimeType, buffer: await bytes });

ui('two images picked at once both reach done, with a description and _generated_by; copy puts it on the clipboard', async () => {
  const { context, page, cspErrors } = await openPage(analyzerStack);
  await page.setInputFiles('#file', [await file('garden.png', scene(400, 300)), await file('photo.jpg', scene(320, 240, 'jpeg'), 'image/jpeg')]);
  await page.waitForFunction(() => document.querySelectorAll('.job[data-status="done"]').length === 2, undefined, { timeout: 20_000 });
  const cards = await page.$$eval('.job', (els) =>
    els.map((e) => ({
      description: e.querySelector('.description')?.textContent ?? '',
      generatedBy: e.querySelector('.generated-by')?.textContent ?? '',
      jobId: (e as HTMLElement).dataset.jobId,
    })),
  );
  assert.is(cards.length, 2);
  for (const card of cards) {
    assert.ok(card.description.length > 20, card.description);
    assert.match(card.generatedBy, /^depict-analyzer@/);
    assert.ok(card.jobId);
  }
  await page.locator('.job .copy').first().click();
  await page.waitForFunction(() => document.querySelector('.job .copied')?.textContent?.includes('Copied'));
  const clipboard = await page.evaluate(() => navigator.clipboard.readText());
  assert.is(clipboard, cards[0]!.description);
  assert.equal(cspErrors, [], 'the page runs under its CSP without violations');
  await context.close();
});

ui('a text file named .png: the error is shown on its card in plain words, and the page still works', async () => {
  const { context, page } = await openPage(analyzerStack);
  await page.setInputFiles('#file', [{ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') }]);
  await page.waitForSelector('.job[data-status="failed"] .error:not([hidden])');
  const error = await page.textContent('.job[data-status="failed"] .error');
  assert.match(error ?? '', /not a PNG or JPEG/);
  assert.match(error ?? '', /Only PNG and JPEG images are accepted/);
  await page.setInputFiles('#file', [await file('fine.png', png({ width: 60, height: 40 }))]);
  await page.waitForSelector('.job[data-status="done"]', { timeout: 20_000 });
  await context.close();
});

ui('a description containing HTML shows as text, and nothing runs', async () => {
  const { context, page, dialogs } = await openPage(visionStack);
  await page.setInputFiles('#file', [await file('x.png', scene(200, 150))]);
  await page.waitForSelector('.job[data-status="done"]', { timeout: 20_000 });
  assert.is(await page.textContent('.job .description'), `A caption that tries ${XSS} to run code.`);
  assert.is(await page.locator('.job .description img').count(), 0, 'no element was made from the description');
  assert.is(await page.textContent('.job .generated-by'), 'openai:ui-model');
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

ui('a server with API keys: a 401 shows the key field; with the key saved, Try again works', async () => {
  const { context, page } = await openPage(keyStack);
  assert.ok(await page.locator('#api-key-form').isHidden());
  await page.setInputFiles('#file', [await file('k.png', png({ width: 50, height: 50 }))]);
  await page.waitForSelector('.job[data-status="failed"]');
  assert.match((await page.textContent('.job .error')) ?? '', /needs an API key/);
  assert.ok(await page.locator('#api-key-form').isVisible());
  await page.fill('#api-key', KEY);
  await page.click('#api-key-form button[type="submit"]');
  assert.is(await page.evaluate(() => localStorage.getItem('depict.apiKey')), KEY);
  await page.click('.job .retry');
  await page.waitForSelector('.job[data-status="done"]', { timeout: 20_000 });
  await context.close();
});

ui('a job that failed offers Try again: the same job is retried on the server, keeps its history, and reaches done', async () => {
  fake.next.push({ kind: 'status', status: 400, body: '{"error":{"message":"The model refused this request."}}' });
  const { context, page } = await openPage(failStack);
  await page.setInputFiles('#file', [await file('retry-me.png', png({ width: 60, height: 40 }))]);
  await page.waitForSelector('.job[data-status="failed"]', { timeout: 20_000 });
  const jobId = await page.$eval('.job', (e) => (e as HTMLElement).dataset.jobId);
  assert.ok(jobId, 'the failed card knows its job');
  assert.match(await page.textContent('.job .error-words') ?? '', /vision model/);
  assert.ok(await page.isVisible('.job .retry'), 'Try again is offered');

  await page.locator('.job .retry').click();
  await page.waitForSelector('.job[data-status="done"]', { timeout: 20_000 });
  assert.is(await page.$eval('.job', (e) => (e as HTMLElement).dataset.jobId), jobId, 'the same job, not a new upload');
  assert.is(await page.textContent('.job .description'), fake.behaviour.kind === 'answer' ? fake.behaviour.text : '');
  assert.not.ok(await page.isVisible('.job .error'));
  const status = await (await fetch(`${failStack.url}/status/${jobId}`)).json();
  assert.equal(status.details.attempts.map((a: { outcome: string }) => a.outcome), ['failed', 'done']);

  // A damaged image fails the same way every time: no Try again.
  await page.setInputFiles('#file', [await file('cut.png', (await scene(300, 200)).subarray(0, 900))]);
  await page.waitForFunction(() => document.querySelectorAll('.job[data-status="failed"]').length === 1, undefined, { timeout: 20_000 });
  assert.not.ok(await page.isVisible('.job[data-status="failed"] .retry'));
  await context.close();
});

ui('axe-core finds no serious or critical violation, at 360 px and at 1280 px; screenshots saved', async () => {
  for (const width of [360, 1280]) {
    const { context, page } = await openPage(analyzerStack, { bypassCSP: true, width });
    await page.setInputFiles('#file', [await file('a11y.png', scene(300, 200))]);
    await page.waitForSelector('.job[data-status="done"]', { timeout: 20_000 });
    await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => {
      const result = await (window as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; impact: string; help: string }> }> } }).axe.run();
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: (v as unknown as { nodes: Array<{ html: string }> }).nodes.map((n) => n.html.slice(0, 160)) }));
    });
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.equal(bad, [], JSON.stringify(bad));
    const scrollsSideways = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.not.ok(scrollsSideways, `nothing scrolls sideways at ${width} px`);
    await page.screenshot({ path: path.join(ARTIFACTS, `ui-${width}.png`), fullPage: true });
    await context.close();
  }
});

ui.run();
