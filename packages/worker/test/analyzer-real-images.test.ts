import { readFile } from 'node:fs/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sharp } from '../../../test-support/images.js';
import { labelledImages, readLabels, readRccMember, type LabelledImage } from '../../../test-support/labelled-images.js';
import { AnalysisSchema, OcrEngine, analyzeImage, describeFacts, type Analysis } from '../src/analyzer/index.js';
import { nameOf } from '../src/analyzer/colour-names.js';
import { rgbOfHex, rgbToLab } from '../src/analyzer/colour-space.js';
import { readsAsWords } from '../src/analyzer/ocr.js';

/**
 * Issue 19's categories of false claims, each checked on real images from the labelled
 * set (bench/quality/labels.json, fetched from Debian packages by test-support), or on a
 * real image changed in the one way the check needs.
 */
const real = suite('offline analyzer on real images: transparency, sharpness, kind, OCR, light, colour, EXIF');
const ocrEngine = new OcrEngine();
let fetched: Map<string, LabelledImage> | Error | undefined;

/** The set, fetched once on first use: each test fails with the reason when the packages cannot be had. */
function images(): Map<string, LabelledImage> {
  if (fetched === undefined) {
    try {
      fetched = new Map(labelledImages().map((image) => [image.id, image]));
    } catch (err) {
      fetched = err instanceof Error ? err : new Error(String(err));
    }
  }
  if (fetched instanceof Error) throw fetched;
  return fetched;
}
real.after(() => ocrEngine.close());

async function bytesOf(id: string): Promise<Buffer> {
  const image = images().get(id);
  if (!image) throw new Error(`no labelled image ${id}`);
  const bytes = await readFile(image.file);
  return image.file.endsWith('.webp') ? sharp(bytes).png().toBuffer() : bytes;
}

const cache = new Map<string, Promise<Analysis>>();
async function analyse(id: string, bytes?: Buffer): Promise<{ facts: Analysis; text: string }> {
  const facts = await (bytes ? analyzeImage(bytes, { ocrEngine }) : (cache.get(id) ?? cache.set(id, bytesOf(id).then((b) => analyzeImage(b, { ocrEngine }))).get(id)!));
  AnalysisSchema.parse(facts);
  return { facts, text: describeFacts(facts, 'detailed') };
}

real('the fetched images are the labelled ones, and a Qt resource member reads back by name', async () => {
  assert.is(images().size, readLabels().length);
  assert.ok(images().size >= 40);
  assert.ok(readLabels().filter((l) => l.coco_subject).length >= 20);
  const bundle = Buffer.alloc(0);
  assert.throws(() => readRccMember(bundle, '/a'), /not a Qt resource bundle/);
});

real('transparency: a cut-out diagram has a transparent background, not a fully transparent image', async () => {
  const { facts, text } = await analyse('vips-interconvert');
  assert.ok(facts.transparentBackground);
  assert.ok(facts.transparentShare > 0.5 && facts.transparentShare < 0.99, String(facts.transparentShare));
  assert.match(text, /transparent background/);
  assert.not.match(text, /fully transparent/);
});

real('transparency: alpha 254 over a whole diagram is opaque to the eye, and nothing is said', async () => {
  const { facts, text } = await analyse('fotoxx-diagram');
  assert.ok(facts.hasAlpha);
  assert.is(facts.transparentShare, 0);
  assert.is(facts.translucentShare, 0);
  assert.not.match(text, /transparent|translucent/);
});

real('transparency: a logo made half see-through is translucent, not "fully transparent"', async () => {
  const logo = sharp(await bytesOf('gcompris-icon'));
  const { data, info } = await logo.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  for (let o = 3; o < data.length; o += 4) data[o] = data[o]! === 0 ? 0 : 110;
  const { facts, text } = await analyse('translucent', await sharp(data, { raw: info }).png().toBuffer());
  assert.ok(facts.translucentShare > 0.5, String(facts.translucentShare));
  assert.not.match(text, /fully transparent/);
  assert.match(text, /translucent/);
});

