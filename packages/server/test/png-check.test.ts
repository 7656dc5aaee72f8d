import { crc32, deflateSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Sharp } from 'sharp';
import { checkImage } from '../src/image-check.js';
import { PNG_SIGNATURE, parseConfig, readPngHeader } from '@depict/core';
import { inflatedSize, provesDecodable } from '../src/png-check.js';
import { ProofGate } from '../src/proof-gate.js';
import { scene, sharp } from '../../../test-support/images.js';

/**
 * The fast PNG proof against its oracle, a full libvips decode (what the worker does):
 * every valid kind of PNG is proved, and nothing is proved that libvips cannot decode.
 */
const check = suite('PNG proof');

async function libvipsDecodes(bytes: Buffer): Promise<boolean> {
  try {
    await sharp(bytes, { failOn: 'truncated' }).raw().toBuffer();
    return true;
  } catch {
    return false;
  }
}

async function proved(bytes: Buffer): Promise<boolean> {
  const header = readPngHeader(bytes);
  return header !== undefined && (await provesDecodable(bytes, header));
}

function chunk(type: string, data: Buffer): Buffer {
  const name = Buffer.from(type, 'latin1');
  const frame = Buffer.alloc(8);
  frame.writeUInt32BE(data.length, 0);
  frame.writeUInt32BE(crc32(data, crc32(name)), 4);
  return Buffer.concat([frame.subarray(0, 4), name, data, frame.subarray(4)]);
}

/** An 8-bit grey PNG built by hand, with `rows` as its raw (filtered) scanlines. */
function greyPng(width: number, height: number, rows: Buffer, extra: Buffer[] = [], colourType = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = colourType;
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), ...extra, chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

const scanlines = (width: number, height: number, filter = 0) =>
  Buffer.concat(Array.from({ length: height }, (_, y) => Buffer.concat([Buffer.from([filter]), Buffer.alloc(width, y * 7)])));

/** Every colour type and bit depth sharp writes, plain and interlaced, at sizes that leave Adam7 passes empty. */
async function validPngs(): Promise<Array<[string, Buffer]>> {
  const base = await scene(37, 23);
  const kinds: Array<[string, (s: Sharp) => Sharp]> = [
    ['RGB 8', (s) => s],
    ['RGBA 8', (s) => s.ensureAlpha(0.5)],
    ['RGB 16', (s) => s.toColourspace('rgb16')],
    ['RGBA 16', (s) => s.toColourspace('rgb16').ensureAlpha(0.5)],
    ['grey 8', (s) => s.toColourspace('b-w')],
    ['grey 16', (s) => s.toColourspace('grey16')],
    ['grey+alpha 8', (s) => s.toColourspace('b-w').ensureAlpha(0.5)],
  ];
  const out: Array<[string, Buffer]> = [];
  for (const [width, height] of [[37, 23], [1, 1], [1, 9], [9, 1], [3, 5], [7, 7]] as const) {
    for (const progressive of [false, true]) {
      const resized = () => sharp(base).resize(width, height, { fit: 'fill' });
      const label = (kind: string) => `${kind} ${width}x${height}${progressive ? ' interlaced' : ''}`;
      for (const [kind, convert] of kinds) {
        out.push([label(kind), await convert(resized()).png({ progressive }).toBuffer()]);
      }
      // sharp writes the fewest bits per index that hold the colours.
      for (const bitDepth of [1, 2, 4, 8]) {
        const bytes = await resized().png({ palette: true, colours: 2 ** bitDepth, progressive }).toBuffer();
        if (readPngHeader(bytes)?.bitDepth === bitDepth) out.push([label(`palette ${bitDepth}-bit`), bytes]);
      }
    }
  }
  return out;
}

check('every kind of valid PNG is proved, with the scanline bytes its header promises', async () => {
  const pngs = await validPngs();
  // Each palette depth at least once (a tiny image may need fewer colours than asked for).
  for (const depth of [1, 2, 4, 8]) assert.ok(pngs.some(([name]) => name.startsWith(`palette ${depth}-bit`)), `a ${depth}-bit palette image`);
  for (const [name, bytes] of pngs) {
    assert.ok(await libvipsDecodes(bytes), `libvips decodes ${name}`);
    assert.ok(await proved(bytes), `proved: ${name} (${inflatedSize(readPngHeader(bytes)!)} bytes of scanlines)`);
  }
});

check('a PNG cut at any byte is not proved', async () => {
  const bytes = await scene(40, 30);
  for (let length = 0; length < bytes.length; length++) {
    assert.not.ok(await proved(bytes.subarray(0, length)), `cut to ${length} of ${bytes.length} bytes`);
  }
});

check('damage with its checksums made right again is never proved where libvips fails', async () => {
  const plain = await scene(24, 16);
  const bases = [plain, await sharp(plain).png({ palette: true, colours: 16, progressive: true }).toBuffer()];
  // Rewrite each chunk's CRC after the damage, so the zlib and scanline checks are what stand.
  const rechecksum = (damaged: Buffer) => {
    for (let offset = 8; offset + 12 <= damaged.length; ) {
      const length = damaged.readUInt32BE(offset);
      if (offset + 12 + length > damaged.length) break;
      damaged.writeUInt32BE(crc32(damaged.subarray(offset + 8, offset + 8 + length), crc32(damaged.subarray(offset + 4, offset + 8))), offset + 8 + length);
      offset += 12 + length;
    }
    return damaged;
  };
  let provedDamaged = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...bases),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
      async (bytes, flips) => {
        const damaged = Buffer.from(bytes);
        for (const [at, xor] of flips) damaged[at % bytes.length]! ^= xor;
        const candidate = rechecksum(damaged);
        if (!(await proved(candidate))) return;
        provedDamaged++;
        assert.ok(await libvipsDecodes(candidate), `proved, but libvips cannot decode: flips ${JSON.stringify(flips)}`);
      },
    ),
    { numRuns: 2000 },
  );
  // Damage inside an ancillary chunk (pHYs) leaves a decodable image; most other damage does not.
  assert.ok(provedDamaged < 1000, `most damage is caught (${provedDamaged} of 2000 proved)`);
});

check('what the proof refuses, libvips judges: its verdict stands either way', async () => {
  const { decodeLimits: limits, proofs } = parseConfig({});
  const gate = new ProofGate({ ...proofs, budgetBytes: limits.maxDecodeBytes });
  const cases: Array<[string, Buffer, boolean]> = [
    ['a bad filter type', greyPng(4, 4, scanlines(4, 4, 7)), false],
    ['too few scanlines', greyPng(4, 4, scanlines(4, 3)), false],
    ['a palette image without PLTE', greyPng(4, 4, scanlines(4, 4), [], 3), false],
    ['more scanlines than the header says (libpng reads what it needs)', greyPng(4, 4, scanlines(4, 5)), true],
  ];
  for (const [name, bytes, decodable] of cases) {
    assert.not.ok(await proved(bytes), `not proved: ${name}`);
    assert.is(await libvipsDecodes(bytes), decodable, `libvips on ${name}`);
    const verdict = await checkImage({ head: bytes.subarray(0, 64), bytes }, { limits, gate }).then(
      () => 'accepted',
      (err: { code?: string }) => err.code,
    );
    assert.is(verdict, decodable ? 'accepted' : 'corrupt_image', name);
  }
});

check.run();
