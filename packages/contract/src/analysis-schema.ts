import { z } from 'zod';

/**
 * `details.analysis`: everything the offline analyzer measured. The description is
 * written from these facts alone, so it never says more than is here. The schema is
 * the documentation: every field says what it means and how it was measured.
 */

export const PaletteColourSchema = z.object({
  name: z.string().describe('The nearest colour name people recognise (nearest in CIE Lab).'),
  hex: z.string().describe('The cluster centre as #rrggbb.'),
  share: z.number().describe('Fraction of the opaque pixels, 0..1.'),
});

export const CameraSchema = z.object({
  make: z.string().optional(),
  model: z.string().optional(),
  lens: z.string().optional(),
  takenAt: z.string().optional().describe('EXIF DateTimeOriginal as written, "YYYY-MM-DDTHH:MM:SS" (no time zone).'),
  iso: z.number().optional(),
  exposureTime: z.number().optional().describe('Seconds (worded as 1/N s under 0.3 s, as decimals from 0.3 s).'),
  fNumber: z.number().optional(),
  focalLength: z.number().optional().describe('Millimetres.'),
  software: z.string().optional(),
  hasLocation: z.boolean().describe('The file carries GPS coordinates.'),
  locationUnreadable: z.boolean().optional().describe('The file has GPS latitude or longitude tags that do not read as coordinates (malformed).'),
  location: z
    .object({ latitude: z.number(), longitude: z.number() })
    .optional()
    .describe('Only when ANALYZER_REVEAL_GPS=true.'),
});

export const TextLineSchema = z.object({
  text: z.string(),
  confidence: z.number().describe("Tesseract's confidence, 0..100."),
});

export const TextSchema = z.object({
  ocr: z.enum(['ran', 'skipped', 'off']).describe('skipped: ANALYZER_OCR=auto judged the image unlikely to hold text.'),
  lines: z.array(TextLineSchema).describe('Recognised lines; low-confidence noise is dropped.'),
  words: z.number().describe('Words in the kept lines.'),
});

// --- recognition (ANALYZER_OBJECTS) ---
export const BoxSchema = z
  .object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() })
  .describe('Pixels as displayed (after EXIF orientation), from the top left corner.');

export const RecognisedObjectSchema = z.object({
  label: z.string().describe('One of the 80 COCO classes CenterNet knows ("person", "dog", "cup", ...).'),
  name: z
    .string()
    .describe('What the description calls it: the label, or "animal" when an animal class scored too low to name the species.'),
  count: z.number().describe('How many were found at or above the reporting threshold.'),
  score: z.number().describe("The detector's best score for this label, 0..1."),
  confidence: z
    .enum(['sure', 'probable'])
    .describe('sure: above the calibrated threshold for this label; probable: named with "probably".'),
  box: BoxSchema.describe('The box of the best-scoring one.'),
  boxes: z.array(BoxSchema).describe('Every counted one, best first.'),
});
// --- end recognition ---

/** screenshot: a user interface (windows, dialogs, menus); chart: data plotted on axes; diagram: boxes, nodes and arrows. */
export const KINDS = ['photo', 'screenshot', 'document', 'chart', 'diagram', 'illustration', 'icon'] as const;

