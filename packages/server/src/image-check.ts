import sharp from 'sharp';
import { DepictError, type ImageMediaType } from '@depict/shared';

export interface CheckedImage {
  readonly mediaType: ImageMediaType;
  readonly width: number;
  readonly height: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG_SIGNATURE = Buffer.from([0xff, 0xd8, 0xff]);

function sniff(head: Buffer): ImageMediaType | undefined {
  if (head.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) return 'image/png';
  if (head.subarray(0, JPEG_SIGNATURE.length).equals(JPEG_SIGNATURE)) return 'image/jpeg';
  return undefined;
}

function refuseOversize(width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new DepictError(
      'too_many_pixels',
      `The image is ${width} x ${height} pixels; at most ${maxPixels.toLocaleString('en-US')} pixels are accepted.`,
    );
  }
}

/**
 * Above this many pixels a JPEG is proved complete through a shrinking decode: libjpeg
 * then skips most of the inverse DCT (shrink-on-load), which more than pays for the
 * resize. Below it, and for every PNG, reading the last pixel is cheaper.
 */
const SHRINK_JPEG_PIXELS = 1_000_000;

/** A JPEG's size is in its frame header, after any EXIF: libvips finds it. */
async function jpegSize(path: string): Promise<{ width: number; height: number }> {
  try {
    const meta = await sharp(path).metadata();
    if (!meta.width || !meta.height) throw new Error('no dimensions in header');
    return { width: meta.width, height: meta.height };
  } catch (err) {
    throw new DepictError('corrupt_image', 'The file starts like a JPEG but its header cannot be read.', { cause: err });
  }
}

/** A PNG's size is in its first chunk, IHDR, which must come first. */
function pngSize(head: Buffer): { width: number; height: number } {
  const width = head.length >= 24 && head.toString('latin1', 12, 16) === 'IHDR' ? head.readUInt32BE(16) : 0;
  const height = width ? head.readUInt32BE(20) : 0;
  if (!width || !height) throw new DepictError('corrupt_image', 'The file starts like a PNG but its header cannot be read.');
  return { width, height };
}

/**
 * Decide from the bytes alone whether an upload is a PNG or JPEG the worker can read.
 * The name and Content-Type a client sent are never trusted; `head` is the file's first
 * bytes, kept while it was written. The pixel count is checked from the header before
 * any pixel is decoded, so a bomb is refused as one, then one decode proves the data is
 * complete: the last pixel can only be read once every row before it has been, and
 * libvips streams the rows, so no full-size copy is ever held. (A resize to 64 px did
 * the same at about three times the CPU on small images: libvips' resampling has a
 * large fixed cost.)
 */
export async function checkImage(path: string, head: Buffer, options: { maxPixels: number }): Promise<CheckedImage> {
  if (head.length === 0) throw new DepictError('no_file', 'The uploaded file is empty.');
  const mediaType = sniff(head);
  if (!mediaType) {
    throw new DepictError('unsupported_media_type', 'Only PNG and JPEG images are accepted; this file is neither.');
  }
  const kind = mediaType === 'image/png' ? 'PNG' : 'JPEG';
  const { width, height } = mediaType === 'image/png' ? pngSize(head) : await jpegSize(path);
  refuseOversize(width, height, options.maxPixels);

  const decoder = sharp(path, { failOn: 'truncated', limitInputPixels: options.maxPixels });
  const proof =
    mediaType === 'image/jpeg' && width * height > SHRINK_JPEG_PIXELS
      ? decoder.resize({ width: 64, height: 64, fit: 'inside' })
      : decoder.extract({ left: width - 1, top: height - 1, width: 1, height: 1 });
  try {
    await proof.raw().toBuffer();
  } catch (err) {
    throw new DepictError('corrupt_image', `The ${kind} image is damaged or incomplete and cannot be decoded.`, {
      cause: err,
    });
  }
  return { mediaType, width, height };
}
