import { createRequire } from 'node:module';
import sharp from 'sharp';
import { createWorker, OEM, PSM, type Worker } from 'tesseract.js';
import type { TextFacts } from '@depict/contract';

const require = createRequire(import.meta.url);
// The English model ships in an npm package, so nothing is downloaded at run time.
const ENGLISH = require('@tesseract.js-data/eng') as { langPath: string; gzip: boolean };

/** Text this small (long side) is upscaled before OCR; larger images are shrunk to OCR_SIDE. */
const OCR_SIDE = 2000;
const UPSCALE_BELOW = 1000;
/** Lines and words below these confidences are noise, not text. */
const MIN_LINE_CONFIDENCE = 70;
const MIN_WORD_CONFIDENCE = 60;

export type OcrMode = 'auto' | 'on' | 'off';

interface TesseractWord {
  text: string;
  confidence: number;
}
interface TesseractLine {
  text: string;
  confidence: number;
  words: TesseractWord[];
}

/**
 * A line reads as words when it has a run of three letters, or two runs of two: numbers
 * alone ("100 4") and stray letters ("E" read from a "5") are what OCR makes of drawings.
 */
export function readsAsWords(text: string): boolean {
  const runs = text.match(/\p{L}{2,}/gu) ?? [];
  return runs.some((r) => r.length >= 3) || runs.length >= 2;
}

/** Keep lines that read as text: confident, with real words in them. */
export function keepLines(lines: readonly TesseractLine[]): TextFacts['lines'] {
  const kept: TextFacts['lines'] = [];
  for (const line of lines) {
    const words = line.words.filter((w) => w.confidence >= MIN_WORD_CONFIDENCE && /[\p{L}\p{N}]/u.test(w.text));
    if (line.confidence < MIN_LINE_CONFIDENCE || words.length === 0) continue;
    if (!readsAsWords(words.map((w) => w.text).join(' '))) continue;
    kept.push({ text: words.map((w) => w.text).join(' '), confidence: Math.round(line.confidence) });
  }
  return kept;
}

/**
 * One Tesseract worker per process, started on first use and reused: starting one
 * costs a few hundred milliseconds, recognising a page much less. Tesseract runs one
 * image at a time per worker; calls queue inside tesseract.js.
 */
export class OcrEngine {
  private worker: Promise<Worker> | undefined;

  private start(): Promise<Worker> {
    this.worker ??= (async () => {
      const worker = await createWorker('eng', OEM.LSTM_ONLY, {
        langPath: ENGLISH.langPath,
        gzip: ENGLISH.gzip,
        cacheMethod: 'none',
      });
      // Our images carry no useful DPI; without one Tesseract warns on every page.
      await worker.setParameters({ user_defined_dpi: '300', tessedit_pageseg_mode: PSM.AUTO });
      return worker;
    })();
    this.worker.catch(() => {
      this.worker = undefined;
    });
    return this.worker;
  }

  /** Recognise text in the image (EXIF orientation applied, gray, sized for Tesseract). */
  async read(source: string | Buffer): Promise<Pick<TextFacts, 'lines' | 'words'>> {
    const meta = await sharp(source).metadata();
    const long = Math.max(meta.autoOrient.width, meta.autoOrient.height);
    const side = long < UPSCALE_BELOW ? Math.min(long * 2, OCR_SIDE) : Math.min(long, OCR_SIDE);
    const png = await sharp(source, { failOn: 'truncated' })
      .rotate()
      .flatten({ background: '#ffffff' })
      .resize({ width: side, height: side, fit: 'inside' })
      .grayscale()
      .png({ compressionLevel: 1 })
      .toBuffer();
    const worker = await this.start();
    const kept = keepLines(await this.lines(worker, png));
    return { lines: kept, words: kept.reduce((n, l) => n + l.text.split(/\s+/).length, 0) };
  }

  private async lines(worker: Worker, png: Buffer): Promise<TesseractLine[]> {
    const { data } = await worker.recognize(png, {}, { blocks: true, text: false });
    const lines: TesseractLine[] = [];
    for (const block of data.blocks ?? []) {
      for (const paragraph of block.paragraphs) {
        for (const line of paragraph.lines) {
          lines.push({ text: line.text.trim(), confidence: line.confidence, words: line.words });
        }
      }
    }
    return lines;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await (await worker).terminate();
  }
}
