import type { PngHeader } from './image-header.js';
import type { JpegLayout } from './jpeg-layout.js';

/**
 * How much memory decoding an image takes at once, from its header alone: the bytes of
 * decoded pixels (or coefficients) that libvips and its decoders must hold, not the
 * pixel count, which says nothing of depth, channels or interlacing.
 *
 * Measured with sharp 0.35 (libvips 8.18), as the peak RSS of one decode in a fresh
 * process, against these estimates: a 6000 x 6000 grey progressive JPEG 72 MB (69 MiB
 * estimated), 6000 x 4000 colour progressive 73 MB at 4:2:0 and 141 MB at 4:4:4 (69,
 * 137), a 4000 x 4000 interlaced PNG 113 MB at 16-bit RGBA and 46 MB at 8-bit RGB (122,
 * 61), and the streamed files below.
 */

/**
 * Rows libvips keeps decoded while it streams an image top to bottom. Measured: about
 * 510 rows when reading up to the last pixel and about 730 with a resize behind it, at
 * widths from 20,000 to 100,000 px, for PNG and baseline JPEG alike. So a streamed
 * image is cheap only while its rows are: 100,000 x 1,000 16-bit RGBA took 392 MB.
 */
export const STREAMED_ROWS = 768;

/**
 * Samples per pixel libvips decodes a PNG to. A tRNS chunk adds an alpha channel to grey,
 * RGB and palette images (a palette becomes RGB), and it is not in the header, so it is
 * counted as if there.
 */
const PNG_DECODED_BANDS: Record<number, number> = { 0: 2, 2: 4, 3: 4, 4: 2, 6: 4 };

/**
 * An interlaced (Adam7) PNG is decoded whole before its first row is complete; any
 * other streams. Samples below 8 bits are widened to a byte, 16-bit ones take two.
 */
export function pngDecodeBytes(header: PngHeader): number {
  const bands = PNG_DECODED_BANDS[header.colourType] ?? 4;
  const row = header.width * bands * (header.bitDepth === 16 ? 2 : 1);
  return row * (header.interlaced ? header.height : Math.min(header.height, STREAMED_ROWS));
}

/** Whether libjpeg must hold every coefficient of the image before it can output a row. */
export function jpegNeedsWholeImage(layout: JpegLayout): boolean {
  // As libjpeg decides (jdinput.c): progressive, or a first scan without every component.
  return layout.progressive || layout.firstScanComponents < layout.components.length;
}

/**
 * A JPEG that needs the whole image (jpegNeedsWholeImage) holds one 2-byte coefficient
 * per sample of every component, at its own sampling, in blocks padded to its sampling
 * factors (jdcoefct.c); a baseline one holds a few rows. Either way, the decoded rows
 * libvips keeps are added.
 */
export function jpegDecodeBytes(layout: JpegLayout): number {
  const { width, height, components } = layout;
  const rows = Math.min(height, STREAMED_ROWS) * width * components.length * (layout.precision > 8 ? 2 : 1);
  if (!jpegNeedsWholeImage(layout)) return rows;
  const hMax = Math.max(...components.map((c) => c.h));
  const vMax = Math.max(...components.map((c) => c.v));
  const roundUp = (n: number, step: number) => Math.ceil(n / step) * step;
  const coefficients = components.reduce((sum, { h, v }) => {
    const blocksWide = roundUp(Math.ceil((width * h) / (hMax * 8)), h);
    const blocksHigh = roundUp(Math.ceil((height * v) / (vMax * 8)), v);
    return sum + blocksWide * blocksHigh * 64 * 2;
  }, 0);
  return coefficients + rows;
}
