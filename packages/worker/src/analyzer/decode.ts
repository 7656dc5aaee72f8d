import { open } from 'node:fs/promises';
import sharp from 'sharp';
import { DEFAULT_DECODE_LIMITS, checkDecodeLimits, type DecodeLimits } from '@depict/core';

/** What the file's header says, before any pixel is decoded. */
export interface HeaderFacts {
  readonly format: 'png' | 'jpeg';
  /** As displayed, after EXIF orientation. */
  readonly width: number;
  readonly height: number;
  /** EXIF orientation tag, 1..8 (1 when absent). */
  readonly orientation: number;
  readonly hasAlpha: boolean;
  /** Bits per sample: 8 or 16 (PNG), 8 (JPEG). */
  readonly bitDepth: number;
  readonly colourSpace: string;
  readonly progressive: boolean;
  readonly animated: boolean;
}

/** The image shrunk for measuring: 8-bit sRGB, RGBA when the file has alpha. */
export interface DecodedImage {
  readonly header: HeaderFacts;
  /**
   * A plain Uint8Array over the decoded bytes: V8 indexes it about twice as fast as
   * the Buffer it came in, and the measurements index every pixel.
   */
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
}

/** Measurements need no more than this on the long side... */
export const ANALYSIS_SIDE = 512;
/** ...and no less than this, when a smaller decode of a large JPEG saves work. */
export const MIN_ANALYSIS_SIDE = 384;

const BIT_DEPTH: Record<string, number> = { uchar: 8, char: 8, ushort: 16, short: 16, uint: 32, float: 32 };

/**
 * The long side to shrink an image to for measuring. libjpeg can decode at 1/2, 1/4 or
 * 1/8 scale, skipping most of the inverse DCT, and sharp asks it for factor f only when
 * the resize shrinks by f + 1 or more (at exactly f it steps down a factor, against
 * libjpeg's rounding). So a 4000 px photo asked for 512 px is decoded at 1/4 (1000 px)
 * and resized; asked for 444 px, it is decoded at 1/8 (500 px), for about a fifth less
 * CPU. The largest factor that still leaves MIN_ANALYSIS_SIDE wins.
 */
export function analysisSide(format: HeaderFacts['format'], longSide: number): number {
  if (format === 'jpeg') {
    for (const factor of [8, 4, 2]) {
      const side = Math.floor(longSide / (factor + 1));
      if (side >= MIN_ANALYSIS_SIDE) return Math.min(side, ANALYSIS_SIDE);
    }
  }
  return ANALYSIS_SIDE;
}

/**
 * One decode feeds every measurement. libvips shrinks JPEGs while decoding
 * (shrink-on-load), so a 12-megapixel photo never exists at full size in memory. The
 * header comes first, from the file's first bytes, since it picks the size to decode to.
 * Before either, the file's structure is checked against the limits the server checks
 * uploads against, so a job accepted under other limits fails with the server's code
 * (a 422 DepictError) rather than taking gigabytes or minutes: shrinking saves a
 * progressive JPEG neither its coefficients nor its scans, an interlaced PNG nothing.
 */
export async function decodeForAnalysis(source: string | Buffer, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Promise<DecodedImage> {
  await checkDecodeLimits(source, limits);
  const meta = await sharp(source).metadata();
  if (meta.format !== 'png' && meta.format !== 'jpeg') throw new Error(`not a PNG or JPEG (${meta.format ?? 'unknown'})`);
  if (!meta.width || !meta.height) throw new Error('the header has no dimensions');
  const side = analysisSide(meta.format, Math.max(meta.width, meta.height));
  const decoding = sharp(source, { failOn: 'truncated', limitInputPixels: limits.maxPixels })
    .rotate()
    .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  // Settled at once, so a failed APNG check cannot leave the decode's failure unhandled.
  decoding.catch(() => undefined);
  const header: HeaderFacts = {
    format: meta.format,
    width: meta.autoOrient.width,
    height: meta.autoOrient.height,
    orientation: meta.orientation ?? 1,
    hasAlpha: meta.hasAlpha ?? false,
    bitDepth: meta.bitsPerSample ?? BIT_DEPTH[meta.depth ?? 'uchar'] ?? 8,
    colourSpace: meta.space ?? 'srgb',
    progressive: meta.isProgressive ?? false,
    animated: meta.format === 'png' && (await isAnimatedPng(source)),
  };
  const { data, info } = await decoding;
  if (info.channels !== 3 && info.channels !== 4) throw new Error(`decoded to ${info.channels} bands, not RGB or RGBA`);
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
  return { header, pixels, width: info.width, height: info.height, channels: info.channels };
}

/**
 * An APNG announces its animation with an acTL chunk before the first IDAT. libvips
 * reads only the first frame, so the chunk list is the one place to learn it.
 */
export async function isAnimatedPng(source: string | Buffer): Promise<boolean> {
  if (typeof source !== 'string') {
    return announcesAnimation((header, offset) => (offset < source.length ? source.copy(header, 0, offset, offset + header.length) : 0));
  }
  const file = await open(source, 'r');
  try {
    return await announcesAnimation(async (header, offset) => (await file.read(header, 0, header.length, offset)).bytesRead);
  } finally {
    await file.close();
  }
}

/** Walk the chunk headers up to the first IDAT; `read` fills `header` from `offset` and says how many bytes it read. */
async function announcesAnimation(read: (header: Buffer, offset: number) => number | Promise<number>): Promise<boolean> {
  const header = Buffer.alloc(8);
  let offset = 8; // after the PNG signature
  for (let i = 0; i < 64; i++) {
    if ((await read(header, offset)) < 8) return false;
    const type = header.toString('latin1', 4, 8);
    if (type === 'acTL') return true;
    if (type === 'IDAT' || type === 'IEND') return false;
    offset += 12 + header.readUInt32BE(0);
  }
  return false;
}
