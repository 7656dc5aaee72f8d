/**
 * Runs the offline analyzer over the labelled set in this process and sums the
 * judgements: false claims by category, main subject named, object precision, kind
 * accuracy, OCR word accuracy and the time per image. Used by `npm run bench:quality`
 * and by the CI test that keeps these figures above their thresholds.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import type { Analysis } from '../../packages/worker/src/analyzer/index.js';
import { OcrEngine, analyzeImage, describeFacts } from '../../packages/worker/src/analyzer/index.js';
import { RecognitionEngine } from '../../packages/worker/src/analyzer/recognition/recognise.js';
import { labelledImages, type LabelledImage } from '../../test-support/labelled-images.js';
import { CATEGORIES, judge, type Category, type Judgement, type RawExif } from './judge.js';

export interface QualityFigures {
  images: number;
  falseClaims: Record<Category, number>;
  /** Over images with a COCO subject; null when no image has objects measured. */
  subjectRecall: number;
  objectPrecision: number | null;
  kindAccuracy: number;
  ocrWordAccuracy: number;
  medianMs: number;
  judgements: Judgement[];
  analyses: Map<string, { facts: Analysis; description: string }>;
}

/** The service takes PNG and JPEG; a WebP from a package is made a lossless PNG first. */
export async function uploadable(image: LabelledImage): Promise<Buffer> {
  const bytes = await readFile(image.file);
  return image.file.endsWith('.webp') ? sharp(bytes).png().toBuffer() : bytes;
}

async function rawExif(bytes: Buffer): Promise<RawExif> {
  try {
    const raw = await exifr.parse(bytes, { gps: true, reviveValues: false, translateValues: false });
    return {
      make: typeof raw?.Make === 'string' ? raw.Make : undefined,
      model: typeof raw?.Model === 'string' ? raw.Model : undefined,
      exposureTime: typeof raw?.ExposureTime === 'number' ? raw.ExposureTime : undefined,
      hasGps: raw?.GPSLatitude !== undefined || raw?.latitude !== undefined,
    };
  } catch {
    return { hasGps: false };
  }
}

// exifr is the worker's dependency; the judge reads EXIF with it, not through the analyzer.
const exifr = createRequire(new URL('../../packages/worker/package.json', import.meta.url))('exifr') as {
  parse(data: Buffer, options: object): Promise<Record<string, unknown> | undefined>;
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : 0;
};

export async function runQuality(ids?: readonly string[]): Promise<QualityFigures> {
  const images = labelledImages(ids);
  const ocrEngine = new OcrEngine();
  // As a worker runs by default (ANALYZER_OBJECTS=auto); ANALYZER_OBJECTS=off leaves objects unmeasured.
  const recognition = process.env.ANALYZER_OBJECTS === 'off' ? undefined : new RecognitionEngine();
  const judgements: Judgement[] = [];
  const analyses = new Map<string, { facts: Analysis; description: string }>();
  const times: number[] = [];
  try {
    for (const image of images) {
      const bytes = await uploadable(image);
      const started = performance.now();
      const facts = await analyzeImage(bytes, { ocr: 'auto', ocrEngine, recognition });
      times.push(performance.now() - started);
      const description = describeFacts(facts, 'detailed');
      analyses.set(image.id, { facts, description });
      judgements.push(judge(image, facts, description, await rawExif(bytes)));
    }
  } finally {
    await ocrEngine.close();
  }
  const falseClaims = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  for (const j of judgements) for (const c of j.falseClaims) falseClaims[c.category]++;
  const withSubject = judgements.filter((j) => j.subjectNamed !== null);
  const named = judgements.reduce((n, j) => n + j.objectsNamed, 0);
  const wrong = judgements.reduce((n, j) => n + j.objectsWrong.length, 0);
  const textWords = judgements.reduce((n, j) => n + j.textWords, 0);
  return {
    images: images.length,
    falseClaims,
    subjectRecall: withSubject.length ? withSubject.filter((j) => j.subjectNamed).length / withSubject.length : 0,
    objectPrecision: named ? (named - wrong) / named : null,
    kindAccuracy: judgements.filter((j) => j.kindRight).length / (judgements.length || 1),
    ocrWordAccuracy: textWords ? judgements.reduce((n, j) => n + j.textWordsRead, 0) / textWords : 0,
    medianMs: median(times),
    judgements,
    analyses,
  };
}
