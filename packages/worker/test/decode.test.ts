import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sharp } from '../../../test-support/images.js';
import { tempDir } from '../../../test-support/processes.js';
import { ANALYSIS_SIDE, analysisSide, decodeForAnalysis, isAnimatedPng } from '../src/analyzer/decode.js';

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(Buffer.from(type, 'latin1'))));
  return Buffer.concat([head, data, crc]);
}

/** An APNG's announcement (acTL: 1 frame, played once) put in after IHDR, which ends at byte 33. */
const withAnimation = (png: Buffer) => Buffer.concat([png.subarray(0, 33), chunk('acTL', Buffer.alloc(8, 0).fill(1, 3, 4)), png.subarray(33)]);

test('an APNG is told from a still PNG, from a file and from bytes in memory alike', async () => {
  const still = await sharp({ create: { width: 16, height: 12, channels: 3, background: '#3366aa' } }).png().toBuffer();
  // A text chunk first, so the walk has to step over a chunk to find the announcement.
  const texted = Buffer.concat([still.subarray(0, 33), chunk('tEXt', Buffer.from('Comment\0hello')), still.subarray(33)]);
  const animated = withAnimation(texted);
  const dir = await tempDir();
  try {
    for (const [name, bytes, expected] of [
      ['still.png', still, false],
      ['texted.png', texted, false],
      ['animated.png', animated, true],
      ['cut.png', animated.subarray(0, 40), false],
    ] as const) {
      const file = path.join(dir.path, name);
      await writeFile(file, bytes);
      assert.is(await isAnimatedPng(file), expected, `${name} from its file`);
      assert.is(await isAnimatedPng(bytes), expected, `${name} from memory`);
    }
    const fromBytes = await decodeForAnalysis(animated);
    const fromFile = await decodeForAnalysis(path.join(dir.path, 'animated.png'));
    assert.ok(fromBytes.header.animated);
    assert.equal(fromBytes.header, fromFile.header);
    assert.ok(Buffer.from(fromBytes.pixels).equals(Buffer.from(fromFile.pixels)), 'the same pixels either way');
  } finally {
    await dir.remove();
  }
});

test('a large JPEG is measured at the size libjpeg decodes to at 1/8, 1/4 or 1/2 scale', () => {
  // [long side, decode side]: sharp decodes at 1/f only when the resize shrinks by f + 1 or more.
  for (const [long, side] of [
    [6000, 512], // 1/8 already at 512 (11.7x)
    [4000, 444], // 1/8 (9x): 512 would be 1/4
    [3000, 512], // 1/4 (5.9x); 1/8 would leave 333
    [2000, 400], // 1/4 (5x): 512 would be 1/2
    [1200, 400], // 1/2 (3x): 512 would be a full decode
    [1000, 512], // 1/2 would leave 333: full decode, as small as it is
    [300, 512], // not enlarged: the decode keeps 300
  ] as const) {
    assert.is(analysisSide('jpeg', long), side, `JPEG ${long} px`);
    assert.is(analysisSide('png', long), ANALYSIS_SIDE, `PNG ${long} px`);
  }
});

test('decodes a 4000 x 3000 JPEG to 444 x 333, turned as displayed, and a PNG to 512 px', async () => {
  const noise = { type: 'gaussian', mean: 128, sigma: 30 } as const;
  const big = sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#808080', noise } });
  const jpeg = await big.clone().jpeg({ quality: 85 }).toBuffer();
  const turned = await sharp(jpeg).withMetadata({ orientation: 6 }).jpeg({ quality: 85 }).toBuffer();
  const png = await big.clone().png({ compressionLevel: 1 }).toBuffer();
  const decoded = await decodeForAnalysis(jpeg);
  assert.equal([decoded.width, decoded.height, decoded.channels], [444, 333, 3]);
  assert.equal([decoded.header.width, decoded.header.height], [4000, 3000]);
  const upright = await decodeForAnalysis(turned);
  assert.equal([upright.width, upright.height], [333, 444]);
  assert.equal([upright.header.width, upright.header.height, upright.header.orientation], [3000, 4000, 6]);
  const fromPng = await decodeForAnalysis(png);
  assert.equal([fromPng.width, fromPng.height], [512, 384]);
});

test.run();
