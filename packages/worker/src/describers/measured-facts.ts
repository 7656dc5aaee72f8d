import type { Describer, DescribeOptions, Description, ImageInput } from '@depict/contract';
import type { DecodeLimits } from '@depict/core';
import { analyzeImage } from '../analyzer/index.js';

/**
 * A model's answer with the analyzer's cheap measured facts beside it (format, size,
 * EXIF camera and date, palette, light) in `details.analysis`, so a result has one
 * shape whichever describer wrote it. OCR stays off: reading text is the model's part.
 * The facts are measured while the model is asked, and a failure to measure them
 * leaves the model's answer as it is.
 */
export function withMeasuredFacts(describer: Describer, options: { revealGps: boolean; limits?: DecodeLimits | undefined }): Describer {
  return {
    name: describer.name,
    async describe(image: ImageInput, describeOptions?: DescribeOptions): Promise<Description> {
      const facts = analyzeImage(image.source, { ocr: 'off', revealGps: options.revealGps, ...(options.limits ? { limits: options.limits } : {}) });
      facts.catch(() => {}); // the model's failure, if any, is the one to report
      const result = await describer.describe(image, describeOptions);
      const analysis = await facts.then(
        (value) => value,
        () => undefined,
      );
      return analysis ? { ...result, details: { ...result.details, analysis } } : result;
    },
    close: () => describer.close?.() ?? Promise.resolve(),
  };
}
