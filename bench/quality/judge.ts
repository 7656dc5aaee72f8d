/**
 * Judges what the offline analyzer said about one labelled image against its truth
 * (bench/quality/labels.json). Pure: the label, the analysis, the detailed description and
 * the raw EXIF in; the claims found false, the objects named and the words read out.
 */
import type { Analysis } from '../../packages/worker/src/analyzer/index.js';
import type { Label } from '../../test-support/labelled-images.js';

export const CATEGORIES = ['transparency', 'sharpness', 'kind', 'exif', 'light', 'colour'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface FalseClaim {
  category: Category;
  claim: string;
}

export interface Judgement {
  id: string;
  falseClaims: FalseClaim[];
  kindRight: boolean;
  /** null: the image has no COCO subject. */
  subjectNamed: boolean | null;
  objectsNamed: number;
  objectsWrong: string[];
  /** Words of the labelled text, and how many of them OCR read. */
  textWords: number;
  textWordsRead: number;
}

/** What the EXIF of the file holds, read independently of the analyzer. */
export interface RawExif {
  make?: string;
  model?: string;
  exposureTime?: number;
  hasGps: boolean;
}

const KIND_WORDS: Record<string, RegExp> = {
  photo: /\bphoto\b/,
  screenshot: /\b(screenshot|user interface)\b/,
  document: /\b(document|page of text)\b/,
  chart: /\bchart\b/,
  diagram: /\bdiagram\b/,
  illustration: /\billustration\b/,
  icon: /\b(icon|logo)\b/,
};

const words = (s: string) => s.toLowerCase().match(/[a-z0-9]+/g) ?? [];

function exposureClaims(description: string, exif: RawExif): FalseClaim[] {
  const m = /\b(?:ISO \d+, )?(1\/(\d+)|(\d+(?:\.\d+)?)) s\b/.exec(description);
  if (!m) return [];
  const said = m[2] ? 1 / Number(m[2]) : Number(m[3]);
  const truth = exif.exposureTime;
  if (truth === undefined) return [{ category: 'exif', claim: `exposure ${m[1]} s with none in the file` }];
  const close = Math.abs(said - truth) <= truth * 0.1 + 1e-4;
  const fraction = Boolean(m[2]);
  if (!close || (fraction && truth >= 0.3)) return [{ category: 'exif', claim: `exposure "${m[1]} s" for ${truth} s` }];
  return [];
}

export function judge(label: Label, f: Analysis, description: string, exif: RawExif): Judgement {
  const text = description.toLowerCase();
  const falseClaims: FalseClaim[] = [];
  const claim = (category: Category, what: string) => falseClaims.push({ category, claim: what });

  // Transparency: what is said must match the label.
  const saysTransparent = /transparent/.test(text);
  if (saysTransparent && label.transparency === 'none') claim('transparency', 'transparency where there is none');
  if (/fully transparent/.test(text)) claim('transparency', '"fully transparent"');
  if (/transparent background/.test(text) && label.transparency !== 'background') {
    claim('transparency', '"transparent background" without one');
  }

  // Sharpness: "sharp" about a blurred image, blur about a sharp one.
  if (/\bsharp\b/.test(text) && label.blur !== 'none') claim('sharpness', `"sharp" for ${label.blur}`);
  if (/\b(blurry|blurred|motion blur|slightly soft)\b/.test(text) && label.blur === 'none') claim('sharpness', 'blur where the image is in focus');
  if (/motion blur|blurred by \w+ motion/.test(text) && label.blur === 'blur') claim('sharpness', 'motion blur for an even blur');

  // Kind: the noun used must be the labelled kind or one not wrong for it.
  const accepted = [label.kind, ...(label.kind_also ?? [])];
  const said = Object.keys(KIND_WORDS).filter((k) => KIND_WORDS[k]!.test(text.split('.')[0] ?? ''));
  const kindRight = accepted.includes(f.kind);
  if (said.some((k) => !accepted.includes(k))) claim('kind', `called ${said.join('/')} for ${label.kind}`);
  if (/\bpanorama\b/.test(text)) claim('kind', '"panorama" (no image of the set is one)');

  // EXIF: a camera, an exposure or location data only when the file holds them.
  if (/taken with/.test(text) && !exif.make && !exif.model) claim('exif', 'a camera the file does not name');
  falseClaims.push(...exposureClaims(description, exif));
  if (/location data/.test(text) && !exif.hasGps) claim('exif', 'location data the file does not hold');

  // Light: none of the set clips into a subject (labels say where it is only background).
  if (/blown-out|crushed black/.test(text) && label.clipping === false) claim('light', 'clipping where there is none in a subject');

  // Colour: a gray or black-and-white claim about a colour image.
  if (/\b(grayscale|black-and-white)\b/.test(text) && !label.grayscale) claim('colour', 'grayscale for a colour image');

  // Object recognition lands separately; until then analyses have no objects.
  const objects = (f as { objects?: Array<{ label: string }> }).objects ?? [];
  const truthLabels = new Set([
    ...label.objects.map((o) => o.label),
    ...(label.objects_also ?? []),
    ...(label.coco_subject ? [label.coco_subject] : []),
  ]);
  const objectsWrong = objects.map((o) => o.label).filter((l) => !truthLabels.has(l));
  const subjectNamed = label.coco_subject ? objects.some((o) => o.label === label.coco_subject) : null;

  const truthWords = label.text ? words(label.text) : [];
  const read = new Set(f.text.lines.flatMap((l) => words(l.text)));
  return {
    id: label.id,
    falseClaims,
    kindRight,
    subjectNamed,
    objectsNamed: objects.length,
    objectsWrong,
    textWords: truthWords.length,
    textWordsRead: truthWords.filter((w) => read.has(w)).length,
  };
}