export const AnalysisSchema = z.object({
  format: z.enum(['png', 'jpeg']),
  width: z.number().describe('Pixels, as displayed (after EXIF orientation).'),
  height: z.number(),
  megapixels: z.number().describe('Rounded to one decimal.'),
  orientation: z
    .enum(['square', 'landscape', 'portrait', 'panorama', 'wide', 'tall'])
    .describe(
      'square: sides within 5%; panorama: a photo at least 2.5 times as wide as high; wide: any other image at least twice as wide as high; tall: at least twice as high as wide.',
    ),
  exifOrientation: z.number().describe('EXIF orientation tag 1..8 (1 when absent).'),
  bitDepth: z.number().describe('Bits per sample.'),
  progressive: z.boolean().describe('Progressive JPEG or interlaced PNG.'),
  animated: z.boolean().describe('An animated PNG (only its first frame is analysed).'),
  hasAlpha: z.boolean(),
  transparentShare: z.number().describe('Fraction of pixels fully transparent (alpha 0).'),
  translucentShare: z.number().describe('Fraction of pixels partly see-through (alpha 1..249; 250 and more counts as opaque).'),
  transparentBackground: z
    .boolean()
    .describe('At least half of the border pixels are fully transparent: a subject on a transparent ground.'),
  camera: CameraSchema.nullable().describe('From EXIF (exifr); null when the file has none.'),
  palette: z.array(PaletteColourSchema).describe('Up to five colours, k-means in Lab, most common first.'),
  accent: PaletteColourSchema.nullable().describe(
    'The most common strongly saturated colour (Lab chroma >= 45) covering at least 0.5% of the image that the palette does not name; null when none.',
  ),
  layout: z
    .object({ top: z.string(), bottom: z.string() })
    .nullable()
    .describe('The colour names of the top and bottom thirds, each covering at least 40% of its third, when they clearly differ (a gray and a colour, hues 30 degrees apart, or L* 25 apart); else null.'),
  uniform: z.boolean().describe('One colour covers the image without visible variation.'),
  grayscale: z.boolean().describe('Almost no pixel has visible colour (under 0.2% with Lab chroma over 12).'),
  blackAndWhite: z.boolean().describe('Grayscale, and almost every pixel near black or white.'),
  colourfulness: z.number().describe('Hasler and Süsstrunk colourfulness: 0 gray, ~33 moderate, 80+ vivid.'),
  temperature: z.enum(['warm', 'cool', 'neutral']).describe('From the mean a* and b* of the pixels.'),
  lightness: z.number().describe('Mean CIE L*, 0 black .. 100 white.'),
  brightness: z.enum(['dark', 'dim', 'balanced', 'bright']),
  lightnessSpread: z.number().describe('Standard deviation of L*.'),
  contrast: z.enum(['low', 'moderate', 'high']),
  underexposedShare: z.number().describe('Fraction of pixels at or near pure black (luma <= 8).'),
  overexposedShare: z.number().describe('Fraction of pixels at or near pure white (luma >= 250).'),
  clippedHighlights: z
    .number()
    .describe('Fraction of the image blown out to white in regions that do not reach its edge: clipping inside a subject, not a white page or sky.'),
  clippedShadows: z
    .number()
    .describe('Fraction of the image crushed to black in regions that do not reach its edge: not a black sky, surround or background.'),
  sharpnessScore: z
    .number()
    .nullable()
    .describe(
      'Mean |Laplacian| / mean gradient of luma over pixels on strong edges (gradient >= 30), at the analysis size (384 to 512 px on the long side): falls as the blur radius grows. Null when under 0.5% of the pixels are on such an edge.',
    ),
  sharpness: z
    .enum(['sharp', 'soft', 'blurry'])
    .nullable()
    .describe('sharp from a score of 1.25, soft under 0.75, blurry under 0.5; null in between (focus and blur overlap there) or without a score.'),
  motionBlur: z
    .enum(['horizontal', 'vertical', 'diagonal'])
    .nullable()
    .describe(
      'Blur that runs one way: among edges with a gradient of 30 or more, one orientation holds under 3% while the one across from it holds half or more, and the score is under 1.25. Null otherwise.',
    ),
  colourCount: z.number().describe('Distinct colours (4 bits per channel) covering at least 0.05% of the image.'),
  flatShare: z.number().describe('Fraction of pixels identical to their right and lower neighbours.'),
  smoothShare: z
    .number()
    .describe('Fraction of pixels within 2 levels of their right and lower neighbours: flat colour or a smooth gradient.'),
  edgeShare: z.number().describe('Fraction of pixels on a strong edge.'),
  lineShare: z
    .number()
    .describe('Fraction of pixels on long straight horizontal or vertical edges (axes, grid lines, boxes, window frames).'),
  textRows: z.number().describe('Bands of rows that look like lines of text: dense vertical strokes between quiet rows.'),
  kind: z.enum(KINDS).describe('Judged from the cues above and the text found.'),
  text: TextSchema,
  objects: z
    .array(RecognisedObjectSchema)
    .nullable()
    .optional()
    .describe('What CenterNet recognised, most prominent first; [] when nothing passed; null or absent when ANALYZER_OBJECTS=off.'),
  people: z
    .number()
    .nullable()
    .optional()
    .describe('People counted from person boxes and faces; null or absent when not measured (ANALYZER_OBJECTS=off).'),
});

export type Analysis = z.infer<typeof AnalysisSchema>;
export type PaletteColour = z.infer<typeof PaletteColourSchema>;
export type CameraFacts = z.infer<typeof CameraSchema>;
export type TextFacts = z.infer<typeof TextSchema>;
export type RecognisedObject = z.infer<typeof RecognisedObjectSchema>;
export type Box = z.infer<typeof BoxSchema>;
export type Kind = (typeof KINDS)[number];
