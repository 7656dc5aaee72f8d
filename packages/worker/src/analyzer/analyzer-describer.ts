import { DepictError, DescribeError, type Describer, type Description, type DescribeOptions, type ImageInput, isJobFailureCode } from '@depict/contract';
import type { DecodeLimits } from '@depict/core';
import { analyzeImage } from './facts.js';
import { OcrEngine, type OcrMode } from './ocr.js';
import { RecognitionEngine } from './recognition/recognise.js';
import { describeFacts } from './wording.js';
import { WORKER_VERSION } from '../version.js';

export const ANALYZER_VERSION = WORKER_VERSION;

export interface AnalyzerOptions {
  /** ANALYZER_OCR: auto reads text only from images that look as if they hold some. */
  readonly ocr: OcrMode;
  /** ANALYZER_REVEAL_GPS. */
  readonly revealGps: boolean;
  /** ANALYZER_OBJECTS: auto names objects and counts people; off loads no model. Absent: off. */
  readonly objects?: 'auto' | 'off';
  /** The recognition models to use (one per worker process); made here when not given. */
  readonly recognition?: RecognitionEngine;
  /** MAX_IMAGE_PIXELS, MAX_JPEG_SCANS, MAX_DECODE_MB (DEFAULT_DECODE_LIMITS when not given). */
  readonly limits?: DecodeLimits;
}

/** The offline describer: measured facts about the pixels and the file, put into words. */
export function createAnalyzerDescriber(options: AnalyzerOptions = { ocr: 'auto', revealGps: false }): Describer {
  const generatedBy = `depict-analyzer@${WORKER_VERSION}`;
  const ocrEngine = options.ocr === 'off' ? undefined : new OcrEngine();
  const recognition = options.objects === 'auto' ? (options.recognition ?? new RecognitionEngine()) : undefined;
  return {
    name: 'analyzer',
    async describe(image: ImageInput, describeOptions: DescribeOptions = {}): Promise<Description> {
      let analysis;
      try {
        analysis = await analyzeImage(image.source, { ocr: options.ocr, ocrEngine, revealGps: options.revealGps, limits: options.limits, recognition });
      } catch (err) {
        // Past a decode limit: the same code the server would have refused the upload with.
        if (err instanceof DepictError && isJobFailureCode(err.code)) throw new DescribeError(err.code, err.message, { cause: err });
        const reason = err instanceof Error ? err.message : String(err);
        throw new DescribeError('corrupt_image', `The image could not be decoded: ${reason}`, { cause: err });
      }
      const details: Record<string, unknown> = { analysis };
      if (describeOptions.language && !/^en\b/i.test(describeOptions.language)) {
        details.language_note = `The offline analyzer writes English only; "${describeOptions.language}" was asked for.`;
      }
      return { description: describeFacts(analysis, describeOptions.length ?? 'normal'), generatedBy, details };
    },
    async close() {
      await ocrEngine?.close();
    },
  };
}
