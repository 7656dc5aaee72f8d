import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sharp } from '../../../test-support/images.js';
import { tempDir } from '../../../test-support/processes.js';
import { AnalysisSchema, OcrEngine, analyzeImage, type Analysis, type AnalyzeOptions } from '../src/analyzer/index.js';

/** Images the accuracy tests make, whose truth they know, each analysed once when first asked for. */

export interface CaseImage {
  readonly bytes: () => Promise<Buffer>;
  readonly facts: () => Promise<Analysis>;
}

export interface CaseCorpus {
  /**
   * A case's image, made and analysed once, when first asked for. The checks over every
   * image (alt text, honesty) ask for all of them, so they do not rely on the cases before
   * them having run.
   */
  caseImage(name: string, make: () => Promise<Buffer>, options?: AnalyzeOptions): CaseImage;
  /** Every case's image: the checks that span them all analyse any not analysed yet. */
  readonly corpus: readonly CaseImage[];
  /** What was analysed so far, by file name. */
  readonly analysed: ReadonlyArray<{ name: string; facts: Analysis }>;
  /** Stop the OCR engine and remove the files. */
  close(): Promise<void>;
}

export function caseCorpus(prefix: string): CaseCorpus {
  const ocrEngine = new OcrEngine();
  const dir = tempDir(prefix);
  const corpus: CaseImage[] = [];
  const analysed: Array<{ name: string; facts: Analysis }> = [];
  const analyse = async (name: string, bytes: Buffer, options: AnalyzeOptions): Promise<Analysis> => {
    const file = path.join((await dir).path, name);
    await writeFile(file, bytes);
    const facts = await analyzeImage(file, { ocrEngine, ...options });
    AnalysisSchema.parse(facts);
    analysed.push({ name, facts });
    return facts;
  };
  return {
    corpus,
    analysed,
    caseImage(name, make, options = {}) {
      let bytes: Promise<Buffer> | undefined;
      let facts: Promise<Analysis> | undefined;
      const image: CaseImage = {
        bytes: () => (bytes ??= make()),
        facts: () => (facts ??= image.bytes().then((b) => analyse(name, b, options))),
      };
      corpus.push(image);
      return image;
    },
    async close() {
      await ocrEngine.close();
      await (await dir).remove();
    },
  };
}

export const svg = (width: number, height: number, body: string) =>
  Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${body}</svg>`);

/** A photo-like scene: sky, hills, a sun, and fine texture everywhere. */
export async function photoLike(width = 900, height = 600): Promise<Buffer> {
  const scene = await sharp(
    svg(width, height, `
      <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#4a90d9"/><stop offset="1" stop-color="#bfe0f7"/></linearGradient></defs>
      <rect width="100%" height="100%" fill="url(#sky)"/>
      <path d="M0 ${height * 0.65} Q ${width * 0.3} ${height * 0.45} ${width * 0.6} ${height * 0.62} T ${width} ${height * 0.58} V ${height} H 0 Z" fill="#3d7a3a"/>
      <circle cx="${width * 0.78}" cy="${height * 0.22}" r="${height * 0.08}" fill="#ffd54a"/>
      <rect x="${width * 0.15}" y="${height * 0.5}" width="${width * 0.12}" height="${height * 0.25}" fill="#8b4a2b"/>`),
  )
    .png()
    .toBuffer();
  const grain = await sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 18 } } })
    .png()
    .toBuffer();
  return sharp(scene).composite([{ input: grain, blend: 'overlay' }]).jpeg({ quality: 92 }).toBuffer();
}
