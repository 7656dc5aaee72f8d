import { promisify } from 'node:util';
import { crc32, inflate } from 'node:zlib';
import { PNG_COLOUR_TYPES, PNG_SIGNATURE, type PngHeader } from '@depict/core';

/**
 * The inflate is most of the proof's CPU, and it runs on libuv's thread pool, beside the
 * event loop: a busy server's rate is bounded by its main thread, not by the machine's
 * cores (measured here, alternating in one script: 1,112 against 888 submits/s with the
 * inflate on the main thread).
 */
const inflateAsync = promisify(inflate);

/** Adam7's seven passes: first column, first row, column step, row step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

const SIGNATURE_BYTES = PNG_SIGNATURE.length;
/** Length, type and checksum around each chunk's data. */
const CHUNK_FRAME_BYTES = 12;

/** The scanlines a decoder unfilters, pass by pass: how many, and their bytes after the filter byte. */
function scanlines(header: PngHeader): Array<{ rows: number; bytes: number }> {
  const bitsPerPixel = PNG_COLOUR_TYPES.get(header.colourType)!.channels * header.bitDepth;
  const rowBytes = (columns: number) => Math.ceil((columns * bitsPerPixel) / 8);
  if (!header.interlaced) return [{ rows: header.height, bytes: rowBytes(header.width) }];
  return ADAM7.map(([x0, y0, dx, dy]) => ({
    columns: Math.ceil((header.width - x0) / dx),
    rows: Math.ceil((header.height - y0) / dy),
  }))
    .filter((pass) => pass.columns > 0 && pass.rows > 0)
    .map((pass) => ({ rows: pass.rows, bytes: rowBytes(pass.columns) }));
}

/** A chunk a decoder must understand: its name starts with a capital letter. */
const isCritical = (type: Buffer) => (type[0]! & 0x20) === 0;

/** How many bytes the image data inflates to: every scanline with its filter-type byte. */
export function inflatedSize(header: PngHeader): number {
  return scanlines(header).reduce((sum, pass) => sum + pass.rows * (1 + pass.bytes), 0);
}

/**
 * Prove a whole PNG in memory decodable at a fraction of what a libvips decode costs on
 * a small image (no pipeline, no threads):
 * - every chunk up to IEND is complete, has a name libpng accepts, and matches its CRC;
 * - the IDAT chunks are consecutive, a palette image has one PLTE before them, and
 *   there is no other critical chunk;
 * - their zlib stream inflates without error, ends, passes its Adler-32 check, and
 *   holds exactly the scanlines the header promises;
 * - every scanline starts with one of the five filter types.
 * What is left for a decoder, unfiltering, cannot fail. Bytes after IEND are ignored,
 * as decoders do. False means "not proved", not "damaged": libpng accepts some files
 * this refuses (extra image data, a bad CRC on an ancillary chunk), so the caller
 * leaves those to libvips. `header` is readPngHeader's answer for the same bytes.
 */
export async function provesDecodable(bytes: Buffer, header: PngHeader): Promise<boolean> {
  const data: Buffer[] = [];
  let dataEnded = false;
  let palette = false;
  let offset = SIGNATURE_BYTES;
  for (;;) {
    if (offset + CHUNK_FRAME_BYTES > bytes.length) return false; // cut before IEND
    const length = bytes.readUInt32BE(offset);
    const end = offset + CHUNK_FRAME_BYTES + length;
    if (length > 0x7fffffff || end > bytes.length) return false; // cut inside a chunk
    const type = bytes.subarray(offset + 4, offset + 8);
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (crc32(body, crc32(type)) !== bytes.readUInt32BE(end - 4)) return false;
    const name = type.toString('latin1');
    // Letters only, the third one a capital (the reserved bit): libpng refuses other names.
    if (!/^[A-Za-z]{2}[A-Z][A-Za-z]$/.test(name)) return false;
    if (name === 'IEND') break;
    if (name === 'IDAT') {
      if (dataEnded) return false;
      data.push(body);
    } else if (data.length > 0) {
      dataEnded = true;
    }
    if (name === 'PLTE') {
      if (palette || data.length > 0 || length === 0 || length % 3 !== 0 || length > 256 * 3) return false;
      palette = true;
    } else if (name !== 'IDAT' && isCritical(type) && offset !== SIGNATURE_BYTES) {
      return false; // a second IHDR, or a critical chunk libpng does not know
    }
    offset = end;
  }
  if (data.length === 0 || (header.colourType === 3 && !palette)) return false;

  const expected = inflatedSize(header);
  let pixels: Buffer;
  try {
    // One output buffer with a byte to spare (a full one makes zlib allocate another);
    // a stream that inflates to more than the header promises throws.
    pixels = await inflateAsync(data.length === 1 ? data[0]! : Buffer.concat(data), {
      maxOutputLength: expected,
      chunkSize: Math.max(64, expected + 1),
    });
  } catch {
    return false;
  }
  if (pixels.length !== expected) return false;
  let row = 0;
  for (const pass of scanlines(header)) {
    for (let i = 0; i < pass.rows; i++, row += 1 + pass.bytes) {
      if (pixels[row]! > 4) return false;
    }
  }
  return true;
}
