/**
 * What a PNG's or JPEG's structure says without decoding anything: its size, and whether
 * it carries metadata besides its pixels. Reading this in JavaScript costs microseconds;
 * asking libvips costs a trip to its thread pool (about 0.2 ms of the main thread's
 * time per image here), which a busy worker pays on every job.
 */

/** The eight bytes every PNG starts with. */
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** What a PNG's IHDR chunk says about the pixels that follow. */
export interface PngHeader {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  readonly colourType: number;
  readonly interlaced: boolean;
}

/** Channels per pixel for each colour type, and the bit depths it allows (PNG spec, table 11.1). */
export const PNG_COLOUR_TYPES: ReadonlyMap<number, { readonly channels: number; readonly depths: readonly number[] }> = new Map([
  [0, { channels: 1, depths: [1, 2, 4, 8, 16] }],
  [2, { channels: 3, depths: [8, 16] }],
  [3, { channels: 1, depths: [1, 2, 4, 8] }],
  [4, { channels: 2, depths: [8, 16] }],
  [6, { channels: 4, depths: [8, 16] }],
]);

/**
 * Read IHDR, which must be the first chunk, from a PNG's first 33 bytes (or more).
 * Returns undefined when the bytes are no PNG, or IHDR is missing or describes no image
 * a decoder would read.
 */
export function readPngHeader(bytes: Buffer): PngHeader | undefined {
  if (bytes.length < 33) return undefined;
  if (!bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined;
  if (bytes.readUInt32BE(8) !== 13 || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const bitDepth = bytes[24]!;
  const colourType = bytes[25]!;
  const [compression, filter, interlace] = [bytes[26], bytes[27], bytes[28]];
  const colour = PNG_COLOUR_TYPES.get(colourType);
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) return undefined;
  if (!colour?.depths.includes(bitDepth) || compression !== 0 || filter !== 0 || (interlace !== 0 && interlace !== 1)) {
    return undefined;
  }
  return { width, height, bitDepth, colourType, interlaced: interlace === 1 };
}

export interface ImageStructure {
  readonly format: 'png' | 'jpeg';
  readonly width: number;
  readonly height: number;
  /**
   * Whether the file may hold metadata: EXIF (and with it an orientation), XMP, IPTC,
   * text or comments, or any part this reader does not know. False only when every
   * part is one that holds pixels, their colours, or the file's framing.
   */
  readonly metadata: boolean;
}

/**
 * PNG chunks that hold only the image and its colours. Text (tEXt, zTXt, iTXt, which also
 * carries XMP), eXIf, animation, and any chunk not listed count as metadata.
 */
const PLAIN_PNG_CHUNKS = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND', 'tRNS', 'gAMA', 'cHRM', 'sRGB', 'iCCP', 'sBIT', 'bKGD', 'pHYs']);

/**
 * Walk a whole PNG's chunks (without checking their CRCs). Undefined when the bytes are
 * no PNG, IHDR is missing or invalid (readPngHeader), or a chunk runs past the end.
 */
export function readPngStructure(bytes: Buffer): ImageStructure | undefined {
  const header = readPngHeader(bytes);
  if (!header) return undefined;
  const { width, height } = header;
  let metadata = false;
  let offset = 8;
  for (;;) {
    if (offset + 12 > bytes.length) return undefined;
    const end = offset + 12 + bytes.readUInt32BE(offset);
    if (end > bytes.length) return undefined;
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    if (!PLAIN_PNG_CHUNKS.has(type)) metadata = true;
    if (type === 'IEND') return { format: 'png', width, height, metadata };
    offset = end;
  }
}

/**
 * JPEG application segments that hold only how to show the pixels, by marker and the
 * identifier their data starts with: JFIF (APP0), an ICC profile (APP2), Adobe's colour
 * transform (APP14). Every other APPn (EXIF and XMP in APP1, MPF in APP2, IPTC in APP13)
 * and comments (COM) count as metadata.
 */
const PLAIN_JPEG_APPS = new Map([
  [0xe0, Buffer.from('JFIF\0', 'latin1')],
  [0xe2, Buffer.from('ICC_PROFILE\0', 'latin1')],
  [0xee, Buffer.from('Adobe', 'latin1')],
]);

function isPlainJpegSegment(bytes: Buffer, marker: number, dataStart: number, dataEnd: number): boolean {
  if (marker === 0xfe) return false;
  if (marker < 0xe0 || marker > 0xef) return true;
  const id = PLAIN_JPEG_APPS.get(marker);
  return id !== undefined && dataEnd - dataStart >= id.length && bytes.subarray(dataStart, dataStart + id.length).equals(id);
}

/**
 * Walk a JPEG's segments up to its first scan, which is as far as a decoder reads
 * metadata. Undefined when the bytes are no JPEG, end first, or hold no frame header
 * (SOFn) with a size before the scan (a height deferred to a DNL marker, say).
 */
export function readJpegStructure(bytes: Buffer): ImageStructure | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let size: { width: number; height: number } | undefined;
  let metadata = false;
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1]!;
    // Fill bytes, and markers that stand alone without a length.
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      offset += 2;
      continue;
    }
    if (marker === 0xda) return size && { format: 'jpeg', ...size, metadata };
    const length = bytes.readUInt16BE(offset + 2);
    if (length < 2) return undefined;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame && size === undefined) {
      if (offset + 9 > bytes.length) return undefined;
      const height = bytes.readUInt16BE(offset + 5);
      const width = bytes.readUInt16BE(offset + 7);
      if (!width || !height) return undefined;
      size = { width, height };
    }
    const end = offset + 2 + length;
    if (!isPlainJpegSegment(bytes, marker, offset + 4, Math.min(end, bytes.length))) metadata = true;
    offset = end;
  }
  return undefined;
}

/** A PNG's or JPEG's structure; undefined when the bytes are neither, or cannot say. */
export function readImageStructure(bytes: Buffer): ImageStructure | undefined {
  return bytes[0] === 0x89 ? readPngStructure(bytes) : readJpegStructure(bytes);
}
