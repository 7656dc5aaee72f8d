import type { PaletteColour } from '@depict/contract';
import { labOfName, nameOf } from './colour-names.js';
import { chroma, deltaE, hexOf, labToRgb, rgbOfHex, rgbToLab, type Lab } from './colour-space.js';
import type { DecodedImage } from './decode.js';
import type { LabSamples } from './palette.js';

/** Chroma this high is a strongly saturated colour: a red motorcycle, a yellow raincoat. */
const ACCENT_CHROMA = 45;
/** An accent this small is still worth saying (0.5% of the image); smaller is a speck. */
const MIN_ACCENT_SHARE = 0.005;
/** An accent this near a palette colour is that colour again ("dark red" beside "red"). */
const SAME_COLOUR_DELTA_E = 25;
/**
 * Top and bottom colours are worth telling apart when one is a gray and the other is not,
 * their hues are this far apart, or their lightness this far; otherwise it is one colour
 * told twice ("dark olive green above, olive below").
 */
const DISTINCT_HUE_DEGREES = 30;
const DISTINCT_LIGHTNESS = 25;
const GRAY_CHROMA = 10;

function distinct(a: Lab, b: Lab): boolean {
  const grayA = chroma(a) < GRAY_CHROMA;
  const grayB = chroma(b) < GRAY_CHROMA;
  if (grayA !== grayB || Math.abs(a.l - b.l) >= DISTINCT_LIGHTNESS) return true;
  if (grayA) return false;
  const hue = Math.abs(Math.atan2(a.b, a.a) - Math.atan2(b.b, b.a)) * (180 / Math.PI);
  return Math.min(hue, 360 - hue) >= DISTINCT_HUE_DEGREES;
}
/** A region's colour must cover this much of it to say the region is that colour. */
const MIN_REGION_SHARE = 0.4;
const OPAQUE_ALPHA = 128;

/**
 * The strongly saturated colour the palette leaves out: k-means merges a small red
 * motorcycle into the browns around it, but a person looking sees the red first.
 * Null when the palette already names it or nothing is that saturated.
 */
export function accentColour(samples: LabSamples, palette: readonly PaletteColour[]): PaletteColour | null {
  const groups = new Map<string, { count: number; l: number; a: number; b: number }>();
  for (let i = 0; i < samples.count; i++) {
    const lab = { l: samples.l[i]!, a: samples.a[i]!, b: samples.b[i]! };
    if (chroma(lab) < ACCENT_CHROMA) continue;
    const name = nameOf(lab);
    const g = groups.get(name) ?? { count: 0, l: 0, a: 0, b: 0 };
    g.count++;
    g.l += lab.l;
    g.a += lab.a;
    g.b += lab.b;
    groups.set(name, g);
  }
  const named = new Set(palette.map((c) => c.name));
  let best: PaletteColour | null = null;
  for (const [name, g] of groups) {
    const share = g.count / (samples.count || 1);
    if (named.has(name) || share < MIN_ACCENT_SHARE || (best && share <= best.share)) continue;
    const mean: Lab = { l: g.l / g.count, a: g.a / g.count, b: g.b / g.count };
    if (palette.some((c) => deltaE(rgbToLab(...rgbOfHex(c.hex)), mean) < SAME_COLOUR_DELTA_E)) continue;
    best = { name, hex: hexOf(labToRgb(mean)), share: Math.round(share * 1000) / 1000 };
  }
  return best;
}

/** The colour most of a band of rows is, by name, or undefined when none covers MIN_REGION_SHARE. */
function bandColour(image: DecodedImage, fromRow: number, toRow: number): string | undefined {
  const { pixels, channels, width } = image;
  const counts = new Map<string, number>();
  let seen = 0;
  const step = Math.max(1, Math.floor(((toRow - fromRow) * width) / 4000));
  for (let p = fromRow * width; p < toRow * width; p += step) {
    const o = p * channels;
    if (channels === 4 && pixels[o + 3]! < OPAQUE_ALPHA) continue;
    const name = nameOf(rgbToLab(pixels[o]!, pixels[o + 1]!, pixels[o + 2]!));
    counts.set(name, (counts.get(name) ?? 0) + 1);
    seen++;
  }
  let top: [string, number] | undefined;
  for (const entry of counts) if (!top || entry[1] > top[1]) top = entry;
  return top && top[1] / (seen || 1) >= MIN_REGION_SHARE ? top[0] : undefined;
}

/**
 * Where the colours are: the colour of the top third and of the bottom third, when each
 * is mostly one colour and the two clearly differ ("light blue above, green below").
 */
export function colourLayout(image: DecodedImage): { top: string; bottom: string } | null {
  const third = Math.floor(image.height / 3);
  if (third < 2) return null;
  const top = bandColour(image, 0, third);
  const bottom = bandColour(image, image.height - third, image.height);
  if (!top || !bottom || top === bottom) return null;
  const [a, b] = [labOfName(top), labOfName(bottom)];
  return a && b && distinct(a, b) ? { top, bottom } : null;
}
