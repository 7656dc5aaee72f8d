import type { DecodeLimits } from '@depict/core';
import type { Analysis, Kind, TextFacts } from '@depict/contract';
import { rgbOfHex, rgbToLab } from './colour-space.js';
import { decodeForAnalysis, type DecodedImage } from './decode.js';
import { measureClipping } from './clipping.js';
import { accentColour, colourLayout } from './colour-layout.js';
import { readCamera } from './exif.js';
import { judgeKind, mayHoldText } from './kind.js';
import { measurePixels } from './measure.js';
import type { OcrEngine, OcrMode } from './ocr.js';
import { dominantColours } from './palette.js';
import { measureTexture } from './texture.js';
import { recognise, type RecognitionEngine } from './recognition/recognise.js';

export type { Analysis } from '@depict/contract';

type Orientation = Analysis['orientation'];
type Brightness = Analysis['brightness'];
type Contrast = Analysis['contrast'];

/** Everything measured from the decoded pixels and header: no EXIF, text or kind yet. */
export type PixelFacts = Omit<Analysis, 'camera' | 'text' | 'kind'>;

/**
 * The shape. "panorama" is kept for photographs at least 2.5 times as wide as high (a crop
 * of a page or a wide chart is not one); anything else twice as wide as high is "wide".
 */
export function orientationOf(width: number, height: number, photo = true): Orientation {
  const ratio = width / height;
  if (Math.abs(ratio - 1) <= 0.05) return 'square';
  if (ratio >= 2.5 && photo) return 'panorama';
  if (ratio >= 2) return 'wide';
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

/**
 * From the score on strong edges at the analysis size (384 to 512 px). In focus photographs
 * of the labelled set score 1.0 to 2.2, blurred ones 0.3 to 1.2: "sharp" only at 1.25 and
 * over, nothing said between 0.75 and 1.25, where focus and blur overlap.
 */
export function sharpnessOf(score: number | null): Analysis['sharpness'] {
  if (score === null || (score >= 0.75 && score < 1.25)) return null;
  if (score >= 1.25) return 'sharp';
  if (score >= 0.5) return 'soft';
  return 'blurry';
}

/** Blur that runs one way is never "sharp", whatever the edges along it score. */
function motionSharpness(score: number | null): Analysis['sharpness'] {
  return score !== null && score >= 0.5 ? 'soft' : 'blurry';
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

/** Pure: the decoded image in, every pixel and header fact out. */
export function measureImage(image: DecodedImage): PixelFacts {
  const { header } = image;
  const stats = measurePixels(image);
  const texture = measureTexture(image);
  const clipping = measureClipping(image);
  const grayscale = stats.samples.count > 0 && stats.chromaticShare < 0.002;
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
    animated: header.animated,
    hasAlpha: header.hasAlpha,
    transparentShare: round(stats.transparentShare, 3),
    translucentShare: round(stats.translucentShare, 3),
    transparentBackground: stats.transparentBackground,
    palette,
    accent: accentColour(stats.samples, palette),
    layout: colourLayout(image),
    uniform: (palette[0]?.share ?? 0) >= 0.97 && stats.lightnessSpread < 6,
    grayscale,
    blackAndWhite: grayscale && stats.extremeShare > 0.9,
    colourfulness: round(stats.colourfulness, 1),
    temperature: grayscale || Math.abs(stats.warmth) < 8 ? 'neutral' : stats.warmth > 0 ? 'warm' : 'cool',
    lightness: round(stats.meanLightness, 1),
    brightness: brightnessOf(stats.meanLightness),
    lightnessSpread: round(stats.lightnessSpread, 1),
    contrast: contrastOf(stats.lightnessSpread),
    underexposedShare: round(stats.underexposedShare, 3),
    overexposedShare: round(stats.overexposedShare, 3),
    clippedHighlights: round(clipping.highlightsInSubject, 3),
    clippedShadows: round(clipping.shadowsInSubject, 3),
    sharpnessScore: texture.sharpnessScore,
    sharpness: texture.motionBlur ? motionSharpness(texture.sharpnessScore) : sharpnessOf(texture.sharpnessScore),
    motionBlur: texture.motionBlur,
    colourCount: texture.colourCount,
    flatShare: round(texture.flatShare, 3),
    smoothShare: round(texture.smoothShare, 3),
    edgeShare: round(texture.edgeShare, 4),
    lineShare: round(texture.lineShare, 4),
    textRows: texture.textRows,
  };
}

/** The cues for judging the kind of image, from the pixel facts and the words found. */
export function kindOf(facts: PixelFacts, words: number): Kind {
  const background = facts.palette[0];
  const backgroundLightness = background ? rgbToLab(...rgbOfHex(background.hex)).l : 0;
  return judgeKind({
    width: facts.width,
    height: facts.height,
    colourCount: facts.colourCount,
    flatShare: facts.flatShare,
    edgeShare: facts.edgeShare,
    colourfulness: facts.colourfulness,
    transparentShare: facts.transparentShare,
    lineShare: facts.lineShare,
    smoothShare: facts.smoothShare,
    backgroundLightness,
    backgroundShare: background?.share ?? 0,
    words,
  });
}

export interface AnalyzeOptions {
  /** auto: read text when the image looks as if it may hold some. Without an engine, off. */
  readonly ocr?: OcrMode;
  readonly ocrEngine?: OcrEngine;
  /** Report GPS coordinates, not just that they exist. */
  readonly revealGps?: boolean;
  /** What the decode may cost (DEFAULT_DECODE_LIMITS when not given). */
  readonly limits?: DecodeLimits;
  /** Names objects and counts people (ANALYZER_OBJECTS=auto); without one, objects and people are null. */
  readonly recognition?: RecognitionEngine;
}

/** Decode once, measure, read EXIF, read text when worth it, judge the kind. */
export async function analyzeImage(source: string | Buffer, options: AnalyzeOptions = {}): Promise<Analysis> {
  const [image, camera] = await Promise.all([
    decodeForAnalysis(source, options.limits),
    readCamera(source, { revealGps: options.revealGps ?? false }),
  ]);
  const facts = measureImage(image);
  const recognising = options.recognition ? recognise(options.recognition, image) : undefined;
  recognising?.catch(() => undefined);
  const mode = options.ocrEngine ? (options.ocr ?? 'auto') : 'off';
  let text: TextFacts = { ocr: mode === 'off' ? 'off' : 'skipped', lines: [], words: 0 };
  if (options.ocrEngine && (mode === 'on' || (mode === 'auto' && mayHoldText(facts)))) {
    text = { ocr: 'ran', ...(await options.ocrEngine.read(source)) };
  }
  // A detector that fails leaves the other facts standing: objects and people unknown.
  const recognised = recognising ? await recognising.catch(() => undefined) : undefined;
  const kind = kindOf(facts, text.words);
  return {
    ...facts,
    orientation: orientationOf(facts.width, facts.height, kind === 'photo'),
    camera,
    text,
    kind,
    objects: recognised?.objects ?? null,
    people: recognised?.people ?? null,
  };
}
