import type { DecodedImage } from '../decode.js';

/** Three bytes a pixel, no alpha: what the detectors take. */
export interface RgbImage {
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/**
 * The analysis decode, reused: no second decode of the file. Transparent pixels are laid
 * on white, as a viewer shows them; their stored colour is often black or junk.
 */
export function rgbOf(image: DecodedImage): RgbImage {
  const { width, height, channels, pixels } = image;
  if (channels === 3) return { pixels, width, height };
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, o = 0; i < pixels.length; i += 4, o += 3) {
    const a = pixels[i + 3]!;
    const white = 255 * (255 - a);
    out[o] = (pixels[i]! * a + white) / 255;
    out[o + 1] = (pixels[i + 1]! * a + white) / 255;
    out[o + 2] = (pixels[i + 2]! * a + white) / 255;
  }
  return { pixels: out, width, height };
}
