import type { DecodedImage } from './decode.js';

export interface TextureStats {
  /**
   * Over pixels with visible structure: mean |Laplacian| / mean gradient of luma. A
   * blurred edge is wide, so its second derivative is small next to its first: the
   * score falls roughly as 1 / blur radius. Null when almost nothing has structure.
   */
  readonly sharpnessScore: number | null;
  /** Pixels identical (RGB) to their right and lower neighbours. */
  readonly flatShare: number;
  /** Pixels whose luma gradient is strong (a clear edge). */
  readonly edgeShare: number;
  /** Distinct colours at 4 bits per channel that cover at least 0.05% of the image. */
  readonly colourCount: number;
}

/** A gradient this strong (0..255 luma, central difference) is an edge anyone would see. */
const EDGE_GRADIENT = 40;
/** A gradient this strong is structure (texture, a soft edge), not flat colour. */
const STRUCTURE_GRADIENT = 6;
/** Below this share of structured pixels, sharpness cannot be judged (a flat colour is neither sharp nor blurry). */
const MIN_STRUCTURE_SHARE = 0.002;

/**
 * Edges, flatness, colour count and sharpness, over every pixel of the analysis decode
 * (384 to 512 px on the long side, or the image itself when smaller).
 * This runs on every image after the decode, so it reads each pixel's bytes once, into
 * luma and one packed RGB number, and then compares neighbours through those.
 */
export function measureTexture(image: DecodedImage): TextureStats {
  const { pixels, channels, width, height } = image;
  const total = width * height;
  const luma = new Float32Array(total);
  const rgb = new Int32Array(total);
  // Colours at 4 bits per channel.
  const bins = new Uint32Array(4096);
  for (let p = 0, o = 0; p < total; p++, o += channels) {
    const red = pixels[o]!;
    const green = pixels[o + 1]!;
    const blue = pixels[o + 2]!;
    luma[p] = 0.299 * red + 0.587 * green + 0.114 * blue;
    rgb[p] = (red << 16) | (green << 8) | blue;
    bins[((red >> 4) << 8) | ((green >> 4) << 4) | (blue >> 4)]!++;
  }

  // Flat: the same RGB as the right and the lower neighbour.
  let flat = 0;
  for (let y = 0; y + 1 < height; y++) {
    for (let p = y * width, end = p + width - 1; p < end; p++) {
      const colour = rgb[p]!;
      if (colour === rgb[p + 1] && colour === rgb[p + width]) flat++;
    }
  }

  // Luma gradient and Laplacian of every inner pixel.
  let edges = 0;
  let structured = 0;
  let structureGradient = 0;
  let structureLaplacian = 0;
  for (let y = 1; y + 1 < height; y++) {
    for (let p = y * width + 1, end = p + width - 2; p < end; p++) {
      const c = luma[p]!;
      const left = luma[p - 1]!;
      const right = luma[p + 1]!;
      const up = luma[p - width]!;
      const down = luma[p + width]!;
      const gx = right - left;
      const gy = down - up;
      // Math.hypot is several times slower than this in V8, and this runs per pixel.
      const gradient = Math.sqrt(gx * gx + gy * gy) / 2;
      if (gradient >= EDGE_GRADIENT) edges++;
      if (gradient >= STRUCTURE_GRADIENT) {
        structured++;
        structureGradient += gradient;
        structureLaplacian += Math.abs(left + right + up + down - 4 * c);
      }
    }
  }
  const inner = width > 2 && height > 2 ? (width - 2) * (height - 2) : 0;

  const minPixels = Math.max(1, total * 0.0005);
  let colourCount = 0;
  for (const n of bins) if (n >= minPixels) colourCount++;
  const measurable = inner > 0 && structured / inner >= MIN_STRUCTURE_SHARE;
  return {
    sharpnessScore: measurable ? Math.round((structureLaplacian / structureGradient) * 1000) / 1000 : null,
    flatShare: total > 1 ? flat / ((width - 1) * (height - 1) || 1) : 1,
    edgeShare: inner ? edges / inner : 0,
    colourCount,
  };
}
