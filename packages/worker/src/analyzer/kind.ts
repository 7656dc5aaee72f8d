import type { Kind } from '@depict/contract';

/** The measured cues a kind is judged from. */
export interface KindCues {
  readonly width: number;
  readonly height: number;
  readonly colourCount: number;
  readonly flatShare: number;
  readonly edgeShare: number;
  readonly colourfulness: number;
  readonly transparentShare: number;
  /** L* of the most common colour, and its share. */
  readonly backgroundLightness: number;
  readonly backgroundShare: number;
  /** Words found by OCR (0 when OCR did not run). */
  readonly words: number;
}

/**
 * Would OCR find anything? Photos rarely hold text worth reading and OCR on them costs
 * most of the analysis time, so ANALYZER_OCR=auto reads only images with the flat areas
 * and sharp edges that rendered text, screenshots and documents have.
 */
export function mayHoldText(c: Pick<KindCues, 'flatShare' | 'edgeShare'>): boolean {
  return c.flatShare >= 0.25 && c.edgeShare >= 0.002;
}

/** Judge the kind of image from its cues; the first rule that fits wins. */
export function judgeKind(c: KindCues): Kind {
  const small = Math.max(c.width, c.height) <= 512;
  const graphic = c.flatShare >= 0.45 && c.colourCount <= 400;
  if (c.words >= 8 && c.backgroundLightness >= 85 && c.backgroundShare >= 0.5 && c.colourfulness < 30) return 'document';
  // Icons and logos: flat, on a transparent ground, or small, squarish and few-coloured.
  const squarish = c.width / c.height >= 0.75 && c.width / c.height <= 1.33;
  if (graphic && c.words < 8 && (c.transparentShare >= 0.2 || (small && squarish && c.colourCount <= 64))) return 'icon';
  if (graphic && c.words >= 2 && Math.max(c.width, c.height) >= 400) return 'screenshot';
  if (graphic) return 'illustration';
  return 'photo';
}
