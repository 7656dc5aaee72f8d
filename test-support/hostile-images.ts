/**
 * Valid images that are cheap to send and dear to decode, made byte by byte: a
 * progressive JPEG with hundreds of scans, and PNGs of zeros that claim many pixels.
 * The tests and bench/floods.ts send them; both check that libvips reads them as valid,
 * so a refusal proves a limit rather than a corrupt-file path.
 */
import { once } from 'node:events';
import { createDeflate, crc32, deflateSync } from 'node:zlib';

/** Bits written most significant first, with a 0x00 after every 0xFF byte (JPEG's byte stuffing). */
class EntropyWriter {
  private readonly bytes: number[] = [];
  private acc = 0;
  private used = 0;

  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >>> i) & 1);
      if (++this.used === 8) this.flushByte();
    }
  }

  /** Pad the last byte with 1 bits, as the standard asks. */
  finish(): Buffer {
    if (this.used > 0) this.write(0xff, 8 - this.used);
    return Buffer.from(this.bytes);
  }

  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0x00);
    this.acc = 0;
    this.used = 0;
  }
}

const segment = (marker: number, data: Buffer | number[]): Buffer => {
  const body = Buffer.from(data);
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
};

/** A DHT segment's body: table class and id, then every symbol with a code of `length` bits. */
function huffmanTable(classAndId: number, length: number, symbols: number[]): number[] {
  const counts = Array<number>(16).fill(0);
  counts[length - 1] = symbols.length;
  return [classAndId, ...counts, ...symbols];
}

/**
 * AC table 0: the fifteen end-of-band-run symbols (0x00, 0x10, ... 0xE0: runs of 2^r to
 * 2^(r+1) - 1 blocks), each with a 4-bit code, r's code being r. Nothing else is needed
 * when every AC coefficient is zero.
 */
const AC_TABLE = huffmanTable(0x10, 4, Array.from({ length: 15 }, (_, r) => r << 4));
/** DC table 0: the one symbol "difference 0", with the 1-bit code 0. */
const DC_TABLE = huffmanTable(0x00, 1, [0]);

/** An AC scan's data: `blocks` all-zero blocks, as runs of at most 32767. */
function endOfBandRuns(blocks: number): Buffer {
  const out = new EntropyWriter();
  for (let left = blocks; left > 0; ) {
    const run = Math.min(left, 0x7fff);
    const r = 31 - Math.clz32(run);
    out.write(r, 4);
    out.write(run - (1 << r), r);
    left -= run;
  }
  return out.finish();
}

/**
 * The most scans a valid progressive JPEG of one component can have: one DC scan, then
 * for each of the 63 AC coefficients alone, a first scan at Al = 13 (the most libjpeg
 * allows) and 13 refinement scans down to Al = 0. Refining further, or again, is what
 * libjpeg warns about as a bogus progression.
 */
export const MOST_GREY_SCANS = 1 + 63 * 14;

/**
 * A mid-grey progressive JPEG of one component with `scans` scans (at most
 * MOST_GREY_SCANS). Every block's coefficients are zero, so each AC scan is a few end-of-band
 * runs however large the image; the DC scan costs one bit a block. 10000 x 10000 with
 * 883 scans is about 200 KB and takes libjpeg many seconds: every scan visits every block.
 */
