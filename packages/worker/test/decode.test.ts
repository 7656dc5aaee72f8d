import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sharp } from '../../../test-support/images.js';
import { tempDir } from '../../../test-support/processes.js';
import { decodeForAnalysis, isAnimatedPng } from '../src/analyzer/decode.js';

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

test.run();
