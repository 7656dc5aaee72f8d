import type { DecodedImage } from './decode.js';

export interface TextureStats {
  /**
   * Over strong edges only: mean |Laplacian| / mean gradient of luma. A blurred edge is
   * wide, so its second derivative is small next to its first: the score falls roughly as
   * 1 / blur radius. Weak gradients are left out because there the score measures noise
   * and texture, not focus. Null when too few pixels are on a strong edge.
   */
  readonly sharpnessScore: number | null;
  /**
   * Pixels on long straight horizontal or vertical edges (runs of at least an eighth of
   * the short side): axes, grid lines, boxes, window frames. Photographs have almost none.
   */
  readonly lineShare: number;
  /**
   * Bands of rows dense with vertical strokes and separated by quiet rows, 3 to 30 px
   * high at the analysis size: how lines of text look.
   */
  readonly textRows: number;
  /**
   * Blur that runs one way: a motion smears away every strong edge across it and keeps
   * those along it, so one orientation of edge all but vanishes while the one across from
   * it dominates. Null when edges of every orientation remain.
   */
  readonly motionBlur: 'horizontal' | 'vertical' | 'diagonal' | null;
  /** Pixels identical (RGB) to their right and lower neighbours. */
  readonly flatShare: number;
  /**
   * Pixels within 2 levels (every channel) of their right and lower neighbours: flat or a
   * smooth gradient. Rendered gradients reach 0.92 and more; the grain of a photograph,
   * even blurred, keeps it lower.
   */
  readonly smoothShare: number;
  /** Pixels whose luma gradient is strong (a clear edge). */
  readonly edgeShare: number;
  /** Distinct colours at 4 bits per channel that cover at least 0.05% of the image. */
  readonly colourCount: number;
}

/** A gradient this strong (0..255 luma, central difference) is an edge anyone would see. */
const EDGE_GRADIENT = 40;
/** Sharpness is judged on edges at least this strong; weaker gradients are noise and texture. */
const SHARPNESS_GRADIENT = 30;
/** Below this share of pixels on such edges, sharpness cannot be judged and is not reported. */
const MIN_SHARPNESS_SHARE = 0.005;
/** A gradient this strong is structure (texture, a soft edge), not flat colour. */
const STRUCTURE_GRADIENT = 6;
/** With too few strong edges, this much structure that is all soft still shows a blurred image. */
const MIN_STRUCTURE_SHARE = 0.005;
const SOFT_STRUCTURE_SCORE = 0.75;
/** Edge orientations: gradient along x, along y, along the two diagonals. */
const MOTION_ALONG = ['horizontal', 'vertical', 'diagonal', 'diagonal'] as const;
const ACROSS = [1, 0, 3, 2];
/** An orientation this rare among strong edges has been smeared away... */
const VANISHED = 0.03;
/** ...when the one across from it holds at least this share. */
const DOMINANT = 0.5;
const MIN_MOTION_EDGES = 0.001;
/** Strong-edge share below which one orientation's absence says nothing (a smeared boat: 0.013; a blurred landscape: 0.0015). */
const MIN_VANISHED_EDGES = 0.005;
/** A thumbnail has too few edges of each orientation to tell a direction. */
const MIN_MOTION_SIDE = 256;
/**
 * Both orientations of a pair need this share of the strong edges, and this many pixels,
 * to be compared: a dozen pixels of one orientation (5% of a blurred landscape's 250) make
 * a width that noise alone can double.
 */
const MIN_ORIENTATION = 0.05;
const MIN_ORIENTATION_PIXELS = 50;
/** ...and edges twice as wide one way are smeared that way (in-focus photos: at most 1.5). */
const WIDER = 2;
/** The step along each orientation's gradient: rows, then columns. */
const STEPS = [0, 1, 1, -1, 1, 0, 1, 1];
/** A luma step this large between neighbours is a visible line or stroke. */
const STEP = 40;

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
  let smooth = 0;
  for (let y = 0; y + 1 < height; y++) {
    for (let p = y * width, end = p + width - 1; p < end; p++) {
      const colour = rgb[p]!;
      if (colour === rgb[p + 1] && colour === rgb[p + width]) flat++;
      else if (near(colour, rgb[p + 1]!) && near(colour, rgb[p + width]!)) smooth++;
    }
  }

  // Luma gradient and Laplacian of every inner pixel.
  let edges = 0;
  let structured = 0;
  let structureGradient = 0;
  let structureLaplacian = 0;
  let strong = 0;
  let strongGradient = 0;
  let strongLaplacian = 0;
  const orientations = [0, 0, 0, 0];
  // Per orientation, first and second differences along the gradient: how wide its edges are.
  const along1 = [0, 0, 0, 0];
  const along2 = [0, 0, 0, 0];
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
        const laplacian = Math.abs(left + right + up + down - 4 * c);
        structured++;
        structureGradient += gradient;
        structureLaplacian += laplacian;
        if (gradient >= SHARPNESS_GRADIENT) {
          const ax = Math.abs(gx);
          const ay = Math.abs(gy);
          // tan 22.5 degrees = 0.414: within it the gradient runs along an axis.
          const bin = ay < 0.414 * ax ? 0 : ax < 0.414 * ay ? 1 : gx * gy > 0 ? 2 : 3;
          const step = STEPS[bin]! * width + STEPS[bin + 4]!;
          const ahead = luma[p + step]!;
          const behind = luma[p - step]!;
          orientations[bin]!++;
          along1[bin]! += Math.abs(ahead - behind);
          along2[bin]! += Math.abs(ahead + behind - 2 * c);
          strong++;
          strongGradient += gradient;
          strongLaplacian += laplacian;
        }
      }
    }
  }
  const inner = width > 2 && height > 2 ? (width - 2) * (height - 2) : 0;

  const minPixels = Math.max(1, total * 0.0005);
  let colourCount = 0;
  for (const n of bins) if (n >= minPixels) colourCount++;
  let score: number | null = null;
  if (inner > 0 && strong / inner >= MIN_SHARPNESS_SHARE) score = strongLaplacian / strongGradient;
  else if (inner > 0 && structured / inner >= MIN_STRUCTURE_SHARE && structureLaplacian / structureGradient < SOFT_STRUCTURE_SCORE) {
    // No strong edge left, yet plenty of soft ones: the blur took the edges away.
    score = structureLaplacian / structureGradient;
  }
  return {
    sharpnessScore: score === null ? null : Math.round(score * 1000) / 1000,
    lineShare: total ? straightEdgePixels(luma, width, height) / total : 0,
    textRows: textRowBands(luma, width, height),
    motionBlur:
      Math.min(width, height) >= MIN_MOTION_SIDE && strong / inner >= MIN_MOTION_EDGES && (score ?? 0) < 1.25
        ? motionOf(orientations, along1, along2, strong, strong / inner)
        : null,
    flatShare: total > 1 ? flat / ((width - 1) * (height - 1) || 1) : 1,
    smoothShare: total > 1 ? (flat + smooth) / ((width - 1) * (height - 1) || 1) : 1,
    edgeShare: inner ? edges / inner : 0,
    colourCount,
  };
}

