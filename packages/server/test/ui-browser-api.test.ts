import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../../test-support/browser.js';
import { FakeOpenAI } from '../../../test-support/fake-openai.js';
import { png, scene, sharp } from '../../../test-support/images.js';
import { Stack } from '../../../test-support/processes.js';
import { SCREENSHOTS, file, openPage, seriousViolations, submit } from '../../../test-support/ui-page.js';

/**
 * The web UI uses the whole API, in Chromium against the real server and worker: the
 * job options, the history from GET /jobs, live states over /events (and polling when
 * the stream is blocked), and a result's details in words.
 */
const NEWEST = '.job:first-child';

const api = suite('the web UI uses the whole API');
const fake = new FakeOpenAI();
let browser: Browser;
/** The offline analyzer, text recognition as configured by default. */
let analyzerStack: Stack;
let visionStack: Stack;
/** A photo of a sign with EXIF, submitted at the start: the analyzer reads its text meanwhile. */
let signJobId: string;

async function signPhoto(): Promise<Buffer> {
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="320"><rect width="100%" height="100%" fill="#ffffff"/>' +
    '<text x="40" y="140" font-family="DejaVu Sans" font-size="56" fill="#111111">Opening hours</text>' +
    '<text x="40" y="230" font-family="DejaVu Sans" font-size="56" fill="#111111">Monday to Friday</text></svg>';
  return sharp(Buffer.from(svg))
    .withExif({ IFD0: { Make: 'Canon', Model: 'Canon EOS R5' }, IFD2: { DateTimeOriginal: '2024:05:03 14:22:01', FNumber: '8/5', ExposureTime: '1/250' } })
    .jpeg({ quality: 92 })
    .toBuffer();
}

api.before(async () => {
  await fake.start();
  analyzerStack = new Stack();
  // A failed model call falls back to the offline analyzer, as by default.
  visionStack = new Stack({ OPENAI_API_KEY: 'sk-ui', OPENAI_BASE_URL: fake.baseUrl, OPENAI_VISION_MODEL: 'ui-model', OPENAI_MAX_RETRIES: '0' });
  await Promise.all([analyzerStack.start(), visionStack.start()]);
  signJobId = await submit(analyzerStack, 'sign.jpg', await signPhoto());
  browser = await launchChromium();
});
api.after(async () => {
  await browser?.close();
  await Promise.all([analyzerStack?.stop(), visionStack?.stop()]);
  await fake.stop();
});

const jobIdOf = (page: Page, selector: string) => page.$eval(selector, (e) => (e as HTMLElement).dataset.jobId ?? '');
const countOf = (requests: string[], path: string) => requests.filter((r) => r.startsWith(path)).length;

api('alt text in German: the choices go with the upload, reach the model, and are there again after a reload', async () => {
  fake.behaviour = { kind: 'answer', text: 'Ein blaues Quadrat.' };
  const { context, page } = await openPage(browser, visionStack);
  assert.not.ok(await page.isVisible('#opt-length'), 'the options start folded, their summary saying the defaults');
  assert.is(await page.textContent('#options-summary'), '(Normal length, the server’s language)');
  await page.click('#options-box > summary');
  await page.selectOption('#opt-length', 'alt');
  await page.fill('#opt-language', 'de');
  await page.fill('#opt-prompt', 'Name the colour.');
  await page.setInputFiles('#file', [await file('blue.png', png({ width: 64, height: 64 }))]);
  await page.waitForSelector(`${NEWEST}[data-status="done"]`, { timeout: 20_000 });
  const sent = fake.requests.at(-1)!.body;
  assert.is(sent.max_tokens, 500, 'alt text asks for a short answer: 100 tokens, and 400 for the structured answer around it');
  const instruction = JSON.stringify(sent.messages);
  assert.match(instruction, /BCP 47 tag \\"de\\"/);
  assert.match(instruction, /Name the colour\./);
  const result = await (await fetch(`${visionStack.url}/result/${await jobIdOf(page, NEWEST)}`)).json();
  assert.equal(result.details.options, { length: 'alt', language: 'de', detail: 'auto' });
  const facts = await page.textContent(`${NEWEST} .fact-list`);
  assert.match(facts ?? '', /LengthAlt text/);
  assert.match(facts ?? '', /LanguageGerman \(de\)/);

  await page.reload();
  assert.is(await page.textContent('#options-summary'), '(Alt text, German, an extra instruction)');
  assert.ok(await page.isVisible('#opt-length'), 'unfolded, as it was left');
  assert.is(await page.inputValue('#opt-length'), 'alt');
  assert.is(await page.inputValue('#opt-language'), 'de');
  assert.is(await page.inputValue('#opt-prompt'), 'Name the colour.');
  await page.setInputFiles('#file', [await file('red.png', png({ width: 64, height: 64, color: '#cc2200' }))]);
  await page.waitForSelector(`${NEWEST}[data-status="done"]`, { timeout: 20_000 });
  assert.is(fake.requests.at(-1)!.body.max_tokens, 500, 'the remembered choices are sent too');
  assert.match(JSON.stringify(fake.requests.at(-1)!.body.messages), /BCP 47 tag \\"de\\"/);
  await context.close();
});