export function manyScanJpeg({ width, height, scans }: { width: number; height: number; scans: number }): Buffer {
  if (!Number.isInteger(scans) || scans < 1 || scans > MOST_GREY_SCANS) throw new RangeError(`scans must be 1 to ${MOST_GREY_SCANS}`);
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const frame = Buffer.alloc(9);
  frame.writeUInt8(8, 0);
  frame.writeUInt16BE(height, 1);
  frame.writeUInt16BE(width, 3);
  frame.set([1, 1, 0x11, 0], 5);
  const parts = [Buffer.from([0xff, 0xd8]), segment(0xdb, [0, ...Array<number>(64).fill(1)]), segment(0xc2, frame), segment(0xc4, DC_TABLE), segment(0xc4, AC_TABLE)];

  const dc = new EntropyWriter();
  for (let i = 0; i < blocks; i++) dc.write(0, 1);
  parts.push(segment(0xda, [1, 1, 0x00, 0, 0, 0x00]), dc.finish());

  const acData = endOfBandRuns(blocks);
  let written = 1;
  // Coefficient by coefficient, every bit plane of one before the next: any prefix is a valid progression.
  for (let k = 1; k <= 63 && written < scans; k++) {
    for (let al = 13; al >= 0 && written < scans; al--, written++) {
      const ah = al === 13 ? 0 : al + 1;
      parts.push(segment(0xda, [1, 1, 0x00, k, k, (ah << 4) | al]), acData);
    }
  }
  parts.push(Buffer.from([0xff, 0xd9]));
  return Buffer.concat(parts);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))));
  return Buffer.concat([head, data, crc]);
}

/** Channels per PNG colour type. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Adam7's passes: first column, first row, column step, row step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

export interface ZeroPng {
  readonly width: number;
  readonly height: number;
  /** 8 or 16 (1, 2, 4 for grey). */
  readonly bitDepth: number;
  /** 0 grey, 2 RGB, 4 grey + alpha, 6 RGBA. */
  readonly colourType: 0 | 2 | 4 | 6;
  readonly interlaced: boolean;
}

/** The bytes a PNG's image data inflates to: every scanline of every pass, with its filter byte. */
export function pngScanlineBytes({ width, height, bitDepth, colourType, interlaced }: ZeroPng): number {
  const rowBytes = (columns: number) => 1 + Math.ceil((columns * CHANNELS[colourType]! * bitDepth) / 8);
  if (!interlaced) return height * rowBytes(width);
  return ADAM7.reduce((sum, [x0, y0, dx, dy]) => {
    const columns = Math.ceil((width - x0) / dx);
    const rows = Math.ceil((height - y0) / dy);
    return columns > 0 && rows > 0 ? sum + rows * rowBytes(columns) : sum;
  }, 0);
}

/**
 * A valid all-black (and transparent) PNG: its scanlines are zeros, filter type 0
 * included, so they deflate about 1000 to 1. 10000 x 10000 16-bit RGBA is about 780 KB
 * and inflates to 800 MB; deflating it takes about a second.
 */
export async function zeroPng(spec: ZeroPng): Promise<Buffer> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(spec.width, 0);
  ihdr.writeUInt32BE(spec.height, 4);
  ihdr.set([spec.bitDepth, spec.colourType, 0, 0, spec.interlaced ? 1 : 0], 8);

  const deflate = createDeflate({ level: 9, memLevel: 9 });
  const compressed: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => compressed.push(chunk));
  const zeros = Buffer.alloc(1 << 20);
  for (let left = pngScanlineBytes(spec); left > 0; left -= zeros.length) {
    if (!deflate.write(zeros.subarray(0, Math.min(left, zeros.length)))) await once(deflate, 'drain');
  }
  deflate.end();
  await once(deflate, 'end');

  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.concat(compressed)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A few hundred bytes that claim width x height pixels. */
export function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1024))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A JPEG whose EXIF segment is garbage after a valid header. */
export function brokenExif(jpegBytes: Buffer): Buffer {
  const garbage = Buffer.concat([Buffer.from('Exif\0\0II*\0'), Buffer.from([0xff, 0xff, 0xff, 0x7f]), Buffer.alloc(40, 0xab)]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(garbage.length + 2);
  return Buffer.concat([jpegBytes.subarray(0, 2), Buffer.from([0xff, 0xe1]), length, garbage, jpegBytes.subarray(2)]);
}

/** The bytes without their last n bytes, or without their last fraction n (n < 1). */
export function cutEnd(bytes: Buffer, n: number): Buffer {
  return bytes.subarray(0, bytes.length - (n < 1 ? Math.floor(bytes.length * n) : n));
}

/** One byte in the middle flipped: a PNG's chunk checksum no longer matches. */
export function damaged(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  const middle = copy.length >> 1;
  copy[middle] = copy[middle]! ^ 0x55;
  return copy;
}
