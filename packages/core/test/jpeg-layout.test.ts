import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { DEFAULT_DECODE_LIMITS, STREAMED_ROWS, checkDecodeLimits, jpegDecodeBytes, pngDecodeBytes, readJpegLayout, readJpegLayoutFromFile, readPngHeader } from '@depict/core';
import { MOST_GREY_SCANS, manyScanJpeg, zeroPng } from '../../../test-support/hostile-images.js';
import { sharp } from '../../../test-support/images.js';
import { tempDir } from '../../../test-support/processes.js';

/**
 * The scan count and decode memory are read from the bytes before any decoder runs, and
 * decide whether one runs at all: they must match what libjpeg will do with the file.
 */
const test = suite('JPEG layout and decode memory');

const photo = sharp({ create: { width: 320, height: 240, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 50 } } });

/** A segment (marker, data) put right after SOI. */
function withSegment(jpeg: Buffer, marker: number, data: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(data.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), head, data, jpeg.subarray(2)]);
}

test('real encoders: the scans libjpeg writes, counted through the entropy-coded data', async () => {
  // jcparam.c's jpeg_simple_progression: 10 scans for YCbCr, 6 for one component.
  const cases = [
    ['baseline', await photo.clone().jpeg().toBuffer(), 1, false],
    ['progressive 4:2:0', await photo.clone().jpeg({ progressive: true }).toBuffer(), 10, true],
    ['progressive 4:4:4', await photo.clone().jpeg({ progressive: true, chromaSubsampling: '4:4:4' }).toBuffer(), 10, true],
    ['progressive grey', await photo.clone().toColourspace('b-w').jpeg({ progressive: true }).toBuffer(), 6, true],
  ] as const;
  for (const [name, bytes, scans, progressive] of cases) {
    const layout = readJpegLayout(bytes);
    assert.ok(layout, name);
    assert.is(layout.scans, scans, name);
    assert.is(layout.progressive, progressive, name);
    assert.ok(layout.complete, name);
    assert.equal([layout.width, layout.height], [320, 240], name);
    // Noise makes the entropy-coded data full of stuffed 0xFF bytes, none of them a scan.
    assert.ok(bytes.indexOf(Buffer.from([0xff, 0x00])) > 0, `${name} has stuffed bytes`);
  }
  // mozjpeg picks its own progression: whatever it wrote, libvips reads it, and it is several scans.
  const mozjpeg = readJpegLayout(await photo.clone().jpeg({ progressive: true, mozjpeg: true }).toBuffer());
  assert.ok(mozjpeg && mozjpeg.scans > 1 && mozjpeg.scans < 20, `mozjpeg: ${mozjpeg?.scans} scans`);
});

test('a progressive JPEG with hundreds of scans is valid to libvips, and every scan is counted', async () => {
  for (const scans of [1, 2, 64, 101, 500, MOST_GREY_SCANS]) {
    const bytes = manyScanJpeg({ width: 96, height: 64, scans });
    assert.is(readJpegLayout(bytes)?.scans, scans);
    // failOn 'warning': not even a bogus progression or extraneous bytes.
    const { data, info } = await sharp(bytes, { failOn: 'warning' }).raw().toBuffer({ resolveWithObject: true });
    assert.is(info.width, 96);
    assert.ok(data.every((v) => v === 128), 'mid-grey throughout');
  }
  const limited = readJpegLayout(manyScanJpeg({ width: 96, height: 64, scans: MOST_GREY_SCANS }), { maxScans: 100 });
  assert.equal([limited?.scans, limited?.complete], [101, false], 'the walk stops one scan past the limit');
});

test('what is not a scan: SOS bytes inside a segment, restart markers, anything after EOI', async () => {
  const baseline = await photo.clone().jpeg().toBuffer();
  const fakeScan = Buffer.from([0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0xff, 0xd0]);
  const inComment = withSegment(baseline, 0xfe, Buffer.concat([fakeScan, fakeScan]));
  assert.is(readJpegLayout(inComment)?.scans, 1);
  // A polyglot: a second image after EOI, as a decoder never reads it.
  assert.is(readJpegLayout(Buffer.concat([baseline, baseline]))?.scans, 1);
  // Restart markers in the data, and fill bytes before the next marker (as libjpeg allows).
  const sos = baseline.indexOf(Buffer.from([0xff, 0xda]));
  const dataStart = sos + 2 + baseline.readUInt16BE(sos + 2);
  // Between two bytes of the data, not inside a stuffed 0xFF 0x00 (the photo is noise, so its bytes differ each run).
  let cut = dataStart + 10;
  while (baseline[cut - 1] === 0xff || baseline[cut] === 0xff) cut++;
  const withRestarts = Buffer.concat([baseline.subarray(0, cut), Buffer.from([0xff, 0xd3, 0xff, 0xff]), baseline.subarray(cut)]);
  assert.is(readJpegLayout(withRestarts)?.scans, 1);
  // No JPEG, no frame, or a frame libjpeg refuses: nothing to say.
  assert.is(readJpegLayout(Buffer.from('not a jpeg at all')), undefined);
  assert.is(readJpegLayout(baseline.subarray(0, 20)), undefined);
  const sof = baseline.indexOf(Buffer.from([0xff, 0xc0]));
  const zeroWidth = Buffer.from(baseline);
  zeroWidth.writeUInt16BE(0, sof + 7);
  assert.is(readJpegLayout(zeroWidth), undefined);
});