api('a job’s states arrive live over /events: no polling while it is described', async () => {
  let release!: () => void;
  fake.next.push({ kind: 'hold', text: 'Described while you watched.', release: new Promise<void>((r) => (release = r)) });
  const { context, page, requests } = await openPage(browser, visionStack);
  await page.setInputFiles('#file', [await file('live.png', png({ width: 70, height: 50, color: '#118844' }))]);
  await page.waitForSelector(`${NEWEST}[data-status="processing"]`, { timeout: 20_000 });
  const jobId = await jobIdOf(page, NEWEST);
  assert.is(countOf(requests, `/events/${jobId}`), 1, 'the page opened the job’s event stream');
  assert.is(countOf(requests, `/result/${jobId}`), 0, 'and has not polled: "processing" came over the stream');
  // After a reload the job comes back from the history, and is followed live again.
  await page.reload();
  await page.waitForSelector(`.job[data-job-id="${jobId}"][data-status="processing"]`);
  await page.waitForFunction(() => !!document.querySelector('.job[data-updates="events"]'));
  assert.is(countOf(requests, `/events/${jobId}`), 2);
  assert.is(countOf(requests, `/result/${jobId}`), 0);
  release();
  await page.waitForSelector(`${NEWEST}[data-status="done"]`, { timeout: 20_000 });
  assert.is(await jobIdOf(page, NEWEST), jobId);
  assert.is(await page.textContent(`${NEWEST} .description`), 'Described while you watched.');
  assert.is(countOf(requests, `/result/${jobId}`), 1, 'the result was fetched once, when the stream said done');
  assert.is(await page.getAttribute(NEWEST, 'data-updates'), 'events');
  await context.close();
});

api('five jobs at once: three follow over streams, the rest are polled, so the browser keeps connections for other calls', async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  for (let i = 0; i < 5; i++) fake.next.push({ kind: 'hold', text: `Held ${i}.`, release: held });
  const { context, page } = await openPage(browser, visionStack);
  const colours = ['#102030', '#203040', '#304050', '#405060', '#506070'];
  await page.setInputFiles('#file', await Promise.all(colours.map((color, i) => file(`many-${i}.png`, png({ width: 40, height: 40, color })))));
  await page.waitForFunction(() => document.querySelectorAll('.job[data-updates]').length >= 5, undefined, { timeout: 20_000 });
  const ways = await page.$$eval('.job[data-updates]', (els) => els.map((e) => (e as HTMLElement).dataset.updates).sort());
  assert.equal(ways.slice(0, 5), ['events', 'events', 'events', 'polling', 'polling']);
  release();
  await page.waitForFunction(() => [...document.querySelectorAll('.job')].slice(0, 5).every((e) => (e as HTMLElement).dataset.status === 'done'), undefined, { timeout: 20_000 });
  await context.close();
});

api('with /events blocked, the page falls back to polling /result and still shows every state', async () => {
  let release!: () => void;
  fake.next.push({ kind: 'hold', text: 'Described while polled.', release: new Promise<void>((r) => (release = r)) });
  const { context, page, requests } = await openPage(browser, visionStack, {
    before: (p) => p.route('**/events/**', (route) => route.abort('blockedbyclient')),
  });
  await page.setInputFiles('#file', [await file('polled.png', png({ width: 70, height: 50, color: '#441188' }))]);
  await page.waitForSelector(`${NEWEST}[data-status="processing"]`, { timeout: 20_000 });
  const jobId = await jobIdOf(page, NEWEST);
  assert.is(countOf(requests, `/events/${jobId}`), 1, 'the stream was tried once');
  assert.ok(countOf(requests, `/result/${jobId}`) >= 1, 'and polling showed "processing"');
  release();
  await page.waitForSelector(`${NEWEST}[data-status="done"]`, { timeout: 20_000 });
  assert.is(await page.textContent(`${NEWEST} .description`), 'Described while polled.');
  assert.is(await page.getAttribute(NEWEST, 'data-updates'), 'polling');
  await context.close();
});

