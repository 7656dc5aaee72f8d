import { createRequire } from 'node:module';
import { DescribeError, type Describer, type Description, type ImageInput } from '@depict/shared';
import { analyzeImage } from './facts.js';
import { describeFacts } from './wording.js';

// src/analyzer/ and dist/analyzer/ are both two levels below the package root.
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

export const ANALYZER_VERSION = version;

/** The offline describer: measured facts about the pixels and the file, put into words. */
export function createAnalyzerDescriber(): Describer {
  const generatedBy = `depict-analyzer@${version}`;
  return {
    name: 'analyzer',
    async describe(image: ImageInput): Promise<Description> {
      let analysis;
      try {
        analysis = await analyzeImage(image.path);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new DescribeError('corrupt_image', `The image could not be decoded: ${reason}`, { cause: err });
      }
      return { description: describeFacts(analysis), generatedBy, details: { analysis } };
    },
  };
}
