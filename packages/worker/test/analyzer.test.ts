import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sharp } from '../../../test-support/images.js';
import { tempDir } from '../../../test-support/processes.js';
import { analyzeImage, createAnalyzerDescriber, describeFacts } from '../src/analyzer/index.js';
import { orientationOf } from '../src/analyzer/facts.js';

const analyzer = suite('the offline analyzer on images with known truth');
let dir: { path: string; remove: () => Promise<void> };

analyzer.before(async () => {
  dir = await tempDir('depict-analyzer-');
});
analyzer.after(async () => {
  await dir.remove();
});

async function save(name: string, image: import('sharp').Sharp): Promise<string> {
  const file = path.join(dir.path, name);
  await writeFile(file, await image.toBuffer());
  return file;
}

const solid = (width: number, height: number, background: string) =>
  sharp({ create: { width, height, channels: 3, background } });

function split(width: number, height: number, left: string, right: string, leftShare: number) {
  const leftWidth = Math.round(width * leftShare);
  return solid(width, height, right).composite([
    { input: { create: { width: leftWidth, height, channels: 3, background: left } }, left: 0, top: 0 },
  ]);
}

const shareOf = (facts: Awaited<ReturnType<typeof analyzeImage>>, name: string) =>
  facts.palette.find((c) => c.name === name)?.share ?? 0;

for (const [name, hex] of [
  ['red', '#e02020'],
  ['navy', '#000080'],
  ['yellow', '#ffff00'],
  ['white', '#ffffff'],
  ['black', '#000000'],
  ['sky blue', '#87ceeb'],
] as const) {
  analyzer(`a solid ${name} image is named ${name}`, async () => {
    const facts = await analyzeImage(await save(`${name}.png`, solid(400, 300, hex).png()));
    assert.is(facts.palette[0]?.name, name, JSON.stringify(facts.palette));
    assert.ok(facts.palette[0]!.share > 0.97);
    assert.ok(facts.uniform);
    assert.match(describeFacts(facts), new RegExp(`solid ${name}`));
  });
}

for (const [left, right, share, format] of [
  ['#87ceeb', '#ffffff', 0.7, 'jpeg'],
  ['#e02020', '#228b22', 0.5, 'png'],
  ['#000080', '#ffd700', 0.25, 'png'],
] as const) {
  analyzer(`split ${left}/${right} at ${share}: both colours, shares within 5 points`, async () => {
    const image = split(900, 600, left, right, share);
    const file = await save(`split-${left.slice(1)}.${format}`, format === 'jpeg' ? image.jpeg({ quality: 90 }) : image.png());
    const facts = await analyzeImage(file);
    const [first, second] = facts.palette;
    assert.ok(first && second, JSON.stringify(facts.palette));
    const byHex = (hex: string) =>
      facts.palette.find((c) => {
        const want = Number.parseInt(hex.slice(1), 16);
        const got = Number.parseInt(c.hex.slice(1), 16);
        return Math.abs(((want >> 16) & 255) - ((got >> 16) & 255)) < 12 &&
          Math.abs(((want >> 8) & 255) - ((got >> 8) & 255)) < 12 &&
          Math.abs((want & 255) - (got & 255)) < 12;
      });
    assert.ok(Math.abs((byHex(left)?.share ?? 0) - share) <= 0.05, JSON.stringify(facts.palette));
    assert.ok(Math.abs((byHex(right)?.share ?? 0) - (1 - share)) <= 0.05, JSON.stringify(facts.palette));
    assert.not.ok(facts.uniform);
  });
}

analyzer('sky blue and white are named as such, with their shares in the detailed text', async () => {
  const facts = await analyzeImage(await save('sky.jpg', split(1000, 500, '#87ceeb', '#ffffff', 0.7).jpeg()));
  assert.ok(Math.abs(shareOf(facts, 'sky blue') - 0.7) <= 0.05, JSON.stringify(facts.palette));
  assert.ok(Math.abs(shareOf(facts, 'white') - 0.3) <= 0.05, JSON.stringify(facts.palette));
  assert.match(describeFacts(facts), /[Mm]ostly sky blue and white/);
  const detailed = describeFacts(facts, 'detailed');
  assert.match(detailed, /sky blue \(70%\)/);
  assert.match(detailed, /white \(30%\)/);
});