/**
 * Along one orientation the edges are smeared away or much wider than across from it:
 * compared within the pair along x / along y, and within the diagonal pair, whose steps are
 * equally long.
 */
/** Two packed RGB colours within 2 levels in every channel. */
function near(a: number, b: number): boolean {
  return Math.abs((a >> 16) - (b >> 16)) <= 2 && Math.abs(((a >> 8) & 255) - ((b >> 8) & 255)) <= 2 && Math.abs((a & 255) - (b & 255)) <= 2;
}

function motionOf(orientations: readonly number[], along1: readonly number[], along2: readonly number[], strong: number, strongShare: number): TextureStats['motionBlur'] {
  for (let i = 0; i < 4; i++) {
    const j = ACROSS[i]!;
    // An orientation gone entirely is motion only where strong edges are many: with few, a scene
    // whose edges run one way (a horizon) loses the others to any blur.
    if (strongShare >= MIN_VANISHED_EDGES && orientations[i]! / strong < VANISHED && orientations[j]! / strong >= DOMINANT) return MOTION_ALONG[i]!;
    const compared = (k: number) => orientations[k]! / strong >= MIN_ORIENTATION && orientations[k]! >= MIN_ORIENTATION_PIXELS;
    if (compared(i) && compared(j)) {
      const mine = along2[i]! / (along1[i]! || 1);
      const theirs = along2[j]! / (along1[j]! || 1);
      if (theirs >= WIDER * mine) return MOTION_ALONG[i]!;
    }
  }
  return null;
}

/** Pixels in horizontal or vertical runs of luma steps at least an eighth of the short side long. */
function straightEdgePixels(luma: Float32Array, width: number, height: number): number {
  const minRun = Math.max(12, Math.round(Math.min(width, height) / 8));
  let straight = 0;
  for (let y = 1; y < height; y++) {
    let run = 0;
    for (let x = 0; x <= width; x++) {
      const p = y * width + x;
      if (x < width && Math.abs(luma[p]! - luma[p - width]!) >= STEP) run++;
      else {
        if (run >= minRun) straight += run;
        run = 0;
      }
    }
  }
  for (let x = 1; x < width; x++) {
    let run = 0;
    for (let y = 0; y <= height; y++) {
      const p = y * width + x;
      if (y < height && Math.abs(luma[p]! - luma[p - 1]!) >= STEP) run++;
      else {
        if (run >= minRun) straight += run;
        run = 0;
      }
    }
  }
  return straight;
}

/**
 * Bands of 3 to 30 rows where at least 2% of the pixels are a vertical stroke, with quiet
 * rows (under 1%) below, counted in each third of the width (two pages side by side, or a
 * dialog over a page, do not line up) and the most taken.
 */
function textRowBands(luma: Float32Array, width: number, height: number): number {
  let most = 0;
  for (let strip = 0; strip < 3; strip++) {
    const from = Math.max(1, Math.floor((strip * width) / 3));
    const to = Math.floor(((strip + 1) * width) / 3);
    let bands = 0;
    let run = 0;
    for (let y = 0; y <= height; y++) {
      let strokes = 0;
      if (y < height) for (let p = y * width + from, end = y * width + to; p < end; p++) if (Math.abs(luma[p]! - luma[p - 1]!) >= STEP) strokes++;
      const density = strokes / Math.max(1, to - from);
      if (y < height && density >= 0.02) run++;
      else {
        if (run >= 3 && run <= 30 && density < 0.01) bands++;
        run = 0;
      }
    }
    most = Math.max(most, bands);
  }
  return most;
}
