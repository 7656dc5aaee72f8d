import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AnalysisSchema, type Analysis, type ImageInput } from '@depict/contract';
import { submit, waitForResult } from '../../../test-support/api.js';
import { labelledImage } from '../../../test-support/debian-images.js';
import { Stack } from '../../../test-support/processes.js';
import { labelledImages } from '../../../test-support/labelled-images.js';
import { sharp } from '../../../test-support/images.js';
import { ALT_TEXT_MAX, analyzeImage, createAnalyzerDescriber, describeFacts } from '../src/analyzer/index.js';
import { RecognitionEngine } from '../src/analyzer/recognition/recognise.js';

const recognition = suite('recognition: objects and people, offline');
const require = createRequire(import.meta.url);
const humanLoaded = () => Object.keys(require.cache).some((m) => m.includes('human.node-wasm'));
const engine = new RecognitionEngine();
const analysed = new Map<string, Analysis>();

/** The service takes PNG and JPEG: a WebP from a package becomes a lossless PNG first. */
const uploadable = async (file: string) => (file.endsWith('.webp') ? sharp(file).png().toBuffer() : file);

/** What a worker hands a describer for a file on disk. */
async function input(file: string): Promise<ImageInput> {
  const source = await uploadable(file);
  const bytes = typeof source === 'string' ? await readFile(source) : source;
  return { source, mediaType: bytes[0] === 0x89 ? 'image/png' : 'image/jpeg', byteSize: bytes.length, filename: null };
}

async function analyse(name: string): Promise<Analysis> {
  let facts = analysed.get(name);
  if (!facts) {
    facts = await analyzeImage(await uploadable((await labelledImage(name)).file), { recognition: engine });
    AnalysisSchema.parse(facts);
    analysed.set(name, facts);
  }
  return facts;
}

// First, before anything in this process has loaded the model.
recognition('ANALYZER_OBJECTS=off loads no model and reports objects and people as not measured', async () => {
  const describer = createAnalyzerDescriber({ ocr: 'off', revealGps: false, objects: 'off' });
  const { file } = await labelledImage('grace_hopper.jpg');
  const result = await describer.describe(await input(file));
  const analysis = (result.details as { analysis: Analysis }).analysis;
  assert.is(analysis.objects, null);
  assert.is(analysis.people, null);
  assert.not.match(result.description, /person/);
  assert.not.ok(humanLoaded(), 'the human module was loaded');
  await describer.close?.();
});

recognition('loading the model leaves the process listeners a worker relies on as they were', async () => {
  const before = ['uncaughtException', 'unhandledRejection'].map((e) => process.listeners(e as 'uncaughtException').length);
  await engine.load();
  const after = ['uncaughtException', 'unhandledRejection'].map((e) => process.listeners(e as 'uncaughtException').length);
  assert.equal(after, before);
});

recognition('a person photo: people >= 1 and a person box inside the image, named first in every length', async () => {
  const facts = await analyse('grace_hopper.jpg');
  assert.ok(humanLoaded());
  assert.ok((facts.people ?? 0) >= 1, `people ${facts.people}`);
  const person = facts.objects?.find((o) => o.label === 'person');
  assert.ok(person, JSON.stringify(facts.objects));
  const { x, y, width, height } = person.box;
  assert.ok(x >= 0 && y >= 0 && width > 0 && height > 0, JSON.stringify(person.box));
  assert.ok(x + width <= facts.width && y + height <= facts.height, `${JSON.stringify(person.box)} in ${facts.width} x ${facts.height}`);
  // Most of the portrait is the person.
  assert.ok(width * height > 0.4 * facts.width * facts.height, JSON.stringify(person.box));
  assert.match(describeFacts(facts, 'normal'), /^A portrait photo of a person\b/);
  assert.match(describeFacts(facts, 'detailed'), /^A portrait photo of a person\b/);
  const alt = describeFacts(facts, 'alt');
  assert.match(alt, /^Photo of a person\b/);
  assert.ok(alt.length <= ALT_TEXT_MAX);
});

