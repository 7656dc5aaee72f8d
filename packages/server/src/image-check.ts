import sharp from 'sharp';
import { DepictError, type ImageMediaType } from '@depict/contract';
import { PNG_SIGNATURE, checkJpegLimits, checkPngLimits, jpegLayoutOf, readPngHeader, type DecodeLimits } from '@depict/core';
import { inflatedSize, provesDecodable } from './png-check.js';
import type { ProofGate } from './proof-gate.js';
import type { FileBody } from './upload-storage.js';

export interface CheckedImage {
  readonly mediaType: ImageMediaType;
  readonly width: number;
  readonly height: number;
}

const JPEG_SIGNATURE = Buffer.from([0xff, 0xd8, 0xff]);

function sniff(head: Buffer): ImageMediaType | undefined {
  if (head.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) return 'image/png';
  if (head.subarray(0, JPEG_SIGNATURE.length).equals(JPEG_SIGNATURE)) return 'image/jpeg';
  return undefined;
}

/**
 * Above this many pixels a JPEG is proved complete through a shrinking decode: libjpeg
 * then skips most of the inverse DCT (shrink-on-load), which more than pays for the
 * resize. Below it, reading the last pixel is cheaper.
 */
const SHRINK_JPEG_PIXELS = 1_000_000;

/**
 * A PNG whose pixel data inflates to at most this many bytes, and that is in memory, is
 * proved decodable in JavaScript (png-check.ts): a libvips decode has a fixed cost of
 * about 1 ms of CPU that dwarfs the work on a small image. Larger ones go to libvips,
 * whose row-by-row decode gains on zlib's one big output buffer: measured here, the two
 * cost about the same at 1024 x 768 RGB (2.4 MB of scanlines).
 */
const JS_PNG_PROOF_MAX_BYTES = 1024 * 1024;

/** An upload as it arrived: its first bytes, and the whole of it in memory or on disk. */
export type UploadedFile = { readonly head: Buffer } & FileBody;

/** What libvips reads the upload from. */
const sourceOf = (file: UploadedFile): string | Buffer => (file.bytes !== undefined ? file.bytes : file.path);

/**
 * Decide from the bytes alone whether an upload is a PNG or JPEG the worker can read.
 * The name and Content-Type a client sent are never trusted. What decoding it would
 * cost is checked from its structure before any pixel is decoded, so a bomb is refused
 * as one: its pixel count, the memory its decode holds at once, and a JPEG's scans,
 * counted by walking all of its markers (decode-limits.ts). Then the data is proved
 * complete and decodable:
 * - a small PNG in memory by png-check.ts (checksums, inflate, scanlines);
 * - anything else, and any PNG that check cannot prove, by one libvips decode, which
 *   alone decides what is damaged, in its turn at the proof gate.
 */
export async function checkImage(file: UploadedFile, options: { limits: DecodeLimits; gate: ProofGate }): Promise<CheckedImage> {
  const { limits, gate } = options;
  if (file.head.length === 0) throw new DepictError('no_file', 'The uploaded file is empty.');
  const mediaType = sniff(file.head);
  if (!mediaType) {
    throw new DepictError('unsupported_media_type', 'Only PNG and JPEG images are accepted; this file is neither.');
  }
  if (mediaType === 'image/png') {
    const header = readPngHeader(file.head);
    if (!header) throw new DepictError('corrupt_image', 'The file starts like a PNG but its header cannot be read.');
    const { decodeBytes } = checkPngLimits(header, limits);
    const proved = file.bytes !== undefined && inflatedSize(header) <= JS_PNG_PROOF_MAX_BYTES && (await provesDecodable(file.bytes, header));
    if (!proved) await gate.run(decodeBytes, () => proveByDecoding(sourceOf(file), 'PNG', header, limits.maxPixels));
    return { mediaType, width: header.width, height: header.height };
  }
  const layout = await jpegLayoutOf(sourceOf(file), limits);
  if (!layout) throw new DepictError('corrupt_image', 'The file starts like a JPEG but its frame and scans cannot be read.');
  const { width, height, decodeBytes } = checkJpegLimits(layout, limits);
  await gate.run(decodeBytes, () => proveByDecoding(sourceOf(file), 'JPEG', { width, height }, limits.maxPixels));
  return { mediaType, width, height };
}

/**
 * The last pixel can only be read once every row before it has been. libvips streams the
 * rows of most images; an interlaced PNG or a progressive JPEG it holds whole, at the
 * cost checkImage bounded before calling this. (A resize to 64 px did the same at about
 * three times the CPU on small images: libvips' resampling has a large fixed cost.)
 * No sharp timeout(): it is checked between output tiles, and this output is one.
 */
async function proveByDecoding(
  source: string | Buffer,
  kind: 'PNG' | 'JPEG',
  { width, height }: { width: number; height: number },
  maxPixels: number,
): Promise<void> {
  const decoder = sharp(source, { failOn: 'truncated', limitInputPixels: maxPixels });
  const proof =
    kind === 'JPEG' && width * height > SHRINK_JPEG_PIXELS
      ? decoder.resize({ width: 64, height: 64, fit: 'inside' })
      : decoder.extract({ left: width - 1, top: height - 1, width: 1, height: 1 });
  try {
    await proof.raw().toBuffer();
  } catch (err) {
    throw new DepictError('corrupt_image', `The ${kind} image is damaged or incomplete and cannot be decoded.`, { cause: err });
  }
}