test('from a file, chunk by chunk, the same as from memory; the read stops at the limit', async () => {
  const dir = await tempDir();
  try {
    const big = manyScanJpeg({ width: 4000, height: 3000, scans: MOST_GREY_SCANS });
    const files = {
      photo: await photo.clone().jpeg({ progressive: true }).toBuffer(),
      big,
      // A file larger than a read, so a marker and its length fall across chunks somewhere.
      padded: withSegment(big, 0xe1, Buffer.alloc(65_000, 0xff)),
    };
    for (const [name, bytes] of Object.entries(files)) {
      const file = path.join(dir.path, `${name}.jpg`);
      await writeFile(file, bytes);
      assert.equal(await readJpegLayoutFromFile(file), readJpegLayout(bytes), name);
      assert.equal(await readJpegLayoutFromFile(file, { maxScans: 100 }), readJpegLayout(bytes, { maxScans: 100 }), `${name}, limited`);
    }
  } finally {
    await dir.remove();
  }
});

test('any cut of a many-scan JPEG: never a throw, never more scans than were written', () => {
  const bytes = manyScanJpeg({ width: 40, height: 24, scans: 300 });
  fc.assert(
    fc.property(fc.integer({ min: 0, max: bytes.length }), (end) => {
      const layout = readJpegLayout(bytes.subarray(0, end));
      if (layout) assert.ok(layout.scans <= 300 && (end === bytes.length || !layout.complete));
    }),
  );
});

test('decode memory: what libvips holds at once, from the header', async () => {
  const MiB = 1024 * 1024;
  // A progressive JPEG keeps one 2-byte coefficient per sample, per component's sampling.
  const grey = readJpegLayout(manyScanJpeg({ width: 10000, height: 10000, scans: 10 }))!;
  assert.is(jpegDecodeBytes(grey), 1250 * 1250 * 128 + STREAMED_ROWS * 10000);
  const progressive420 = readJpegLayout(await photo.clone().jpeg({ progressive: true }).toBuffer())!;
  const blocks420 = 40 * 30 + 2 * (20 * 15);
  assert.is(jpegDecodeBytes(progressive420), blocks420 * 128 + 240 * 320 * 3);
  // A baseline one streams: only rows.
  assert.is(jpegDecodeBytes(readJpegLayout(await photo.clone().jpeg().toBuffer())!), 240 * 320 * 3);

  const header = async (spec: Parameters<typeof zeroPng>[0]) => readPngHeader(await zeroPng(spec))!;
  // An interlaced PNG is held whole, a tRNS alpha counted as if there: 10000^2 16-bit RGBA is 800 MB.
  assert.is(pngDecodeBytes(await header({ width: 10000, height: 10000, bitDepth: 16, colourType: 6, interlaced: true })), 800_000_000);
  assert.is(pngDecodeBytes(await header({ width: 10000, height: 10000, bitDepth: 16, colourType: 6, interlaced: false })), 8 * 10000 * STREAMED_ROWS);
  assert.is(pngDecodeBytes(await header({ width: 300, height: 200, bitDepth: 8, colourType: 2, interlaced: true })), 300 * 200 * 4);

  // And the defaults: a 100-megapixel baseline photo and the 883-scan flood's memory pass;
  // the flood's PNG does not.
  const limits = DEFAULT_DECODE_LIMITS;
  assert.ok(jpegDecodeBytes({ ...progressive420, progressive: false, width: 12000, height: 8333 }) < limits.maxDecodeBytes);
  assert.ok(jpegDecodeBytes(grey) < limits.maxDecodeBytes);
  assert.ok(800_000_000 > limits.maxDecodeBytes);
  assert.ok(limits.maxDecodeBytes <= 256 * MiB);
});

test('checkDecodeLimits: the first limit passed names the refusal, from memory and from a file', async () => {
  const limits = { maxPixels: 50_000_000, maxJpegScans: 100, maxDecodeBytes: 64 * 1024 * 1024 };
  const codeOf = (source: string | Buffer) => checkDecodeLimits(source, limits).then(() => 'ok', (err: { code: string }) => err.code);
  const dir = await tempDir();
  try {
    const cases: Array<[string, Buffer, string]> = [
      ['883 scans', manyScanJpeg({ width: 200, height: 100, scans: MOST_GREY_SCANS }), 'too_many_scans'],
      ['100 scans', manyScanJpeg({ width: 200, height: 100, scans: 100 }), 'ok'],
      ['a progressive 8000 x 6000', manyScanJpeg({ width: 8000, height: 6000, scans: 2 }), 'too_large_to_decode'],
      ['more pixels than allowed', manyScanJpeg({ width: 10000, height: 6000, scans: 2 }), 'too_many_pixels'],
      ['an interlaced 16-bit RGBA 3000 x 3000', await zeroPng({ width: 3000, height: 3000, bitDepth: 16, colourType: 6, interlaced: true }), 'too_large_to_decode'],
      ['the same, not interlaced', await zeroPng({ width: 3000, height: 3000, bitDepth: 16, colourType: 6, interlaced: false }), 'ok'],
      ['no image', Buffer.from('GIF89a'), 'corrupt_image'],
    ];
    for (const [name, bytes, code] of cases) {
      const file = path.join(dir.path, name);
      await writeFile(file, bytes);
      assert.is(await codeOf(bytes), code, name);
      assert.is(await codeOf(file), code, `${name}, from a file`);
    }
  } finally {
    await dir.remove();
  }
});

test.run();