api('a reload keeps the jobs: GET /jobs a page at a time, Load more following the cursor', async () => {
  const { context, page, requests } = await openPage(browser, analyzerStack, {
    // Pages of two, so a few jobs make several pages; the server is asked as the page asks it.
    before: (p) =>
      p.route(
        (url) => url.pathname === '/jobs',
        (route) => {
          const url = new URL(route.request().url());
          url.searchParams.set('limit', '2');
          return route.continue({ url: url.toString() });
        },
      ),
  });
  await page.setInputFiles('#file', [await file('mine.png', scene(300, 200))]);
  await page.waitForSelector(`${NEWEST}[data-status="done"]`, { timeout: 20_000 });
  const mine = await jobIdOf(page, NEWEST);
  await submit(analyzerStack, 'a.png', await png({ width: 30, height: 30, color: '#123456' }));
  await submit(analyzerStack, 'b.png', await png({ width: 30, height: 30, color: '#654321' }));
  const everyJob = ((await (await fetch(`${analyzerStack.url}/jobs?limit=200`)).json()).items as Array<{ job_id: string }>).map((j) => j.job_id);
  assert.ok(everyJob.length >= 4 && everyJob.includes(mine), JSON.stringify(everyJob));

  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('.job').length === 2);
  const shown = () => page.$$eval('.job', (els) => els.map((e) => (e as HTMLElement).dataset.jobId));
  assert.equal(await shown(), everyJob.slice(0, 2), 'the newest page first');
  while (await page.isVisible('#load-more')) {
    const before = (await shown()).length;
    await page.click('#load-more');
    await page.waitForFunction((n) => document.querySelectorAll('.job').length > n || document.querySelector('#load-more')!.hasAttribute('hidden'), before);
  }
  assert.equal(await shown(), everyJob, 'every job, in the server’s order, each once');
  assert.ok(requests.some((r) => /^\/jobs\?.*cursor=/.test(r)), 'Load more sent the cursor');
  const card = `.job[data-job-id="${mine}"]`;
  await page.waitForSelector(`${card}[data-status="done"]`);
  assert.is(await page.textContent(`${card} .filename`), 'mine.png', 'the name this browser remembers');
  assert.match((await page.getAttribute(`${card} .thumb`, 'src')) ?? '', /^data:image\/jpeg;base64,/, 'and its thumbnail');
  // The list gives the card its state; the description follows from GET /result.
  await page.waitForFunction((sel) => (document.querySelector(sel)?.textContent ?? '').length > 20, `${card} .description`, { timeout: 10_000 });

  // Remove deletes the job on the server (DELETE /jobs/:id), and its card goes.
  await page.click(`${card} .remove`);
  await page.waitForSelector(card, { state: 'detached' });
  assert.is((await fetch(`${analyzerStack.url}/status/${mine}`)).status, 404);
  await context.close();
});