recognition('boxes are in display pixels, after EXIF orientation', async () => {
  // The same photo turned by an EXIF tag (6: shown rotated 90° clockwise).
  const { file } = await labelledImage('grace_hopper.jpg');
  const turned = await sharp(file).rotate(-90).withMetadata({ orientation: 6 }).jpeg().toBuffer();
  const facts = await analyzeImage(turned, { recognition: engine });
  const upright = await analyse('grace_hopper.jpg');
  assert.is(facts.width, upright.width);
  const a = facts.objects!.find((o) => o.label === 'person')!.box;
  const b = upright.objects!.find((o) => o.label === 'person')!.box;
  for (const k of ['x', 'y', 'width', 'height'] as const) assert.ok(Math.abs(a[k] - b[k]) <= 0.06 * facts.width, `${k}: ${a[k]} against ${b[k]}`);
});

recognition('a strip one pixel wide and a speck are measured, not failed', async () => {
  for (const [width, height] of [[1, 5000], [3, 2]] as const) {
    const png = await sharp({ create: { width, height, channels: 3, background: '#808080' } }).png().toBuffer();
    const facts = await analyzeImage(png, { recognition: engine });
    assert.equal(facts.objects, [], `${width} x ${height}`);
    assert.is(facts.people, 0);
  }
});

recognition('images with no COCO object name none', async () => {
  for (const name of ['starry_night.jpg', 'Blender_Suzanne1.jpg', 'graf1.png', 'squirrel_cls.jpg']) {
    const facts = await analyse(name);
    assert.equal(facts.objects, [], `${name}: ${JSON.stringify(facts.objects)}`);
    assert.is(facts.people, 0, name);
    assert.match(describeFacts(facts, 'normal'), /^An? [a-z -]+, \d+ x \d+/, name);
  }
});

recognition('a cat is never a "dog" in the description', async () => {
  // Real cats from the quality set: a kitten, a ginger kitten, a cat on a roof.
  for (const image of labelledImages(['farm-cat', 'erase-kitten', 'cat-roof'])) {
    const facts = await analyzeImage(await uploadable(image.file), { recognition: engine });
    for (const length of ['alt', 'normal', 'detailed'] as const) {
      const text = describeFacts(facts, length);
      assert.not.match(text, /\bdogs?\b/i, `${image.id}: ${text}`);
      assert.match(text, /\bcat\b/, `${image.id}: ${text}`);
    }
  }
  // Big cats are not COCO's cat: never a dog.
  for (const name of ['cheetah.webp', 'jaguar.webp']) {
    const facts = await analyse(name);
    for (const length of ['alt', 'normal', 'detailed'] as const) assert.not.match(describeFacts(facts, length), /\bdogs?\b/i, name);
  }
});

recognition('concurrent first jobs share one model load', async () => {
  const fresh = new RecognitionEngine();
  const describer = createAnalyzerDescriber({ ocr: 'off', revealGps: false, objects: 'auto', recognition: fresh });
  const names = ['messi5.jpg', 'toucan.webp', 'licenseplate_motion.jpg', 'grace_hopper.jpg'];
  const files = await Promise.all(names.map(async (n) => (await labelledImage(n)).file));
  const inputs = await Promise.all(files.map(input));
  const results = await Promise.all(inputs.map((i) => describer.describe(i)));
  assert.is(fresh.loads, 1);
  const labels = results.map((r) => ((r.details as { analysis: Analysis }).analysis.objects ?? []).map((o) => o.label));
  assert.ok(labels[0]!.includes('person') && labels[1]!.includes('bird') && labels[2]!.includes('car') && labels[3]!.includes('person'), JSON.stringify(labels));
  await describer.close?.();
});

recognition('a worker end to end: objects and people in /result details, the description leading with them', async () => {
  const stack = new Stack({ ANALYZER_OBJECTS: 'auto', ANALYZER_OCR: 'off' });
  await stack.start();
  try {
    const bytes = await readFile((await labelledImage('messi5.jpg')).file);
    const sent = await submit(stack.url, bytes, { filename: 'messi5.jpg', type: 'image/jpeg' });
    assert.is(sent.status, 202, JSON.stringify(sent.body));
    const result = await waitForResult(stack.url, sent.body.job_id, 60_000);
    assert.is(result.body.status, 'done', JSON.stringify(result.body));
    const analysis = AnalysisSchema.parse(result.body.details.analysis);
    assert.ok((analysis.people ?? 0) >= 1, JSON.stringify(analysis.people));
    assert.ok(analysis.objects?.some((o) => o.label === 'person'), JSON.stringify(analysis.objects));
    assert.match(result.body.description, /^A landscape photo of (a person|\w+ people)\b/);
  } finally {
    await stack.stop();
  }
});

recognition.run();
