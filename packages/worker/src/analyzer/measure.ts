import { chroma, rgbToLab } from './colour-space.js';
import type { DecodedImage } from './decode.js';
import type { LabSamples } from './palette.js';

/** Pixels with less alpha than this are treated as see-through and not measured. */
const OPAQUE_ALPHA = 128;
const MAX_SAMPLES = 20_000;

export interface PixelStats {
  readonly samples: LabSamples;
  /** Fraction of pixels that are not fully opaque (0 without alpha). */
  readonly transparentShare: number;
  /** Mean L* of the opaque pixels, 0..100. */
  readonly meanLightness: number;
  /** Standard deviation of L*. */
  readonly lightnessSpread: number;
  /** Mean Lab chroma; under about 4 nothing has visible colour. */
  readonly meanChroma: number;
  /** Fraction of opaque pixels that are near-black or near-white. */
  readonly extremeShare: number;
}

/** Lab samples (every n-th pixel, at most MAX_SAMPLES) and the light and colour statistics. */
export function measurePixels(image: DecodedImage): PixelStats {
  const { pixels, channels } = image;
  const total = image.width * image.height;
  const step = Math.max(1, Math.floor(total / MAX_SAMPLES));
  const capacity = Math.ceil(total / step);
  const l = new Float32Array(capacity);
  const a = new Float32Array(capacity);
  const b = new Float32Array(capacity);
  let count = 0;
  let seeThrough = 0;
  let sumL = 0;
  let sumL2 = 0;
  let sumChroma = 0;
  let extreme = 0;

  for (let p = 0; p < total; p += step) {
    const o = p * channels;
    if (channels === 4 && pixels[o + 3]! < 255) {
      seeThrough++;
      if (pixels[o + 3]! < OPAQUE_ALPHA) continue;
    }
    const lab = rgbToLab(pixels[o]!, pixels[o + 1]!, pixels[o + 2]!);
    l[count] = lab.l;
    a[count] = lab.a;
    b[count] = lab.b;
    count++;
    sumL += lab.l;
    sumL2 += lab.l * lab.l;
    sumChroma += chroma(lab);
    if (lab.l < 8 || lab.l > 95) extreme++;
  }
  const sampled = Math.ceil(total / step);
  const mean = count ? sumL / count : 0;
  return {
    samples: { l, a, b, count },
    transparentShare: sampled ? seeThrough / sampled : 0,
    meanLightness: mean,
    lightnessSpread: count ? Math.sqrt(Math.max(0, sumL2 / count - mean * mean)) : 0,
    meanChroma: count ? sumChroma / count : 0,
    extremeShare: count ? extreme / count : 0,
  };
}