real('sharpness: a motion-blurred night photo and a blurred one are never "sharp"; a crisp photo is', async () => {
  for (const id of ['night-person-motion', 'gift-blurred-cherries', 'fotoxx-blur-grid']) {
    const { facts, text } = await analyse(id);
    assert.is.not(facts.sharpness, 'sharp', `${id}: ${facts.sharpnessScore}`);
    assert.not.match(text, /\bsharp\b/, id);
  }
  assert.ok(['soft', 'blurry'].includes((await analyse('gift-blurred-cherries')).facts.sharpness ?? ''));
  assert.is((await analyse('farm-dog')).facts.sharpness, 'sharp');
});

real('sharpness: a real photo blurred until no strong edge is left reads as blurry, not as unknown', async () => {
  const { facts } = await analyse('dog-blurred', await sharp(await bytesOf('farm-dog')).blur(6).png().toBuffer());
  assert.is(facts.sharpness, 'blurry', String(facts.sharpnessScore));
});

/** A real photo smeared len px one way, as a camera or subject moving in a straight line would. */
async function smeared(id: string, len: number, diagonal: boolean): Promise<Buffer> {
  const width = len;
  const height = diagonal ? len : 3;
  const kernel = Array.from({ length: width * height }, (_, i) =>
    diagonal ? (i % (len + 1) === 0 ? 1 / len : 0) : i >= len && i < 2 * len ? 1 / len : 0,
  );
  return sharp(await bytesOf(id)).convolve({ width, height, kernel }).png().toBuffer();
}

real('motion blur: a photo smeared one way says so, with its direction; in-focus photos never do', async () => {
  const across = await analyse('boat-motion', await smeared('boat-lake', 9, false));
  assert.is(across.facts.motionBlur, 'horizontal');
  assert.is.not(across.facts.sharpness, 'sharp');
  assert.match(across.text, /blurred by horizontal motion/);
  const diagonal = await analyse('horses-motion', await smeared('farm-horses', 9, true));
  assert.is(diagonal.facts.motionBlur, 'diagonal');
  // An even blur is not motion.
  assert.is((await analyse('gift-blurred-cherries')).facts.motionBlur, null);
  for (const id of ['farm-dog', 'erase-kitten', 'owl', 'fotoxx-street']) assert.is((await analyse(id)).facts.motionBlur, null, id);
});

real('kinds: charts, diagrams, a dialog, a colour wheel and photos', async () => {
  const expected: Record<string, Analysis['kind']> = {
    'qwt-distrowatch': 'chart',
    'qwt-friedberg': 'chart',
    'vips-memtrace': 'chart',
    'fotoxx-diagram': 'diagram',
    'unpaper-order': 'diagram',
    'fotoxx-first-startup': 'screenshot',
    'gcompris-config': 'screenshot',
    'fotoxx-colorwheel': 'illustration',
    'ubuntu-wallpaper': 'illustration',
    'farm-horses': 'photo',
    'fotoxx-blur-grid': 'photo',
  };
  for (const [id, kind] of Object.entries(expected)) assert.is((await analyse(id)).facts.kind, kind, id);
  // Smooth gradients count as illustration; the grain of a photo keeps it lower, even blurred.
  assert.ok((await analyse('ubuntu-wallpaper')).facts.smoothShare >= 0.92);
  // Dithered at the analysis size (1 level up in a checker): not flat, yet smooth.
  const { data, info } = await sharp(await bytesOf('ubuntu-wallpaper')).resize(512).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  for (let p = 0; p < info.width * info.height; p++) {
    const d = ((p % info.width) + Math.floor(p / info.width)) % 2;
    for (let k = 0; k < 3; k++) data[p * 3 + k] = Math.min(255, Math.max(0, data[p * 3 + k]! + d));
  }
  const dithered = await analyse('dithered', await sharp(data, { raw: info }).png().toBuffer());
  assert.ok(dithered.facts.flatShare < 0.45, String(dithered.facts.flatShare));
  assert.is(dithered.facts.kind, 'illustration', String(dithered.facts.smoothShare));
  const blurred = await analyse('horses-blurred', await sharp(await bytesOf('farm-horses')).blur(15).png().toBuffer());
  assert.is(blurred.facts.kind, 'photo', String(blurred.facts.smoothShare));
});

real('panorama: a stitched room 2:1 is a photo, not a panorama', async () => {
  const { facts, text } = await analyse('fotoxx-room-panorama');
  assert.is(facts.kind, 'photo');
  assert.is.not(facts.orientation, 'panorama');
  assert.not.match(text, /panorama/);
});

