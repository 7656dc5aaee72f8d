import type { DecodedImage } from './decode.js';

/** Luma at or under this is crushed black; at or over the other, blown-out white. */
export const BLACK_LUMA = 8;
export const WHITE_LUMA = 250;
/** Pixels with less alpha than this are see-through: never clipped, and part of the ground. */
const OPAQUE_ALPHA = 128;

export interface Clipping {
  /** Shares of the image clipped to white or black in regions that do not reach its edge. */
  readonly highlightsInSubject: number;
  readonly shadowsInSubject: number;
}

/**
 * Clipping that cuts into a subject, not a background. A black sky, the black surround of
 * a fundus photo, a white page or a white vignette reach the edge of the image; blown
 * highlights on a face or a window, or shadows crushed inside a dark coat, do not. So a
 * clipped region counts only when it is not connected (4-neighbours) to the border.
 */
export function measureClipping(image: DecodedImage): Clipping {
  const { pixels, channels, width, height } = image;
  const total = width * height;
  // 0 unclipped, 1 white, 2 black; 3 and 4 once reached from the border.
  const state = new Uint8Array(total);
  for (let p = 0, o = 0; p < total; p++, o += channels) {
    if (channels === 4 && pixels[o + 3]! < OPAQUE_ALPHA) continue;
    const luma = 0.299 * pixels[o]! + 0.587 * pixels[o + 1]! + 0.114 * pixels[o + 2]!;
    if (luma >= WHITE_LUMA) state[p] = 1;
    else if (luma <= BLACK_LUMA) state[p] = 2;
  }
  const queue = new Int32Array(total);
  let head = 0;
  let tail = 0;
  const reach = (p: number) => {
    const s = state[p]!;
    if (s === 1 || s === 2) {
      state[p] = s + 2;
      queue[tail++] = p;
    }
  };
  for (let x = 0; x < width; x++) {
    reach(x);
    reach((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    reach(y * width);
    reach(y * width + width - 1);
  }
  while (head < tail) {
    const p = queue[head++]!;
    const kind = state[p]! - 2;
    const x = p % width;
    const next = (q: number) => {
      if (state[q] === kind) {
        state[q] = kind + 2;
        queue[tail++] = q;
      }
    };
    if (x > 0) next(p - 1);
    if (x + 1 < width) next(p + 1);
    if (p >= width) next(p - width);
    if (p + width < total) next(p + width);
  }
  let white = 0;
  let black = 0;
  for (let p = 0; p < total; p++) {
    if (state[p] === 1) white++;
    else if (state[p] === 2) black++;
  }
  return { highlightsInSubject: total ? white / total : 0, shadowsInSubject: total ? black / total : 0 };
}
