import { crc32 } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readImageStructure, readJpegStructure, readPngStructure } from '@depict/core';
import { scene, sharp } from '../../../test-support/images.js';

/**
 * The structure reader decides, for every job the vision model gets, whether an upload
 * may leave the host as it is. It must never call an image plain that libvips finds
 * EXIF, XMP, IPTC, comments or an orientation in.
 */
const test = suite('image structure without decoding');

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** The PNG with `chunk` placed right after IHDR (or, with `atEnd`, right before IEND). */
function withPngChunk(png: Buffer, chunk: Buffer, atEnd = false): Buffer {
  const at = atEnd ? png.length - 12 : 8 + 25;
  return Buffer.concat([png.subarray(0, at), chunk, png.subarray(at)]);
}

/** The JPEG with a segment (marker, data) placed right after SOI. */
function withJpegSegment(jpeg: Buffer, marker: number, data: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(data.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), head, data, jpeg.subarray(2)]);
}

/** What libvips says: the size, and whether it found anything that is not pixels. */
async function libvipsView(bytes: Buffer) {
  const meta = await sharp(bytes).metadata();
  const carries = Boolean(meta.exif || meta.xmp || meta.iptc || meta.comments?.length || (meta.orientation ?? 1) !== 1);
  return { width: meta.width, height: meta.height, carries };
}

let png: Buffer;
let jpeg: Buffer;
test.before(async () => {
  png = await scene(320, 240);
  jpeg = await scene(400, 300, 'jpeg');
});

test('images as sharp writes them are plain, with their size', async () => {
  assert.equal(readImageStructure(png), { format: 'png', width: 320, height: 240, metadata: false });
  assert.equal(readImageStructure(jpeg), { format: 'jpeg', width: 400, height: 300, metadata: false });
  const profiled = await sharp(jpeg).withIccProfile('srgb').jpeg().toBuffer();
  assert.equal(readJpegStructure(profiled), { format: 'jpeg', width: 400, height: 300, metadata: false }, 'an ICC profile is colour, not metadata');
  const progressive = await sharp(jpeg).jpeg({ progressive: true }).toBuffer();
  assert.is(readJpegStructure(progressive)?.metadata, false);
  const palette = await sharp(png).png({ palette: true }).toBuffer();
  assert.equal(readPngStructure(palette), { format: 'png', width: 320, height: 240, metadata: false });
});

test('EXIF, XMP, text and comments are metadata, wherever they sit', async () => {
  const cases: Array<[string, Buffer]> = [
    ['JPEG with EXIF', await sharp(jpeg).withExif({ IFD0: { Make: 'Depict' } }).jpeg().toBuffer()],
    ['JPEG turned by EXIF', await sharp(jpeg).withMetadata({ orientation: 6 }).jpeg().toBuffer()],
    ['JPEG with XMP', await sharp(jpeg).withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta>').jpeg().toBuffer()],
    ['JPEG with a comment', withJpegSegment(jpeg, 0xfe, Buffer.from('shot at home'))],
    ['JPEG with IPTC', withJpegSegment(jpeg, 0xed, Buffer.from('Photoshop 3.0\0'))],
    ['JPEG with MPF in APP2', withJpegSegment(jpeg, 0xe2, Buffer.from('MPF\0II*\0'))],
    ['PNG with EXIF', await sharp(png).withExif({ IFD0: { Make: 'Depict' } }).png().toBuffer()],
    ['PNG with XMP', await sharp(png).withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta>').png().toBuffer()],
    ['PNG with tEXt', withPngChunk(png, pngChunk('tEXt', Buffer.from('Comment\0shot at home', 'latin1')))],
    ['PNG with tEXt after IDAT', withPngChunk(png, pngChunk('tEXt', Buffer.from('Comment\0late', 'latin1')), true)],
    ['PNG with an unknown ancillary chunk', withPngChunk(png, pngChunk('prVt', Buffer.from('secret')))],
  ];
  for (const [name, bytes] of cases) {
    const structure = readImageStructure(bytes);
    assert.ok(structure === undefined || structure.metadata, name);
  }
});

test('bytes cut short, or that are no image, say nothing', () => {
  for (const bytes of [png, jpeg]) {
    for (const cut of [0, 1, 7, 20, 33, 40, bytes.length - 1]) {
      const structure = readImageStructure(bytes.subarray(0, cut));
      // A JPEG may be cut after its first scan began: its header is whole, and the decode
      // proof at submit is what refuses it.
      if (bytes === jpeg && structure) assert.ok(cut > jpeg.indexOf(Buffer.from([0xff, 0xda])), `cut at ${cut}`);
      else assert.is(structure, undefined, `cut at ${cut}`);
    }
  }
  assert.is(readImageStructure(Buffer.from('GIF89a, not an image we take')), undefined);
});

test('never plain where libvips finds metadata, and the size always agrees (random segments and chunks)', async () => {
  const jpegSegment = fc.record({
    marker: fc.constantFrom(0xe0, 0xe1, 0xe2, 0xe3, 0xed, 0xee, 0xef, 0xfe),
    id: fc.constantFrom('JFIF\0', 'Exif\0\0', 'ICC_PROFILE\0', 'Adobe', 'http://ns.adobe.com/xap/1.0/\0', 'MPF\0', 'Photoshop 3.0\0', ''),
    body: fc.uint8Array({ maxLength: 40 }),
  });
  const pngExtra = fc.record({
    type: fc.constantFrom('tEXt', 'zTXt', 'iTXt', 'eXIf', 'gAMA', 'pHYs', 'sRGB', 'tIME', 'prVt'),
    body: fc.uint8Array({ maxLength: 40 }),
    atEnd: fc.boolean(),
  });
  const sample = fc.oneof(
    fc.array(jpegSegment, { maxLength: 3 }).map((segments) =>
      segments.reduce((bytes, s) => withJpegSegment(bytes, s.marker, Buffer.concat([Buffer.from(s.id, 'latin1'), s.body])), jpeg),
    ),
    fc.array(pngExtra, { maxLength: 3 }).map((extras) =>
      extras.reduce((bytes, e) => withPngChunk(bytes, pngChunk(e.type, Buffer.from(e.body)), e.atEnd), png),
    ),
  );
  await fc.assert(
    fc.asyncProperty(sample, async (bytes) => {
      const structure = readImageStructure(bytes);
      let view: Awaited<ReturnType<typeof libvipsView>>;
      try {
        view = await libvipsView(bytes);
      } catch {
        return structure === undefined || structure.metadata; // libvips cannot read it: never plain
      }
      if (!structure) return true;
      if (structure.width !== view.width || structure.height !== view.height) return false;
      return structure.metadata || !view.carries;
    }),
    { numRuns: 300 },
  );
});

test.run();
