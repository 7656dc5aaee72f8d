import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { DEFAULT_DECODE_LIMITS, checkDecodeLimits, type DecodeLimits, readImageStructure } from '@depict/core';

/** The vision model sees at most this many pixels on the long side; larger images only cost more. */
export const MAX_VISION_SIDE = 2048;

/**
 * Uploads up to this size are read with one blocking call. Through the thread pool, the
 * open, stat, read and close of a small file each cost the main thread more than the
 * whole synchronous read (about 0.35 ms against a few tens of µs here); a busy worker
 * reads one per job.
 */
const SMALL_FILE_BYTES = 1024 * 1024;

export interface PreparedImage {
  readonly dataUrl: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
}

/**
 * What the model is sent. An image that is already small enough and holds nothing but its
 * pixels and their colours (read from its structure: no EXIF, and so no orientation, no
 * XMP, IPTC, text, comments, or parts unknown) goes as it is: re-encoding it would cost
 * time and quality for nothing. Anything else is shrunk so the long side is at most
 * MAX_VISION_SIDE, turned upright, and re-encoded, which drops its metadata (camera
 * serials, GPS) before the image leaves the host. PNG stays PNG when it has transparency;
 * everything else goes as JPEG.
 */
export async function prepareImage(source: string | Buffer, byteSize = Infinity, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Promise<PreparedImage> {
  const bytes = typeof source !== 'string' ? source : byteSize <= SMALL_FILE_BYTES ? readFileSync(source) : await readFile(source);
  // Before anything decodes it, and even when it would go as it is, so the job ends the
  // same way whichever describer has it.
  await checkDecodeLimits(bytes, limits);
  const structure = readImageStructure(bytes);
  if (structure && !structure.metadata && Math.max(structure.width, structure.height) <= MAX_VISION_SIDE) {
    return asIs(structure.format, bytes, structure);
  }
  // Anything else is re-encoded, which keeps only the pixels. Asking libvips whether the
  // file is clean would not do: it reads no text chunk that follows a PNG's pixel data.
  const { hasAlpha } = await sharp(bytes).metadata();
  const pipeline = sharp(bytes, { failOn: 'truncated', limitInputPixels: limits.maxPixels })
    .rotate()
    .resize({ width: MAX_VISION_SIDE, height: MAX_VISION_SIDE, fit: 'inside', withoutEnlargement: true });
  const encoded = hasAlpha ? pipeline.png({ compressionLevel: 6 }) : pipeline.jpeg({ quality: 85, mozjpeg: false });
  const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
  return {
    dataUrl: dataUrl(hasAlpha ? 'image/png' : 'image/jpeg', data),
    width: info.width,
    height: info.height,
    bytes: data.length,
  };
}

const asIs = (format: 'png' | 'jpeg', bytes: Buffer, size: { width: number; height: number }): PreparedImage => ({
  dataUrl: dataUrl(`image/${format}`, bytes),
  width: size.width,
  height: size.height,
  bytes: bytes.length,
});

const dataUrl = (mediaType: string, data: Buffer) => `data:${mediaType};base64,${data.toString('base64')}`;
