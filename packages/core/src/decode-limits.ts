import { open } from 'node:fs/promises';
import { jpegDecodeBytes, jpegNeedsWholeImage, pngDecodeBytes } from './decode-memory.js';
import { DepictError } from '@depict/contract';
import { PNG_SIGNATURE, readPngHeader, type PngHeader } from './image-header.js';
import { readJpegLayout, readJpegLayoutFromFile, type JpegLayout } from './jpeg-layout.js';

/**
 * What one decode may cost, checked from the file's structure before any decoder runs.
 * The server refuses an upload past them (422); a worker fails a job past them with the
 * same code, for a job accepted under other limits.
 */
export interface DecodeLimits {
  /** MAX_IMAGE_PIXELS. */
  readonly maxPixels: number;
  /** MAX_JPEG_SCANS. */
  readonly maxJpegScans: number;
  /** MAX_DECODE_MB, in bytes: what a decoder may hold at once (decode-memory.ts). */
  readonly maxDecodeBytes: number;
}

/** An image that is within the limits, with what its decode will hold. */
export interface DecodeBudget {
  readonly format: 'png' | 'jpeg';
  readonly width: number;
  readonly height: number;
  readonly decodeBytes: number;
}

const mb = (bytes: number) => Math.ceil(bytes / (1024 * 1024));

function refusePixels(kind: string, width: number, height: number, limits: DecodeLimits): void {
  if (width * height > limits.maxPixels) {
    throw new DepictError(
      'too_many_pixels',
      `The ${kind} is ${width} x ${height} pixels; at most ${limits.maxPixels.toLocaleString('en-US')} pixels are accepted.`,
    );
  }
}

function refuseMemory(kind: string, bytes: number, why: string, limits: DecodeLimits): void {
  if (bytes > limits.maxDecodeBytes) {
    throw new DepictError(
      'too_large_to_decode',
      `Decoding this ${kind} would take about ${mb(bytes)} MB of memory at once (${why}); at most ${mb(limits.maxDecodeBytes)} MB is allowed (MAX_DECODE_MB).`,
    );
  }
}

/** A PNG within the limits: its pixel count and decode memory. Throws a 422 DepictError past them. */
export function checkPngLimits(header: PngHeader, limits: DecodeLimits): DecodeBudget {
  refusePixels('PNG', header.width, header.height, limits);
  const decodeBytes = pngDecodeBytes(header);
  refuseMemory('PNG', decodeBytes, header.interlaced ? 'an interlaced PNG is decoded whole' : 'its rows are that wide', limits);
  return { format: 'png', width: header.width, height: header.height, decodeBytes };
}

/**
 * A JPEG within the limits: its pixel count, decode memory and number of scans. The
 * layout must have been read with `maxScans: limits.maxJpegScans` or more.
 */
export function checkJpegLimits(layout: JpegLayout, limits: DecodeLimits): DecodeBudget {
  refusePixels('JPEG', layout.width, layout.height, limits);
  const decodeBytes = jpegDecodeBytes(layout);
  const why = layout.progressive ? 'a progressive JPEG keeps every coefficient until its last scan' : jpegNeedsWholeImage(layout) ? 'its scans each carry part of the image' : 'its rows are that wide';
  refuseMemory('JPEG', decodeBytes, why, limits);
  if (layout.scans > limits.maxJpegScans) {
    const count = layout.complete ? String(layout.scans) : `more than ${limits.maxJpegScans}`;
    throw new DepictError(
      'too_many_scans',
      `The JPEG has ${count} scans; each one is a pass of the decoder over the whole image, and at most ${limits.maxJpegScans} are accepted (MAX_JPEG_SCANS).`,
    );
  }
  return { format: 'jpeg', width: layout.width, height: layout.height, decodeBytes };
}

/** A JPEG's layout, read from memory or streamed from a file, stopping one scan past the limit. */
export function jpegLayoutOf(source: string | Buffer, limits: DecodeLimits): Promise<JpegLayout | undefined> {
  const options = { maxScans: limits.maxJpegScans };
  return typeof source === 'string' ? readJpegLayoutFromFile(source, options) : Promise.resolve(readJpegLayout(source, options));
}

async function headOf(source: string | Buffer): Promise<Buffer> {
  if (typeof source !== 'string') return source;
  const file = await open(source, 'r');
  try {
    const head = Buffer.alloc(33);
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/**
 * Check a PNG or JPEG, in memory or in a file, against the limits before decoding it.
 * Throws a 422 DepictError past them, or corrupt_image when its structure cannot be
 * read (no decoder would read it either).
 */
export async function checkDecodeLimits(source: string | Buffer, limits: DecodeLimits): Promise<DecodeBudget> {
  const head = await headOf(source);
  if (head.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) {
    const header = readPngHeader(head);
    if (!header) throw new DepictError('corrupt_image', 'The file starts like a PNG but its header cannot be read.');
    return checkPngLimits(header, limits);
  }
  const layout = await jpegLayoutOf(source, limits);
  if (!layout) throw new DepictError('corrupt_image', 'The file is no PNG, or a JPEG whose frame and scans cannot be read.');
  return checkJpegLimits(layout, limits);
}
