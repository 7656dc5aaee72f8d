import { chroma, rgbToLab } from './colour-space.js';
import type { DecodedImage } from './decode.js';
import type { LabSamples } from './palette.js';

/** Pixels with less alpha than this are treated as see-through and not measured. */
const OPAQUE_ALPHA = 128;
/** Alpha this high is opaque to the eye (some tools write 254 over a whole image). */
const SOLID_ALPHA = 250;
/** A background is transparent when at least this share of the border pixels has alpha 0. */
const TRANSPARENT_BORDER = 0.5;
const MAX_SAMPLES = 12_000;

export interface PixelStats {
  readonly samples: LabSamples;
  /** Fraction of pixels with alpha 0 (0 without alpha). */
  readonly transparentShare: number;
  /** Fraction of pixels partly see-through: alpha 1..249. */
  readonly translucentShare: number;
  /** Most of the border is fully transparent: a subject cut out on a transparent ground. */
  readonly transparentBackground: boolean;
  /** Mean L* of the opaque pixels, 0..100. */
  readonly meanLightness: number;
  /** Standard deviation of L*. */
  readonly lightnessSpread: number;
  /** Fraction of opaque pixels with visible colour (Lab chroma over 12). */
  readonly chromaticShare: number;
  /** Fraction of opaque pixels that are near-black or near-white. */
  readonly extremeShare: number;
  /** Hasler and Süsstrunk (2003): 0 for gray, about 33 moderately and 80+ very colourful. */
  readonly colourfulness: number;
  /** Mean of b* plus half of a*: positive for reds, oranges and yellows, negative for blues. */
  readonly warmth: number;
  /** Fractions of opaque pixels with luma <= 8 and >= 250 (clipped shadows and highlights). */
  readonly underexposedShare: number;
  readonly overexposedShare: number;
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
  let translucent = 0;
  let sumL = 0;
  let sumL2 = 0;
  let chromatic = 0;
  let extreme = 0;
  let sumA = 0;
  let sumB = 0;
  let under = 0;
  let over = 0;
  // Colourfulness: the opponent channels rg = R - G and yb = (R + G) / 2 - B.
  let sumRg = 0;
  let sumRg2 = 0;
  let sumYb = 0;
  let sumYb2 = 0;

  for (let p = 0; p < total; p += step) {
    const o = p * channels;
    if (channels === 4 && pixels[o + 3]! < SOLID_ALPHA) {
      if (pixels[o + 3] === 0) seeThrough++;
      else translucent++;
      if (pixels[o + 3]! < OPAQUE_ALPHA) continue;
    }
    const red = pixels[o]!;
    const green = pixels[o + 1]!;
    const blue = pixels[o + 2]!;
    const lab = rgbToLab(red, green, blue);
    const luma = 0.299 * red + 0.587 * green + 0.114 * blue;
    if (luma <= 8) under++;
    if (luma >= 250) over++;
    const rg = red - green;
    const yb = (red + green) / 2 - blue;
    sumRg += rg;
    sumRg2 += rg * rg;
    sumYb += yb;
    sumYb2 += yb * yb;
    sumA += lab.a;
    sumB += lab.b;
    l[count] = lab.l;
    a[count] = lab.a;
    b[count] = lab.b;
    count++;
    sumL += lab.l;
    sumL2 += lab.l * lab.l;
    if (chroma(lab) > 12) chromatic++;
    if (lab.l < 8 || lab.l > 95) extreme++;
  }
  const sampled = Math.ceil(total / step);
  const mean = count ? sumL / count : 0;
  const n = count || 1;
  const meanRg = sumRg / n;
  const meanYb = sumYb / n;
  const spreadRg = Math.sqrt(Math.max(0, sumRg2 / n - meanRg * meanRg));
  const spreadYb = Math.sqrt(Math.max(0, sumYb2 / n - meanYb * meanYb));
  return {
    samples: { l, a, b, count },
    transparentShare: sampled ? seeThrough / sampled : 0,
    translucentShare: sampled ? translucent / sampled : 0,
    transparentBackground: channels === 4 && clearBorderShare(image) >= TRANSPARENT_BORDER,
    meanLightness: mean,
    lightnessSpread: count ? Math.sqrt(Math.max(0, sumL2 / count - mean * mean)) : 0,
    chromaticShare: count ? chromatic / count : 0,
    extremeShare: count ? extreme / count : 0,
    colourfulness: Math.hypot(spreadRg, spreadYb) + 0.3 * Math.hypot(meanRg, meanYb),
    warmth: (sumB + sumA / 2) / n,
    underexposedShare: under / n,
    overexposedShare: over / n,
  };
}

/** Share of the border pixels (the outermost row and column on each side) with alpha 0. */
export function clearBorderShare(image: DecodedImage): number {
  const { pixels, channels, width, height } = image;
  if (channels !== 4 || width < 2 || height < 2) return 0;
  let clear = 0;
  let border = 0;
  const visit = (x: number, y: number) => {
    border++;
    if (pixels[(y * width + x) * channels + 3] === 0) clear++;
  };
  for (let x = 0; x < width; x++) {
    visit(x, 0);
    visit(x, height - 1);
  }
  for (let y = 1; y + 1 < height; y++) {
    visit(0, y);
    visit(width - 1, y);
  }
  return clear / border;
}