api('details read as words: kind, size, colour swatches with names and shares, camera and date, the text read; raw JSON folded', async () => {
  const { context, page, pageErrors } = await openPage(browser, analyzerStack);
  const card = `.job[data-job-id="${signJobId}"]`;
  await page.waitForSelector(`${card}[data-status="done"]`, { timeout: 30_000 });
  await page.click(`${card} .details > summary`);
  const facts = await page.$$eval(`${card} .fact-list dt`, (dts) => Object.fromEntries(dts.map((dt) => [dt.textContent, (dt.nextElementSibling as HTMLElement).innerText])));
  assert.is(facts['Size'], '640 × 320 px, JPEG, wide');
  assert.ok(facts['Kind'], 'a kind');
  assert.match(facts['Camera'] ?? '', /^Canon EOS R5 — f\/1\.6, 1\/250 s$/);
  assert.is(facts['Taken'], '3 May 2024 at 14:22');
  const lines = await page.$$eval(`${card} .text-lines li`, (lis) => lis.map((li) => li.textContent));
  assert.equal(lines, ['Opening hours', 'Monday to Friday']);
  const swatches = await page.$$eval(`${card} .palette .colour`, (items) =>
    items.map((i) => ({
      name: i.querySelector('.colour-name')!.textContent,
      share: i.querySelector('.share')!.textContent,
      colour: getComputedStyle(i.querySelector('.swatch')!).backgroundColor,
    })),
  );
  assert.ok(swatches.length >= 1, 'a swatch per palette colour');
  assert.is(swatches[0]!.name, 'white');
  assert.match(swatches[0]!.share ?? '', /^\d+%$/);
  assert.is(swatches[0]!.colour, 'rgb(255, 255, 255)');
  assert.not.match((await page.innerText(`${card} .facts`)) ?? '', /[{}"]/, 'no JSON among the facts');
  assert.not.ok(await page.isVisible(`${card} .details-json`), 'the raw JSON stays folded');
  await page.click(`${card} .raw > summary`);
  assert.match((await page.textContent(`${card} .details-json`)) ?? '', /"palette"/);
  assert.equal(pageErrors, []);
  await page.click(`${card} .raw > summary`);
  await page.locator(card).screenshot({ path: path.join(SCREENSHOTS, 'ui-details.png') });
  await context.close();
});

api('a description the analyzer wrote because the model failed says why, in words', async () => {
  fake.next.push({ kind: 'status', status: 400, body: '{"error":{"message":"Bad image."}}' });
  const { context, page } = await openPage(browser, visionStack);
  await page.setInputFiles('#file', [await file('fallback.png', png({ width: 48, height: 48, color: '#778899' }))]);
  await page.waitForSelector(`${NEWEST}[data-status="done"]`, { timeout: 20_000 });
  assert.match((await page.textContent(`${NEWEST} .generated-by`)) ?? '', /^depict-analyzer@/);
  const facts = (await page.innerText(`${NEWEST} .fact-list`)).replace(/\s+/g, ' ');
  assert.match(facts, /Why the analyzer wrote it The vision model could not describe this image\./);
  await context.close();
});

api('recognised objects are drawn as labelled boxes over the picture, scaled to it', async () => {
  // The analyzer does not report objects on this branch yet: this one result is served
  // with `details.analysis.objects` added (as the contract describes them), through the
  // browser's routing; the upload, the job and the rest of the result are the real ones.
  let uploaded = '';
  const { context, page, pageErrors, cspErrors } = await openPage(browser, analyzerStack, {
    before: async (p) => {
      p.on('response', async (res) => {
        if (new URL(res.url()).pathname === '/submit') uploaded = ((await res.json()) as { job_id: string }).job_id;
      });
      await p.route('**/result/**', async (route) => {
        const response = await route.fetch();
        const json = await response.json();
        if (json.job_id === uploaded && json.status === 'done') {
          json.details.analysis.objects = [
            { label: 'person', count: 2, score: 0.91, confidence: 'sure', box: { x: 100, y: 75, width: 200, height: 150 }, boxes: [{ x: 100, y: 75, width: 200, height: 150 }, { x: 0, y: 0, width: 40, height: 30 }] },
            { label: 'dog', count: 1, score: 0.55, confidence: 'probable', box: { x: 300, y: 150, width: 100, height: 150 }, boxes: [{ x: 300, y: 150, width: 100, height: 150 }] },
          ];
        }
        return route.fulfill({ response, json });
      });
    },
  });
  await page.setInputFiles('#file', [await file('park.png', scene(400, 300))]);
  await page.waitForSelector(`${NEWEST}[data-status="done"]`, { timeout: 20_000 });
  assert.is(await jobIdOf(page, NEWEST), uploaded);
  const frame = await page.locator(`${NEWEST} .objects-frame`).boundingBox();
  assert.ok(frame && Math.abs(frame.width / frame.height - 4 / 3) < 0.02, `the frame keeps the picture's proportions: ${JSON.stringify(frame)}`);
  assert.match((await page.getAttribute(`${NEWEST} .objects-image`, 'src')) ?? '', /^data:image\/jpeg/);
  const boxes = await page.$$eval(`${NEWEST} .object-box`, (els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return { label: e.textContent, x: r.x, y: r.y, width: r.width, height: r.height };
    }),
  );
  assert.equal(boxes.map((b) => b.label), ['person', 'person', 'dog']);
  // Box {x:100, y:75, width:200, height:150} of 400 × 300: a quarter in, half the size, wherever the frame is drawn.
  const near = (a: number, b: number) => Math.abs(a - b) <= 1.5;
  const first = boxes[0]!;
  assert.ok(near(first.x - frame!.x, frame!.width / 4) && near(first.y - frame!.y, frame!.height / 4), JSON.stringify({ first, frame }));
  assert.ok(near(first.width, frame!.width / 2) && near(first.height, frame!.height / 2), JSON.stringify({ first, frame }));
  const objects = await page.$$eval(`${NEWEST} .objects li`, (lis) => lis.map((li) => li.textContent));
  assert.equal(objects, ['2 × person (91%)', 'dog (probably, 55%)']);
  // Every other result has no objects: no frame, and nothing broke.
  assert.is(await page.locator('.objects-frame').count(), 1);
  assert.equal(pageErrors, []);
  assert.equal(await seriousViolations(page), []);
  assert.equal(cspErrors, [], 'boxes are placed under the page’s CSP');
  await page.locator(NEWEST).screenshot({ path: path.join(SCREENSHOTS, 'ui-objects.png') });
  await context.close();
});

api.run();