real('OCR gate: a photographed book page is read although it has few flat areas', async () => {
  const { facts } = await analyse('fotoxx-book');
  assert.ok(facts.flatShare < 0.25, String(facts.flatShare));
  assert.is(facts.text.ocr, 'ran');
  assert.ok(facts.text.words >= 10, String(facts.text.words));
  // Lines without words are dropped.
  assert.not.ok(readsAsWords('100 4'));
  assert.not.ok(readsAsWords('E'));
  assert.ok(readsAsWords('Thread 1'));
  for (const line of facts.text.lines) assert.ok(readsAsWords(line.text), line.text);
});

real('light: a black surround and a white vignette are not clipping; nothing is said about them', async () => {
  const duck = await analyse('farm-duck');
  assert.ok(duck.facts.underexposedShare > 0.3, String(duck.facts.underexposedShare));
  assert.ok(duck.facts.clippedShadows < 0.06, String(duck.facts.clippedShadows));
  assert.not.match(duck.text, /crushed/);
  const couple = await analyse('fotoxx-couple');
  assert.ok(couple.facts.overexposedShare > 0.2, String(couple.facts.overexposedShare));
  assert.not.match(couple.text, /blown-out/);
});

real('light: white blown into the middle of a real photo is reported', async () => {
  const dog = sharp(await bytesOf('farm-dog'));
  const { width = 0, height = 0 } = await dog.metadata();
  const patch = await sharp({ create: { width: Math.round(width / 3), height: Math.round(height / 3), channels: 3, background: '#ffffff' } }).png().toBuffer();
  const { facts, text } = await analyse('dog-blown', await dog.composite([{ input: patch, left: Math.round(width / 3), top: Math.round(height / 3) }]).png().toBuffer());
  assert.ok(facts.clippedHighlights > 0.08, String(facts.clippedHighlights));
  assert.match(text, /blown-out white/);
});

real('colour: saturation decides names; a red cloth is red; where the colours are; a small accent is named', async () => {
  assert.is(nameOf(rgbToLab(...rgbOfHex('#0d1b4a'))), 'dark blue');
  assert.is(nameOf(rgbToLab(...rgbOfHex('#36454f'))), 'charcoal');
  const cat = await analyse('farm-cat');
  assert.match(cat.facts.palette[0]!.name, /red/);
  const horses = await analyse('farm-horses');
  assert.match(horses.facts.layout?.top ?? '', /blue/);
  assert.match(horses.facts.layout?.bottom ?? '', /green/);
  assert.match(horses.text, /blue above, .*green below/);
  const sheep = sharp(await bytesOf('farm-sheep'));
  const { width = 0, height = 0 } = await sheep.metadata();
  const red = await sharp({ create: { width: Math.round(width / 12), height: Math.round(height / 12), channels: 3, background: '#e01010' } }).png().toBuffer();
  const accented = await analyse('sheep-red', await sheep.composite([{ input: red, left: 10, top: 10 }]).png().toBuffer());
  assert.ok(!accented.facts.palette.some((c) => /red/.test(c.name)), JSON.stringify(accented.facts.palette));
  assert.match(accented.facts.accent?.name ?? '', /red/);
  assert.match(accented.text, /a touch of [a-z ]*red/);
});

real('EXIF: a 0.4 s exposure is "0.4 s", and malformed GPS is "location data (unreadable)"', async () => {
  const camera = sharp(await bytesOf('boat-lake')).keepExif();
  const slow = await analyse('slow', await camera.clone().withExifMerge({ IFD2: { ExposureTime: '4/10' } }).jpeg().toBuffer());
  assert.is(slow.facts.camera?.exposureTime, 0.4);
  assert.match(slow.text, /\b0\.4 s\b/);
  assert.not.match(slow.text, /1\/\d+ s/);
  const broken = await analyse('gps', await camera.clone().withExifMerge({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: 'x' } }).jpeg().toBuffer());
  assert.is(broken.facts.camera?.hasLocation, false, JSON.stringify(broken.facts.camera));
  assert.ok(broken.facts.camera?.locationUnreadable, JSON.stringify(broken.facts.camera));
  assert.match(broken.text, /location data \(unreadable\)/);
});

real.run();