analyzer('light: black is dark, white is bright; a gray ramp is grayscale with contrast', async () => {
  assert.is((await analyzeImage(await save('k.png', solid(64, 64, '#000000').png()))).brightness, 'dark');
  assert.is((await analyzeImage(await save('w.png', solid(64, 64, '#ffffff').png()))).brightness, 'bright');
  const ramp = Buffer.alloc(256 * 64);
  for (let y = 0; y < 64; y++) for (let x = 0; x < 256; x++) ramp[y * 256 + x] = x;
  const facts = await analyzeImage(await save('ramp.png', sharp(ramp, { raw: { width: 256, height: 64, channels: 1 } }).png()));
  assert.ok(facts.grayscale);
  assert.not.ok(facts.blackAndWhite);
  assert.is(facts.contrast, 'high');
  assert.match(describeFacts(facts), /grayscale/);
  assert.not.match(describeFacts(facts), /mostly/i, 'no colour names for a grayscale image');
});

analyzer('orientation: landscape, portrait, square, wide; panorama only for a photo 2.5 times as wide', async () => {
  const shape = async (w: number, h: number) => (await analyzeImage(await save(`o${w}x${h}.png`, solid(w, h, '#808080').png()))).orientation;
  assert.is(await shape(400, 300), 'landscape');
  assert.is(await shape(300, 400), 'portrait');
  assert.is(await shape(300, 305), 'square');
  // A flat gray 3:1 image is no photograph, so it is wide, not a panorama (issue 19).
  assert.is(await shape(900, 300), 'wide');
  assert.is(orientationOf(900, 300, true), 'panorama');
  assert.is(orientationOf(800, 400, true), 'wide', 'a page crop twice as wide is not a panorama');
});

analyzer('EXIF orientation 6 is applied: a stored 400x200 JPEG is a 200x400 portrait', async () => {
  const image = split(400, 200, '#e02020', '#1f4fe0', 0.5).jpeg().withMetadata({ orientation: 6 });
  const facts = await analyzeImage(await save('rotated.jpg', image));
  assert.is(facts.exifOrientation, 6);
  assert.is(facts.width, 200);
  assert.is(facts.height, 400);
  assert.is(facts.orientation, 'tall');
  assert.match(describeFacts(facts), /200 x 400/);
});

analyzer('transparency is measured and transparent pixels are left out of the palette', async () => {
  const image = sharp({ create: { width: 200, height: 100, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 0 } } })
    .composite([{ input: { create: { width: 100, height: 100, channels: 4, background: '#e02020' } }, left: 0, top: 0 }])
    .png();
  const facts = await analyzeImage(await save('alpha.png', image));
  assert.ok(facts.hasAlpha);
  assert.ok(Math.abs(facts.transparentShare - 0.5) < 0.03, String(facts.transparentShare));
  assert.is(facts.palette[0]?.name, 'red');
  assert.match(describeFacts(facts), /50% of it is transparent/);
});

analyzer('a 12-megapixel JPEG: header size reported, pixels measured small, quickly', async () => {
  const file = await save(
    'big.jpg',
    sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 120, sigma: 50 } } }).jpeg(),
  );
  const started = performance.now();
  const facts = await analyzeImage(file);
  const ms = performance.now() - started;
  assert.is(facts.width, 4000);
  assert.is(facts.height, 3000);
  assert.is(facts.megapixels, 12);
  // Not a speed target (bench/ measures that): a full-resolution decode would take seconds.
  assert.ok(ms < 2000, `${ms} ms`);
});

analyzer('the describer names itself with the package version and returns the facts', async () => {
  const describer = createAnalyzerDescriber();
  const file = await save('scene.png', split(640, 480, '#87ceeb', '#2e8b57', 0.6).png());
  const result = await describer.describe({ source: file, mediaType: 'image/png', byteSize: 1, filename: 'scene.png' });
  assert.match(result.generatedBy, /^depict-analyzer@\d+\.\d+\.\d+$/);
  assert.ok(result.description.length > 30);
  const analysis = result.details.analysis as { width: number; palette: Array<{ name: string }> };
  assert.is(analysis.width, 640);
  for (const colour of analysis.palette) assert.ok(result.description.includes(colour.name), colour.name);
  await describer.close?.();
});

analyzer('every number in the description is a measured fact', async () => {
  const file = await save('facts.png', split(800, 600, '#87ceeb', '#228b22', 0.65).png());
  const facts = await analyzeImage(file);
  const text = describeFacts(facts);
  const allowed = new Set([
    String(facts.width),
    String(facts.height),
    facts.megapixels.toFixed(1),
    ...facts.palette.map((c) => String(Math.round(c.share * 100))),
  ]);
  for (const n of text.match(/\d+(\.\d+)?/g) ?? []) assert.ok(allowed.has(n), `${n} in "${text}"`);
});

analyzer.run();
