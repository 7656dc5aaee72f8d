import { decodeForAnalysis, type DecodedImage } from './decode.js';
import { measurePixels } from './measure.js';
import { dominantColours, type PaletteColour } from './palette.js';

export type Orientation = 'square' | 'landscape' | 'portrait' | 'panorama' | 'tall';
export type Brightness = 'dark' | 'dim' | 'balanced' | 'bright';
export type Contrast = 'low' | 'moderate' | 'high';

/**
 * Everything the analyzer measured, stored as `details.analysis`. The description is
 * written from these facts alone, so it can never say more than was measured.
 */
export interface AnalysisFacts {
  readonly format: 'png' | 'jpeg';
  /** As displayed, after EXIF orientation. */
  readonly width: number;
  readonly height: number;
  /** Rounded to one decimal. */
  readonly megapixels: number;
  /** square: sides within 5%; panorama / tall: one side at least twice the other. */
  readonly orientation: Orientation;
  readonly exifOrientation: number;
  readonly bitDepth: number;
  readonly progressive: boolean;
  readonly hasAlpha: boolean;
  /** Fraction of pixels that are not fully opaque. */
  readonly transparentShare: number;
  /** Up to five colours, most common first; shares are of the opaque pixels. */
  readonly palette: readonly PaletteColour[];
  /** One colour covers the image, without visible variation. */
  readonly uniform: boolean;
  /** No pixel has visible colour. */
  readonly grayscale: boolean;
  /** Grayscale and almost every pixel near black or white. */
  readonly blackAndWhite: boolean;
  /** Mean CIE L*, 0 (black) to 100 (white). */
  readonly lightness: number;
  readonly brightness: Brightness;
  /** Standard deviation of L*. */
  readonly lightnessSpread: number;
  readonly contrast: Contrast;
}

export function orientationOf(width: number, height: number): Orientation {
  const ratio = width / height;
  if (Math.abs(ratio - 1) <= 0.05) return 'square';
  if (ratio >= 2) return 'panorama';
  if (ratio <= 0.5) return 'tall';
  return ratio > 1 ? 'landscape' : 'portrait';
}

export function brightnessOf(lightness: number): Brightness {
  if (lightness < 25) return 'dark';
  if (lightness < 45) return 'dim';
  if (lightness < 70) return 'balanced';
  return 'bright';
}

export function contrastOf(spread: number): Contrast {
  if (spread < 12) return 'low';
  if (spread < 28) return 'moderate';
  return 'high';
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

/** Pure: decoded pixels and header in, facts out. */
export function factsOf(image: DecodedImage): AnalysisFacts {
  const { header } = image;
  const stats = measurePixels(image);
  const grayscale = stats.samples.count > 0 && stats.meanChroma < 4;
  const palette = dominantColours(stats.samples);
  return {
    format: header.format,
    width: header.width,
    height: header.height,
    megapixels: round((header.width * header.height) / 1e6, 1),
    orientation: orientationOf(header.width, header.height),
    exifOrientation: header.orientation,
    bitDepth: header.bitDepth,
    progressive: header.progressive,
    hasAlpha: header.hasAlpha,
    transparentShare: round(stats.transparentShare, 3),
    palette,
    uniform: (palette[0]?.share ?? 0) >= 0.97 && stats.lightnessSpread < 6,
    grayscale,
    blackAndWhite: grayscale && stats.extremeShare > 0.9,
    lightness: round(stats.meanLightness, 1),
    brightness: brightnessOf(stats.meanLightness),
    lightnessSpread: round(stats.lightnessSpread, 1),
    contrast: contrastOf(stats.lightnessSpread),
  };
}

export async function analyzeImage(path: string): Promise<AnalysisFacts> {
  return factsOf(await decodeForAnalysis(path));
}
