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
  /** Pixels on long straight horizontal or vertical edges. */
  readonly lineShare: number;
  /** Pixels flat or on a smooth gradient. */
  readonly smoothShare: number;
  /** L* of the most common colour, and its share. */
  readonly backgroundLightness: number;
  readonly backgroundShare: number;
  /** Words found by OCR (0 when OCR did not run). */
  readonly words: number;
}

/**
 * Would OCR find anything? Photos rarely hold text worth reading and OCR on them costs
 * most of the analysis time, so ANALYZER_OCR=auto reads only images with the flat areas
 * and sharp edges that rendered text and screenshots have, or with several bands of rows
 * dense with strokes, as a photographed or scanned page has.
 */
export function mayHoldText(c: { flatShare: number; edgeShare: number; textRows: number }): boolean {
  return (c.flatShare >= 0.25 && c.edgeShare >= 0.002) || (c.textRows >= 3 && c.edgeShare >= 0.02);
}

/** Straight edges: at least this share makes an image drawn or rendered, not photographed. */
const RULED = 0.01;
/** Charts draw axes, grid lines and bars: more straight edges than a dialog has. */
const CHART_LINES = 0.03;
/** Diagrams are boxes and arrows on a mostly empty ground. */
const DIAGRAM_GROUND = 0.82;
/** No photograph of the labelled set is this vivid; colour wheels, cartoons and logos are. */
const VIVID = 100;
/** Smooth gradients this uniform are rendered (wallpapers, backgrounds); photos of the set stay under 0.65. */
const SMOOTH = 0.92;

/**
 * Judge the kind of image from its cues; the first rule that fits wins. The thresholds
 * come from the labelled set of real images (bench/quality/labels.json).
 */
export function judgeKind(c: KindCues): Kind {
  const small = Math.max(c.width, c.height) <= 512;
  const squarish = c.width / c.height >= 0.75 && c.width / c.height <= 1.33;
  const ruled = c.lineShare >= RULED;
  const graphic = (c.flatShare >= 0.45 && c.colourCount <= 400) || ruled;
  // Pages of text: many words and no frames, buttons or axes around them.
  if (c.words >= 8 && !ruled && c.backgroundLightness >= 85 && c.backgroundShare >= 0.5 && c.colourfulness < 30) return 'document';
  if (c.words >= 20 && !ruled && c.colourfulness < 30) return 'document';
  // On a transparent ground: labelled drawings (nodes and names) are diagrams; icons and
  // logos, wide word marks included, have few words.
  if (graphic && c.transparentShare >= 0.2 && c.words >= 4 && !squarish) return 'diagram';
  if (graphic && c.words < 8 && (c.transparentShare >= 0.2 || (small && squarish && c.colourCount <= 64))) return 'icon';
  // Axes, grid lines and bars in colour on flat ground, with a title and labels at most.
  if (c.lineShare >= CHART_LINES && c.colourfulness >= 40 && c.flatShare >= 0.3 && c.words <= 30) return 'chart';
  if (ruled && c.backgroundShare >= DIAGRAM_GROUND) return 'diagram';
  if (ruled && c.words >= 8) return 'screenshot';
  // Panels and labels without frames. (A plot drawn in thin lines without axes lands here
  // too: a known confusion, see docs/quality.md.)
  if (graphic && c.words >= 2 && Math.max(c.width, c.height) >= 400 && !ruled) return 'screenshot';
  if ((graphic && !ruled) || (c.colourfulness >= VIVID && c.flatShare >= 0.1) || c.smoothShare >= SMOOTH) return 'illustration';
  return 'photo';
}
