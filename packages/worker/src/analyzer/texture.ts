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

export function lumaOf(image: DecodedImage): Float32Array {
  const { pixels, channels, width, height } = image;
  const luma = new Float32Array(width * height);
  for (let p = 0, o = 0; p < luma.length; p++, o += channels) {
    luma[p] = 0.299 * pixels[o]! + 0.587 * pixels[o + 1]! + 0.114 * pixels[o + 2]!;
  }
  return luma;
}

/** Edges, flatness, colour count and sharpness, over every pixel of the 512 px decode. */
export function measureTexture(image: DecodedImage, luma: Float32Array = lumaOf(image)): TextureStats {
  const { pixels, channels, width, height } = image;
  let inner = 0;
  let edges = 0;
  let structured = 0;
  let structureGradient = 0;
  let structureLaplacian = 0;
  let flat = 0;
  const bins = new Uint32Array(4096);

  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const o = p * channels;
      bins[((pixels[o]! >> 4) << 8) | ((pixels[o + 1]! >> 4) << 4) | (pixels[o + 2]! >> 4)]!++;
      if (x + 1 < width && y + 1 < height) {
        const r = o + channels;
        const d = o + width * channels;
        if (
          pixels[o] === pixels[r] && pixels[o + 1] === pixels[r + 1] && pixels[o + 2] === pixels[r + 2] &&
          pixels[o] === pixels[d] && pixels[o + 1] === pixels[d + 1] && pixels[o + 2] === pixels[d + 2]
        ) {
          flat++;
        }
      }
      if (x > 0 && y > 0 && x + 1 < width && y + 1 < height) {
        const c = luma[p]!;
        const left = luma[p - 1]!;
        const right = luma[p + 1]!;
        const up = luma[p - width]!;
        const down = luma[p + width]!;
        const gx = right - left;
        const gy = down - up;
        // Math.hypot is several times slower than this in V8, and this runs per pixel.
        const gradient = Math.sqrt(gx * gx + gy * gy) / 2;
        inner++;
        if (gradient >= EDGE_GRADIENT) edges++;
        if (gradient >= STRUCTURE_GRADIENT) {
          structured++;
          structureGradient += gradient;
          structureLaplacian += Math.abs(left + right + up + down - 4 * c);
        }
      }
    }
  }

  const total = width * height;
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
